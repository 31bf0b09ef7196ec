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
        try applyQuirks(to: &body, dropUnsupported: target.dropUnsupportedParams)
        body["model"] = .string(upstreamModelID(target.model))
        return try chatRequestSpec(body: body, stream: native.stream, target: target)
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
