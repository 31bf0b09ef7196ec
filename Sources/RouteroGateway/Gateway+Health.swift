import RouteroCore

extension Gateway {
    /// `GET /health`: liveness. Anyone gets `{"status":"ok"}`; the master key adds the worker.
    func liveness(_ x: inout Exchange) {
        var body: JSONObject = ["status": "ok"]
        if presentsMasterKey(x) { body["worker"] = .string(workerID) }
        x.sendJSON(200, body)
    }

    /// `GET /health/ready`: 200 `ready` when the configuration is loaded and Redis (if
    /// configured) answers a PING through its circuit breaker (in a cluster: every master).
    /// With Redis unreachable the answer is still 200, `degraded` with the reason: the gateway
    /// keeps serving (the cache is bypassed, tokens are granted per process, the other shared
    /// features fall back as documented in deploy/ROUTING.md), and every worker shares one Redis,
    /// so taking them all out of rotation would turn a Redis outage into a gateway outage.
    /// `redis.unreachable_readiness: not_ready` answers 503 `not_ready` instead, for operators
    /// whose gateway is of no use without Redis.
    /// Without the master key the answer is the bare status and reason: no Redis address, no
    /// pid, no counters. While a breaker is open the check costs no network round trip, so
    /// probing many times a second can neither hang nor re-open Redis.
    func readiness(_ x: inout Exchange) {
        let redisError = redis?.check()
        let strict = config.redis?.notReadyWhenUnreachable ?? false
        var body: JSONObject = ["status": redisError == nil ? "ready" : (strict ? "not_ready" : "degraded")]
        if redisError != nil { body["reason"] = "redis_unreachable" }
        if presentsMasterKey(x) {
            body["config"] = "loaded"
            body["worker"] = .string(workerID)
            body["models"] = .number(String(router.listedModels().count))
            if let redisError {
                body["redis"] = .string("unreachable: \(redisError.message)")
            } else {
                body["redis"] = redis == nil ? "not configured" : (redis!.isCluster ? "ok (cluster)" : "ok")
            }
            let stats = upstream.stats
            body["upstream"] = ["transfers": .number(String(stats.transfers)),
                                "new_connections": .number(String(stats.newConnections)),
                                "active": .number(String(stats.active)),
                                "multi_handles": .number(String(stats.multiHandles)),
                                "multi_handles_recycled": .number(String(stats.multiHandlesRecycled))]
        }
        x.sendJSON(redisError != nil && strict ? 503 : 200, body)
    }
}
