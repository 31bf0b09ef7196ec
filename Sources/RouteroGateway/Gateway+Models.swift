import RouteroCore

extension Gateway {
    /// `GET /v1/models`: the configured model names, in OpenAI's list shape.
    func listModels(_ x: inout Exchange) {
        let data = router.listedModels().map { JSONValue.object(modelObject($0)) }
        x.sendJSON(200, ["object": "list", "data": .array(data)])
    }

    /// `GET /v1/models/{id}`: one configured model, or 404 like OpenAI.
    func retrieveModel(_ x: inout Exchange, id: String) throws(GatewayError) {
        guard router.listedModels().contains(id) else { throw .modelNotFound(id) }
        x.sendJSON(200, modelObject(id))
    }

    private func modelObject(_ id: String) -> JSONObject {
        ["id": .string(id), "object": "model", "created": 0, "owned_by": "routero"]
    }

    /// `GET /health/ready`: 200 when the configuration is loaded and Redis (if configured) answers
    /// a PING; 503 otherwise, saying which dependency is down.
    func readiness(_ x: inout Exchange) {
        var body: JSONObject = ["config": "loaded", "worker": .string(workerID),
                                "models": .number(String(router.listedModels().count))]
        var ready = true
        if let redis {
            if let error = redis.check() {
                ready = false
                body["redis"] = .string("unreachable: \(error.message)")
            } else {
                body["redis"] = "ok"
            }
        } else {
            body["redis"] = "not configured"
        }
        let stats = upstream.stats
        body["upstream"] = ["transfers": .number(String(stats.transfers)),
                            "new_connections": .number(String(stats.newConnections)),
                            "active": .number(String(stats.active))]
        body["status"] = ready ? "ready" : "not_ready"
        x.sendJSON(ready ? 200 : 503, body)
    }
}
