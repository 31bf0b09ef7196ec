import RouteroConfig
import RouteroRedis

extension Gateway {
    /// The Redis client for `settings`: a standalone server, or a cluster reached through its
    /// seed nodes. Password, user and timeouts apply to every node. Nothing is contacted here;
    /// a Redis that is down at start-up is reported by readiness and tried again per breaker interval.
    static func redisClient(_ settings: RedisSettings) -> RedisClient {
        let endpoints = settings.seeds.map { node in
            RedisEndpoint(host: node.host, port: node.port, username: settings.username,
                          password: settings.password?.value, db: settings.db,
                          connectTimeoutMs: settings.connectTimeoutMs, commandTimeoutMs: settings.commandTimeoutMs)
        }
        return settings.cluster ? RedisClient(clusterSeeds: endpoints) : RedisClient(endpoint: endpoints[0])
    }
}
