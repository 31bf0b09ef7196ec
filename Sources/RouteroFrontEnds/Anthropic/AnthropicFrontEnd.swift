public import RouteroCore
public import RouteroProviders

/// The Anthropic Messages entry format (`POST /v1/messages`): validates what an Anthropic client sent,
/// translates it for providers of other families, and answers in Anthropic's shapes — message,
/// event stream and error envelope — whatever family served the request.
///
/// ```swift
/// let frontEnd = AnthropicFrontEnd()
/// let native = try frontEnd.decodeNative(body, request: facts)   // same-family: passthrough
/// let call = try frontEnd.canonical(native)                       // other families: translate
/// let bytes = frontEnd.encodeResponse(result, for: native)
/// ```
public struct AnthropicFrontEnd: ChatFrontEnd {
    /// Creates the front-end (it holds no state).
    public init() {}

    /// Always ``WireFamily/anthropic``.
    public var family: WireFamily { .anthropic }

    /// Validates the body as the Messages API does, with its messages (`max_tokens: Field required`)
    /// and the field at fault as `param`: `model` a non-empty string, `max_tokens` a non-negative
    /// integer, `messages` a non-empty list of `{role: user|assistant, content: string|list}`, `stream`
    /// a boolean when present. The body is kept whole; `anthropic-version` and `anthropic-beta` ride
    /// along as family headers for an Anthropic upstream.
    public func decodeNative(_ body: JSONObject, request: InboundRequestFacts) throws(GatewayError) -> NativeChat {
        let model = try AnthropicRequestValidation.validate(body, requireMaxTokens: true)
        return NativeChat(family: .anthropic, body: body, model: model, stream: body["stream"]?.boolValue == true,
                          includeUsage: false, familyHeaders: Self.familyHeaders(request.headers))
    }

    /// The canonical call for a provider of another family (reference 6.2, "Anthropic → canonical").
    /// - Throws: 400 for content only Anthropic can run (server tools and their result blocks) and for
    ///   malformed blocks.
    public func canonical(_ native: NativeChat) throws(GatewayError) -> ChatCall {
        try AnthropicRequestDecoder.call(from: native.body, model: native.model, familyHeaders: native.familyHeaders,
                                         stream: native.stream)
    }

    /// The Anthropic message for a canonical answer (reference 6.3, 6.7); see ``AnthropicResponseEncoder``.
    public func encodeResponse(_ result: ChatResult, for native: NativeChat) -> [UInt8] {
        JSON.serialize(.object(AnthropicResponseEncoder(native: native).message(result)))
    }

    /// An encoder producing Anthropic's event sequence from canonical events.
    public func makeStreamEncoder(for native: NativeChat) -> any ChatStreamEncoder {
        AnthropicStreamEncoder(native: native)
    }

    /// `text/event-stream; charset=utf-8`, as Anthropic serves it.
    public func streamContentType(for native: NativeChat) -> String {
        "text/event-stream; charset=utf-8"
    }

    /// `{"type":"error","error":{"type":<by status>,"message":...}}` (reference 4.6): the type follows
    /// the status the client receives (``status(for:)``), so a 529 reads `overloaded_error`.
    public func errorBody(_ error: GatewayError) -> [UInt8] {
        JSON.serialize(AnthropicVocabulary.errorBody(error, status: status(for: error)))
    }

    /// The gateway's 503 `overloaded` (its concurrency limit, or an upstream 529) as 529, the status
    /// Anthropic SDKs classify as `OverloadedError` and retry with backoff; other statuses are kept
    /// (a draining gateway's plain 503 stays 503, which the SDKs also retry).
    public func status(for error: GatewayError) -> Int {
        AnthropicVocabulary.clientStatus(for: error)
    }

    /// `anthropic-version` and every `anthropic-beta` header, in order.
    static func familyHeaders(_ headers: [(String, String)]) -> [(String, String)] {
        headers.compactMap { name, value in
            let lowered = name.lowercased()
            return lowered == "anthropic-version" || lowered == "anthropic-beta" ? (lowered, value) : nil
        }
    }
}
