import Yams

extension LiteLLMSettings {
    /// `litellm_settings.cache_params`. Routero's cache is always the shared Redis one, so
    /// other LiteLLM cache types are accepted with a warning rather than refused.
    static func cacheParams(_ node: Node, into config: inout GatewayConfig,
                            context: ConfigContext) throws(ConfigError) -> RedisSource
    {
        var map = try YAMLMap(node, path: "litellm_settings.cache_params")
        var redis = RedisSource()
        if let value = map.take("type") {
            let type = try context.choice(value, at: map.child("type"), from: cacheTypes)
            switch type {
            case "redis": break
            case "local":
                context.warn(map.child("type"), "Routero's cache is always Redis-backed and shared by all workers; "
                             + "\"local\" is served from Redis", line: value.mark?.line)
            default:
                context.warn(map.child("type"), "cache type \"\(type)\" is not supported; Routero uses its "
                             + "exact-match Redis cache", line: value.mark?.line)
            }
        }
        if let value = map.take("host") { redis.host = try context.string(value, at: map.child("host")) }
        if let value = map.take("port") { redis.port = try port(value, at: map.child("port"), context: context) }
        if let value = map.take("password") { redis.password = try context.secret(value, at: map.child("password")) }
        if let value = map.take("redis_startup_nodes") {
            let path = map.child("redis_startup_nodes")
            redis.startupNodes = (try startupNodes(value, at: path, context: context), path)
        }
        if let value = map.take("ttl") {
            // LiteLLM accepts fractional TTLs; Redis expiry here is whole seconds, so round up.
            let ttl = try context.number(value, at: map.child("ttl"))
            guard ttl <= 31_536_000 else {
                throw ConfigError(keyPath: map.child("ttl"), message: "expected at most 31536000 seconds",
                                  line: value.mark?.line)
            }
            config.cache.ttlSeconds = Int(ttl.rounded(.up))
        }
        if let value = map.take("namespace") { config.cache.namespace = try context.string(value, at: map.child("namespace")) }
        if let value = map.take("supported_call_types") {
            let types = try context.stringList(value, at: map.child("supported_call_types"))
            // Routero caches chat completions only; LiteLLM calls those (a)completion.
            if config.cache.enabled, !types.contains("completion"), !types.contains("acompletion") {
                config.cache.enabled = false
                context.warn(map.child("supported_call_types"), "does not include completion/acompletion; "
                             + "the chat completion cache is disabled", line: value.mark?.line)
            }
        }
        map.warnUnknown(in: context, "not used by Routero; ignored")
        return redis
    }

    /// Redis from the LiteLLM sections and environment. Precedence: `router_settings.redis_url`,
    /// then `cache_params.redis_startup_nodes` (a cluster), then a host from `router_settings` /
    /// `cache_params`, then `REDIS_URL`, then `REDIS_CLUSTER_NODES`, then `REDIS_HOST`; a missing
    /// port or password is filled from `REDIS_PORT` / `REDIS_PASSWORD` as LiteLLM does.
    static func resolveRedis(router: RedisSource?, cache: RedisSource?,
                             context: ConfigContext) throws(ConfigError) -> RedisSettings?
    {
        if let url = router?.url {
            return try RedisSettings.parse(url: url.text, keyPath: url.path, line: url.line)
        }
        let env = context.environment
        func password() -> Secret? {
            if let secret = router?.password ?? cache?.password { return secret }
            guard let text = env["REDIS_PASSWORD"], !text.isEmpty else { return nil }
            return Secret(value: text, source: "env REDIS_PASSWORD")
        }
        func cluster(_ nodes: [RedisNodeAddress], path: String) throws(ConfigError) -> RedisSettings {
            var settings = RedisSettings(host: nodes[0].host, port: nodes[0].port, password: password())
            try settings.makeCluster(seeds: nodes, keyPath: path)
            return settings
        }
        if let startup = cache?.startupNodes { return try cluster(startup.nodes, path: startup.path) }
        var host = router?.host ?? cache?.host
        if host == nil, let url = env["REDIS_URL"], !url.isEmpty {
            return try RedisSettings.parse(urls: url, keyPath: "REDIS_URL")
        }
        if host == nil, let text = env["REDIS_CLUSTER_NODES"], !text.isEmpty {
            return try cluster(startupNodes(environment: text), path: "REDIS_CLUSTER_NODES")
        }
        host = host ?? env["REDIS_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        guard let host else { return nil }
        var port = router?.port ?? cache?.port
        if port == nil, let text = env["REDIS_PORT"], !text.isEmpty {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw ConfigError(keyPath: "REDIS_PORT", message: "expected an integer from 1 to 65535")
            }
            port = value
        }
        return RedisSettings(host: host, port: port ?? 6379, password: password())
    }
}
