public import RouteroCore

/// The outbound adapter for the Anthropic Messages family: Claude on Anthropic's own API and on
/// Vertex AI, chosen by ``AnthropicDialect``. Pure: it builds requests and reads answers; the executor
/// does the I/O.
///
/// ```swift
/// let adapter = AnthropicAdapter(profile: target.profile, dialect: .messagesAPI)
/// let spec = try adapter.makeRequest(call, target: target)    // an OpenAI or Gemini client's call
/// let result = try adapter.parseResponse(body, for: call, target: target)
/// ```
///
/// Translation follows reference sections 6.1–6.7; the pieces live beside this file:
/// `AnthropicRequestEncoder` (parameters, tools, thinking), `AnthropicMessages` (turns and blocks),
/// `AnthropicResponseDecoder`, `AnthropicStreamDecoder`, `AnthropicPassthroughStream` and
/// `AnthropicErrors`.
public struct AnthropicAdapter: ChatAdapter {
    /// The provider row (its id names the provider in messages and logs).
    public let profile: ProviderProfile
    /// Which Anthropic endpoint shape to speak.
    public let dialect: AnthropicDialect

    /// The name of the tool that carries a `json_schema` answer (reference 6.1, forced-tool structured
    /// output). Its `tool_use` comes back to the client as text, not as a call.
    public static let jsonToolName = "json_tool_call"

    /// Creates the adapter.
    /// - Parameters:
    ///   - profile: the provider row.
    ///   - dialect: `.messagesAPI` for `POST /v1/messages`, `.vertex(project:location:)` for Claude on
    ///     Vertex AI (`:rawPredict` / `:streamRawPredict`).
    public init(profile: ProviderProfile, dialect: AnthropicDialect = .messagesAPI) {
        self.profile = profile
        self.dialect = dialect
    }

    /// Always ``WireFamily/anthropic``.
    public var family: WireFamily { .anthropic }

    /// Builds the upstream request for a call from a client of another family (reference 6.1, 6.2).
    /// - Throws: 400 for what Anthropic cannot express (unless `drop_params`: `n > 1`, `seed`,
    ///   penalties, audio input, foreign extras), 400 for images and files Anthropic does not accept,
    ///   500 `provider_misconfigured` for a dialect without its settings.
    public func makeRequest(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let body = try requestBody(call, target: target)
        let headers = self.headers(for: target, stream: call.stream, version: nil,
                                   familyHeaders: call.extraHeaders.filter { $0.family == .anthropic }
                                       .map { ($0.name, $0.value) })
        return UpstreamRequestSpec(method: "POST", url: try messagesURL(for: target, stream: call.stream),
                                   headers: headers, body: JSON.serialize(.object(body)))
    }

    /// Builds the upstream request from an Anthropic client's own body: fields in order, only `model`
    /// rewritten to the deployment's (Vertex: `model` removed, `anthropic_version` added when absent),
    /// the gateway's credentials in place of the client's, the client's `anthropic-version` (default
    /// 2023-06-01) and `anthropic-beta` forwarded.
    public func makeNativeRequest(_ native: NativeChat, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        var body = native.body
        rewriteModel(in: &body, target: target)
        let version = native.familyHeaders.first { $0.0.lowercased() == "anthropic-version" }?.1
        let beta = native.familyHeaders.filter { $0.0.lowercased() == "anthropic-beta" }
        return UpstreamRequestSpec(method: "POST", url: try messagesURL(for: target, stream: native.stream),
                                   headers: headers(for: target, stream: native.stream, version: version, familyHeaders: beta),
                                   body: JSON.serialize(.object(body)))
    }

    /// Builds `POST /v1/messages/count_tokens` (Vertex: `count-tokens:rawPredict`, where the model
    /// stays in the body) from an Anthropic client's count-tokens body, rewritten like
    /// ``makeNativeRequest(_:target:)``.
    public func makeCountTokensRequest(_ native: NativeChat, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        var body = native.body
        body["model"] = .string(target.model)
        if case .vertex = dialect, body["anthropic_version"] == nil {
            body["anthropic_version"] = .string(AnthropicVocabulary.vertexVersion)
        }
        let version = native.familyHeaders.first { $0.0.lowercased() == "anthropic-version" }?.1
        let beta = native.familyHeaders.filter { $0.0.lowercased() == "anthropic-beta" }
        return UpstreamRequestSpec(method: "POST", url: try countTokensURL(for: target),
                                   headers: headers(for: target, stream: false, version: version, familyHeaders: beta),
                                   body: JSON.serialize(.object(body)))
    }

    /// A decoder from Anthropic SSE to canonical events (reference 6.4).
    public func makeStreamDecoder(for call: ChatCall, target: UpstreamTarget) -> any ChatStreamDecoder {
        AnthropicStreamDecoder(adapter: self, target: target, jsonTool: usesJSONTool(call))
    }

    /// A same-family relay of Anthropic SSE.
    public func makePassthroughStream(for native: NativeChat, target: UpstreamTarget) -> any PassthroughStream {
        AnthropicPassthroughStream(target: target)
    }

    /// `model` set to the deployment's, or (Vertex) moved to the URL with `anthropic_version` in the body.
    func rewriteModel(in body: inout JSONObject, target: UpstreamTarget) {
        switch dialect {
        case .messagesAPI:
            body["model"] = .string(target.model)
        case .vertex:
            body["model"] = nil
            if body["anthropic_version"] == nil { body["anthropic_version"] = .string(AnthropicVocabulary.vertexVersion) }
        }
    }
}
