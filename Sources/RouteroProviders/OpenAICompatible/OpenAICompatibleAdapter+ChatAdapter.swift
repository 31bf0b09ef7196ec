public import RouteroCore

extension OpenAICompatibleAdapter: ChatAdapter {
    public var family: WireFamily { .openAI }

    /// A client of another family: the canonical call encoded as OpenAI chat, then this provider's
    /// quirks, exactly as an OpenAI client's body gets them.
    public func makeRequest(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let policy = ParameterPolicy(target: target)
        if let n = call.candidateCount, n > 1 { try policy.unsupported("n") }
        let encoder = OpenAIRequestEncoder(policy: policy, acceptsTopK: profile.quirks.acceptsTopK)
        var body = try encoder.encode(call, model: target.model)
        try applyQuirks(to: &body, dropUnsupported: target.dropUnsupportedParams)
        body["model"] = .string(upstreamModelID(target.model))
        return try chatRequestSpec(body: body, stream: call.stream, target: target)
    }

    /// An OpenAI client: its body with the model replaced, gateway-only fields removed and the quirks applied.
    public func makeNativeRequest(_ native: NativeChat, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        var body = native.body
        for field in Self.gatewayOnlyFields { body[field] = nil }
        Self.stripSignedToolCallIDs(&body)
        try applyQuirks(to: &body, dropUnsupported: target.dropUnsupportedParams)
        body["model"] = .string(upstreamModelID(target.model))
        return try chatRequestSpec(body: body, stream: native.stream, target: target)
    }

    /// Tool-call ids this gateway gave an OpenAI client carry a Gemini thought signature
    /// (``SignedToolCallID``); it belongs to Gemini only, so OpenAI-format upstreams get the bare id.
    /// Bodies without such ids are not touched.
    static func stripSignedToolCallIDs(_ body: inout JSONObject) {
        guard var messages = body["messages"]?.arrayValue else { return }
        var changed = false
        for (i, message) in messages.enumerated() {
            guard var m = message.objectValue else { continue }
            var touched = false
            if let id = m["tool_call_id"]?.stringValue, UTF8Search.contains(id, SignedToolCallID.separator) {
                m["tool_call_id"] = .string(SignedToolCallID.extract(id).id)
                touched = true
            }
            if var calls = m["tool_calls"]?.arrayValue {
                for (j, call) in calls.enumerated() {
                    guard var c = call.objectValue, let id = c["id"]?.stringValue,
                          UTF8Search.contains(id, SignedToolCallID.separator) else { continue }
                    c["id"] = .string(SignedToolCallID.extract(id).id)
                    calls[j] = .object(c)
                    touched = true
                }
                if touched { m["tool_calls"] = .array(calls) }
            }
            if touched { messages[i] = .object(m); changed = true }
        }
        if changed { body["messages"] = .array(messages) }
    }

    public func parseResponse(_ body: [UInt8], for call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> ChatResult {
        try OpenAIResponseDecoder(provider: profile.id).decode(body)
    }

    public func makeStreamDecoder(for call: ChatCall, target: UpstreamTarget) -> any ChatStreamDecoder {
        OpenAIStreamDecoder(target: target)
    }

    public func makePassthroughStream(for native: NativeChat, target: UpstreamTarget) -> any PassthroughStream {
        OpenAIPassthroughStream(target: target, includeUsage: native.includeUsage)
    }
}
