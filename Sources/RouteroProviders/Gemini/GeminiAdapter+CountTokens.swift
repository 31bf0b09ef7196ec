public import RouteroCore

extension GeminiAdapter {
    /// `POST …:countTokens` for a canonical call (reference 5.5).
    ///
    /// The Gemini API counts `{"contents"}` alone, or a whole `generateContentRequest` (with the model
    /// resource name) when instructions or tools must be counted too; Vertex takes `contents`,
    /// `systemInstruction` and `tools` at the top level. Counting never fails over a parameter Gemini
    /// cannot express: those do not change the count, so they are dropped whatever `drop_params` says.
    public func makeCountTokensRequest(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        var lenient = target
        lenient.dropUnsupportedParams = true
        let full = try GeminiRequestEncoder(policy: ParameterPolicy(target: lenient)).body(for: call)
        var counted = JSONObject()
        for key in ["contents", "systemInstruction", "tools"] { if let value = full[key] { counted[key] = value } }
        let body: JSONObject
        switch dialect {
        case .vertex:
            body = counted
        case .googleAI where counted.count == 1:
            body = counted
        case .googleAI:
            var request: JSONObject = ["model": .string("models/" + GeminiEndpoint.modelID(target.model))]
            for (key, value) in counted { request[key] = value }
            body = ["generateContentRequest": .object(request)]
        }
        return try countRequest(body, target: target)
    }

    /// `POST …:countTokens` for a Gemini client's own count body, forwarded: the
    /// `generateContentRequest.model` is rewritten to the target's model, and for Vertex (which has no
    /// `generateContentRequest` form) the wrapped request is unwrapped.
    public func makeNativeCountTokensRequest(_ body: JSONObject, target: UpstreamTarget) throws(GatewayError)
        -> UpstreamRequestSpec {
        var body = body
        let wrapperKey = body["generateContentRequest"] != nil ? "generateContentRequest" : "generate_content_request"
        if var wrapped = body[wrapperKey]?.objectValue {
            switch dialect {
            case .googleAI:
                wrapped["model"] = .string("models/" + GeminiEndpoint.modelID(target.model))
                body[wrapperKey] = .object(wrapped)
            case .vertex:
                wrapped["model"] = nil
                body = wrapped
            }
        }
        if case .vertex = dialect { Self.fillRoles(&body) }
        return try countRequest(body, target: target)
    }

    /// `totalTokens` from a `:countTokens` answer.
    /// - Throws: 502 `upstream_invalid_response` when the body has no `totalTokens`.
    public func parseCountTokensResponse(_ body: [UInt8], target: UpstreamTarget) throws(GatewayError) -> Int {
        guard let value = try? JSON.parse(body), let object = value.objectValue else {
            throw .upstreamInvalidResponse(provider: target.profile.id, detail: "the countTokens body is not a JSON object")
        }
        if object["error"]?.objectValue != nil { throw GeminiErrors.inStream(object, target: target) }
        // proto-JSON leaves a zero count out.
        guard let total = object["totalTokens"]?.intValue ?? (object.isEmpty ? 0 : nil) else {
            throw .upstreamInvalidResponse(provider: target.profile.id, detail: "no totalTokens in the countTokens answer")
        }
        return total
    }

    private func countRequest(_ body: JSONObject, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let endpoint = GeminiEndpoint(dialect: dialect, target: target)
        return UpstreamRequestSpec(method: "POST", url: try endpoint.url(.countTokens),
                                   headers: endpoint.headers(accept: "application/json"),
                                   body: JSON.serialize(.object(body)))
    }
}
