public import RouteroCore

/// The adapter for Google's `generateContent` family: the Gemini Developer API and Gemini on
/// Vertex AI, which share bodies, answers, streams and errors and differ in URLs and credentials
/// (``GeminiDialect``).
///
/// ```swift
/// let adapter = GeminiAdapter(profile: target.profile, dialect: .vertex(project: "p", location: "us-central1"))
/// let spec = try adapter.makeRequest(call, target: target)   // executor sends spec
/// ```
///
/// - Canonical requests are translated per reference 6.1/6.2 (``GeminiRequestEncoder``,
///   ``GeminiContentsEncoder``); streams are always requested as SSE (`alt=sse`).
/// - A Gemini client's own body goes through unchanged except for the URL (the model lives there),
///   the auth header, and the repairs Vertex needs (every content has a `role`).
/// - Answers, both stream framings and errors come back through ``GeminiResponseDecoder``,
///   ``GeminiStreamDecoder``, ``GeminiPassthroughStream`` and ``GeminiErrors``.
public struct GeminiAdapter: ChatAdapter {
    /// The provider this adapter speaks to.
    public let profile: ProviderProfile
    /// Gemini API or Vertex AI.
    public let dialect: GeminiDialect

    /// Creates the adapter.
    public init(profile: ProviderProfile, dialect: GeminiDialect = .googleAI) {
        self.profile = profile
        self.dialect = dialect
    }

    /// Always ``WireFamily/gemini``.
    public var family: WireFamily { .gemini }

    /// `POST …:generateContent`, or `…:streamGenerateContent?alt=sse` for a stream.
    public func makeRequest(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let endpoint = GeminiEndpoint(dialect: dialect, target: target)
        let body = try GeminiRequestEncoder(policy: ParameterPolicy(target: target)).body(for: call)
        let url = try endpoint.url(call.stream ? .streamGenerateContent : .generateContent, sse: call.stream)
        var headers = endpoint.headers(accept: call.stream ? "text/event-stream" : "application/json")
        for header in call.extraHeaders where header.family == .gemini { headers.append((header.name, header.value)) }
        return UpstreamRequestSpec(method: "POST", url: url, headers: headers, body: JSON.serialize(.object(body)))
    }

    /// The Gemini client's body, forwarded: the model is `target.model` in the URL (a `model` field
    /// in the body is removed so it cannot contradict the URL), the verb follows `native.stream` and
    /// the framing `native.sseFraming`, so the relay can pass the upstream's bytes through.
    public func makeNativeRequest(_ native: NativeChat, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let endpoint = GeminiEndpoint(dialect: dialect, target: target)
        var body = native.body
        body["model"] = nil
        if case .vertex = dialect { Self.fillRoles(&body) }
        let url = try endpoint.url(native.stream ? .streamGenerateContent : .generateContent,
                                   sse: native.stream && native.sseFraming)
        let accept = native.stream && native.sseFraming ? "text/event-stream" : "application/json"
        return UpstreamRequestSpec(method: "POST", url: url, headers: endpoint.headers(accept: accept),
                                   body: JSON.serialize(.object(body)))
    }

    /// See ``GeminiResponseDecoder``: the first candidate, its finish reason and usage.
    public func parseResponse(_ body: [UInt8], for call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> ChatResult {
        try GeminiResponseDecoder(target: target).result(body)
    }

    /// A decoder that reads either framing (the adapter asks for SSE; a proxy may not honour it).
    public func makeStreamDecoder(for call: ChatCall, target: UpstreamTarget) -> any ChatStreamDecoder {
        GeminiStreamDecoder(target: target, framing: .detect)
    }

    /// A relay in the client's framing (see ``GeminiPassthroughStream``).
    public func makePassthroughStream(for native: NativeChat, target: UpstreamTarget) -> any PassthroughStream {
        GeminiPassthroughStream(target: target, sseFraming: native.sseFraming)
    }

    /// See ``GeminiErrors``.
    public func mapError(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError {
        GeminiErrors.map(status: status, headers: headers, body: body, target: target)
    }

    /// Vertex rejects a content without `role`, which the Gemini API reads as `user`: say so explicitly.
    static func fillRoles(_ body: inout JSONObject) {
        guard let contents = body["contents"]?.arrayValue else { return }
        body["contents"] = .array(contents.map { content in
            guard var object = content.objectValue, object["role"] == nil else { return content }
            object["role"] = "user"
            return .object(object)
        })
    }
}
