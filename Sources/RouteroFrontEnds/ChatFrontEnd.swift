public import RouteroCore
public import RouteroProviders

/// One entry format (OpenAI chat, Anthropic messages, Gemini generateContent): decodes what the client
/// sent and encodes every answer back in the client's own shape, errors included.
public protocol ChatFrontEnd: Sendable {
    /// The family the client speaks.
    var family: WireFamily { get }

    /// Validates the client's body and reads what routing needs (model, stream), keeping the body whole.
    /// - Parameter request: the URL facts the format puts outside the body (Gemini's model and verb).
    func decodeNative(_ body: JSONObject, request: InboundRequestFacts) throws(GatewayError) -> NativeChat

    /// The canonical call for a provider of another family.
    func canonical(_ native: NativeChat) throws(GatewayError) -> ChatCall

    /// A canonical answer as the client's non-streaming response body.
    func encodeResponse(_ result: ChatResult, for native: NativeChat) -> [UInt8]

    /// An encoder from canonical stream events to the client's stream framing.
    func makeStreamEncoder(for native: NativeChat) -> any ChatStreamEncoder

    /// The response content type of a stream in this format.
    func streamContentType(for native: NativeChat) -> String

    /// An error as this format's error body (the HTTP status is ``GatewayError/status``, mapped by
    /// ``status(for:)``).
    func errorBody(_ error: GatewayError) -> [UInt8]

    /// The HTTP status this format uses for `error` (Anthropic clients expect 529 for overload, the
    /// rest 503).
    func status(for error: GatewayError) -> Int
}

extension ChatFrontEnd {
    public func status(for error: GatewayError) -> Int { error.status }
}

/// The parts of an inbound request that live outside its body.
public struct InboundRequestFacts: Sendable {
    /// The model named in the URL path (Gemini `models/{model}:verb`, Azure `deployments/{name}`).
    public var pathModel: String?
    /// The URL verb asks for a stream (Gemini `:streamGenerateContent`).
    public var streamFromPath: Bool
    /// `alt=sse` on a Gemini stream.
    public var sseFraming: Bool
    /// Request headers (lowercase names).
    public var headers: [(String, String)]

    /// Creates request facts.
    public init(pathModel: String? = nil, streamFromPath: Bool = false, sseFraming: Bool = true,
                headers: [(String, String)] = []) {
        self.pathModel = pathModel
        self.streamFromPath = streamFromPath
        self.sseFraming = sseFraming
        self.headers = headers
    }

    /// The first value of header `name` (lowercase).
    public func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }
}

/// Turns canonical stream events into the client's stream bytes, keeping the client format's own
/// rules (one role delta, block numbering, a final usage event, the terminator).
public protocol ChatStreamEncoder: Sendable {
    /// The bytes for `event` (often none: e.g. `start` is held until content is known).
    mutating func encode(_ event: ChatStreamEvent) -> [UInt8]
    /// Ends the stream with an error event in the client's format. Nothing may follow.
    mutating func fail(_ error: GatewayError) -> [UInt8]
    /// The bytes that close a stream which ended without its own terminator but completed (a
    /// finish was seen): flushes held usage and writes the terminator.
    mutating func close() -> [UInt8]
    /// A keep-alive for a silent upstream, in a form this client format ignores.
    func keepAlive() -> [UInt8]
}
