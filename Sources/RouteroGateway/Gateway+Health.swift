import RouteroCore

extension Gateway {
    /// `GET /health`: liveness. Anyone gets `{"status":"ok"}`; the master key adds the worker.
    func liveness(_ x: inout Exchange) {
        var body: JSONObject = ["status": "ok"]
        if presentsMasterKey(x) { body["worker"] = .string(workerID) }
        x.sendJSON(200, body)
    }

    /// `GET /health/ready`: 200 when the configuration is loaded and Redis (if configured) answers
    /// a PING through its circuit breaker, 503 otherwise. Without the master key the answer is the
    /// bare status: no Redis address, no pid, no counters. While the breaker is open the check
    /// costs no network round trip, so probing many times a second cannot hang or re-open Redis.
    func readiness(_ x: inout Exchange) {
        let redisError = redis?.check()
        let ready = redisError == nil
        var body: JSONObject = ["status": ready ? "ready" : "not_ready"]
        if presentsMasterKey(x) {
            body["config"] = "loaded"
            body["worker"] = .string(workerID)
            body["models"] = .number(String(router.listedModels().count))
            if let redisError {
                body["redis"] = .string("unreachable: \(redisError.message)")
            } else {
                body["redis"] = redis == nil ? "not configured" : "ok"
            }
            let stats = upstream.stats
            body["upstream"] = ["transfers": .number(String(stats.transfers)),
                                "new_connections": .number(String(stats.newConnections)),
                                "active": .number(String(stats.active))]
        }
        x.sendJSON(ready ? 200 : 503, body)
    }
}
