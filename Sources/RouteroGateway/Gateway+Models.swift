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
}
