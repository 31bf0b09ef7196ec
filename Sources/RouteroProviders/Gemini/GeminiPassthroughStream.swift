public import RouteroCore

/// Relays a Gemini stream to a Gemini client in the framing the client asked for (which is the
/// framing the upstream was asked for: ``GeminiAdapter/makeNativeRequest(_:target:)`` keeps `alt=sse`
/// or its absence).
///
/// - SSE: re-framed with ``SSEParser`` so no event goes out half-way; each event's data is forwarded
///   unchanged as `data: …\r\n\r\n`, Google's own line endings.
/// - JSON array: re-framed with ``JSONArrayStreamParser``; the client gets `[`, the elements
///   byte for byte separated by `,\r\n`, and `]` when the upstream closes the array.
/// - The stream is ``complete`` once a chunk carried a `finishReason` or a prompt block
///   (`promptFeedback.blockReason`): Gemini's SSE stream has no terminator. An array whose upstream
///   finished but never wrote `]` is closed by ``finish()``.
/// - Error chunks from the upstream are forwarded with their message sanitized
///   (``UpstreamErrors/sanitize(_:target:)``); ``fail(_:)`` ends the stream with a Google error object.
public struct GeminiPassthroughStream: PassthroughStream {
    private let target: UpstreamTarget
    private let sseFraming: Bool
    private var sse = SSEParser()
    private var array = JSONArrayStreamParser()
    private var sentOpening = false
    private var sentElements = 0
    private var sentClosing = false
    private var failed = false

    /// Whether a finish reason or a prompt block has been relayed.
    public private(set) var complete = false

    /// Creates a relay for `target`; `sseFraming` is the client's (and so the upstream's) `alt=sse`.
    public init(target: UpstreamTarget, sseFraming: Bool) {
        self.target = target
        self.sseFraming = sseFraming
    }

    /// Bytes held for an event or array element not complete yet.
    public var bufferedBytes: Int { sseFraming ? sse.bufferedBytes : array.bufferedBytes }

    /// The whole events (or elements) completed by `bytes`, re-framed for the client.
    public mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        guard !failed else { return [] }
        if sseFraming {
            var out: [UInt8] = []
            for event in sse.feed(bytes) { out += try forward(event) }
            return out
        }
        let elements: [[UInt8]]
        do {
            elements = try array.feed(bytes)
        } catch {
            throw .upstreamInvalidStream(provider: target.profile.id, detail: "not a JSON array stream: \(error)")
        }
        var out: [UInt8] = []
        if array.opened { out += opening() }
        for element in elements { out += try forwardElement(element) }
        if array.closed, !sentClosing {
            sentClosing = true
            out += Array("]".utf8)
        }
        return out
    }

    /// Flushes a last event without its blank line (SSE) or closes a finished array missing its `]`.
    public mutating func finish() -> (tail: [UInt8], complete: Bool) {
        guard !failed else { return ([], complete) }
        var tail: [UInt8] = []
        if sseFraming {
            // A bad last event leaves the stream incomplete, which the gateway reports as truncated.
            for event in sse.finish() {
                guard let bytes = try? forward(event) else { return (tail, false) }
                tail += bytes
            }
        } else if complete, !sentClosing {
            // The answer finished but the upstream closed before its `]`: the client still gets valid JSON.
            tail += opening()
            sentClosing = true
            tail += Array("]".utf8)
        }
        return (tail, complete)
    }

    /// A Google error object in the client's framing; nothing is relayed after it.
    public mutating func fail(_ error: GatewayError) -> [UInt8] {
        guard !failed else { return [] }
        failed = true
        let object = GeminiWireError.object(error, sanitizedFor: target)
        if sseFraming { return GeminiWireError.sseEvent(object) }
        guard !sentClosing else { return [] }  // a closed array admits nothing more
        sentClosing = true
        var out = opening()
        if sentElements > 0 { out += Array(",\r\n".utf8) }
        out += JSON.serialize(.object(object))
        out += Array("]".utf8)
        return out
    }

    private mutating func opening() -> [UInt8] {
        guard !sentOpening else { return [] }
        sentOpening = true
        return Array("[".utf8)
    }

    private mutating func forward(_ event: SSEEvent) throws(GatewayError) -> [UInt8] {
        let data = event.data
        try observe(try chunk(Array(data.utf8)))
        var out: [UInt8] = []
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            out += Array("data: ".utf8) + Array(line.utf8) + [0x0D, 0x0A]
        }
        out += [0x0D, 0x0A]
        return out
    }

    private mutating func forwardElement(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        let element = bytes
        try observe(try chunk(bytes))
        var out = opening()
        if sentElements > 0 { out += Array(",\r\n".utf8) }
        sentElements += 1
        return out + element
    }

    /// One chunk as an object; a chunk that is not one is not forwarded.
    private func chunk(_ bytes: [UInt8]) throws(GatewayError) -> JSONObject {
        guard let object = (try? JSON.parse(bytes))?.objectValue else {
            throw .upstreamInvalidStream(provider: target.profile.id, detail: "a chunk is not a JSON object")
        }
        return object
    }

    /// Notes a finish reason or a prompt block; an error chunk is not forwarded but thrown, so
    /// the gateway ends the stream with it or continues the answer elsewhere.
    private mutating func observe(_ chunk: JSONObject) throws(GatewayError) {
        if chunk["error"]?.objectValue != nil { throw GeminiErrors.inStream(chunk, target: target) }
        if let candidates = chunk["candidates"]?.arrayValue,
           candidates.contains(where: { ($0["finishReason"]?.stringValue ?? "").isEmpty == false }) {
            complete = true
        }
        if chunk["candidates"] == nil, chunk["promptFeedback"]?["blockReason"]?.stringValue != nil { complete = true }
    }
}

/// Google error objects for streams and bodies, shared by the passthrough relay and the Gemini
/// front-end: `{"error":{"code":<HTTP status>,"message":…,"status":<RPC status>}}`.
package enum GeminiWireError {
    /// The envelope for `error`, with a `RetryInfo` detail when the error carries `retry-after`.
    package static func object(_ error: GatewayError) -> JSONObject {
        var inner: JSONObject = [
            "code": JSONValue(error.status),
            "message": .string(error.message),
            "status": .string(GeminiVocabulary.rpcStatus(forHTTPStatus: error.status)),
        ]
        if let delay = error.headers.first(where: { $0.0.lowercased() == "retry-after" })?.1, let seconds = Int(delay) {
            inner["details"] = [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string("\(seconds)s")]]
        }
        return ["error": .object(inner)]
    }

    /// ``object(_:)`` with the message sanitized for `target`.
    static func object(_ error: GatewayError, sanitizedFor target: UpstreamTarget) -> JSONObject {
        var clean = error
        clean.message = UpstreamErrors.sanitize(error.message, target: target)
        return object(clean)
    }

    /// `data: <object>\r\n\r\n`.
    package static func sseEvent(_ object: JSONObject) -> [UInt8] {
        Array("data: ".utf8) + JSON.serialize(.object(object)) + Array("\r\n\r\n".utf8)
    }
}
