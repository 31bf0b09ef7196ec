public import RouteroCore

/// What the gateway needs from one outbound wire family: pure functions from canonical values to
/// upstream requests and from upstream bytes back to canonical values. No I/O: the executor sends
/// the ``UpstreamRequestSpec`` and feeds the answer back in.
///
/// One conforming type per family (OpenAI-compatible, Anthropic, Gemini, ...); every provider row in
/// the catalog names its family, so an OpenAI-compatible provider stays one row.
public protocol ChatAdapter: Sendable {
    /// The family this adapter speaks.
    var family: WireFamily { get }

    /// Builds the upstream request for a canonical call (the client spoke another family).
    /// - Throws: 400 naming a parameter the family cannot express (unless `drop_params`), 500
    ///   `provider_misconfigured` when the target lacks what the family needs.
    func makeRequest(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec

    /// Builds the upstream request from the client's own body when the client speaks this family:
    /// the body is passed through with only the model and auth rewritten.
    func makeNativeRequest(_ native: NativeChat, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec

    /// Parses a 2xx non-streaming body into the canonical result.
    /// - Throws: 502 `upstream_invalid_response` when the body is not this family's response.
    func parseResponse(_ body: [UInt8], for call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> ChatResult

    /// A decoder for a 2xx streaming body, to canonical events.
    func makeStreamDecoder(for call: ChatCall, target: UpstreamTarget) -> any ChatStreamDecoder

    /// A re-framer for a 2xx streaming body relayed to a client of this same family.
    func makePassthroughStream(for native: NativeChat, target: UpstreamTarget) -> any PassthroughStream

    /// Maps an upstream error status and body to the error the client sees (any client family).
    func mapError(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError
}

/// The client's request in its own family's wire format, kept whole for same-family passthrough.
public struct NativeChat: Sendable {
    /// The family the client spoke.
    public var family: WireFamily
    /// The client's body, fields in order (for Gemini the model is not in it).
    public var body: JSONObject
    /// The model string the client asked for (from the body or the URL path).
    public var model: String
    /// Whether the client asked for a stream.
    public var stream: Bool
    /// OpenAI `stream_options.include_usage`.
    public var includeUsage: Bool
    /// Gemini only: `alt=sse` (SSE framing) rather than a streamed JSON array.
    public var sseFraming: Bool
    /// Client headers that belong to the family's wire format (`anthropic-version`, `anthropic-beta`).
    public var familyHeaders: [(String, String)]

    /// Creates a native request.
    public init(family: WireFamily, body: JSONObject, model: String, stream: Bool, includeUsage: Bool = false,
                sseFraming: Bool = true, familyHeaders: [(String, String)] = []) {
        self.family = family
        self.body = body
        self.model = model
        self.stream = stream
        self.includeUsage = includeUsage
        self.sseFraming = sseFraming
        self.familyHeaders = familyHeaders
    }
}

/// Turns a provider's streamed bytes into canonical events, however they arrive split.
public protocol ChatStreamDecoder: Sendable {
    /// The events completed by `bytes`.
    /// - Throws: 502 `upstream_invalid_stream` when the bytes are not this family's stream.
    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [ChatStreamEvent]
    /// The transport ended: events still buffered. A stream that was not complete yields no
    /// ``ChatStreamEvent/end``; the relay then reports it as truncated.
    mutating func finish() throws(GatewayError) -> [ChatStreamEvent]
    /// Bytes held for an incomplete message (bounded by the relay).
    var bufferedBytes: Int { get }
}

/// Relays a same-family stream: re-frames it so no event is sent half-way, applies the provider's
/// repairs, and knows when the stream is complete.
public protocol PassthroughStream: Sendable {
    /// The bytes to send the client for `bytes` received.
    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8]
    /// The transport ended cleanly: the bytes still to send, and whether the stream was complete.
    mutating func finish() -> (tail: [UInt8], complete: Bool)
    /// Whether the upstream already declared the stream complete.
    var complete: Bool { get }
    /// Bytes held for an incomplete event.
    var bufferedBytes: Int { get }
    /// Ends the relayed stream with an error event in this family's format. Nothing may follow.
    mutating func fail(_ error: GatewayError) -> [UInt8]
}

extension GatewayError {
    /// 502: a 2xx upstream body that is not the family's response shape.
    public static func upstreamInvalidResponse(provider: String, detail: String) -> Self {
        Self(status: 502, type: "server_error", code: "upstream_invalid_response",
             message: "\(provider): the upstream response could not be read (\(detail)).", retryable: true)
    }

    /// 502: streamed bytes that are not the family's stream.
    public static func upstreamInvalidStream(provider: String, detail: String) -> Self {
        Self(status: 502, type: "server_error", code: "upstream_invalid_stream",
             message: "\(provider): the upstream stream could not be read (\(detail)).", retryable: true)
    }

    /// 400: a request parameter the chosen provider cannot express (without `drop_params`).
    public static func unsupportedParameter(_ name: String, provider: String) -> Self {
        Self(status: 400, type: "invalid_request_error", code: "unsupported_parameter", param: name,
             message: "\(provider) does not support the parameter '\(name)'. Remove it, or set drop_params: true "
                 + "on the deployment to have the gateway drop unsupported parameters.")
    }
}
