import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting

/// What the relay writes for the upstream bytes it received.
struct PipeOutput {
    /// Bytes for the client, in its own stream format.
    var bytes: [UInt8]
    /// The provider reported an error in the stream; `bytes` are what came before it (the error
    /// itself is not written: the executor continues the stream or ends it with the error).
    var upstreamError: GatewayError?
}

/// Turns upstream stream bytes into client stream bytes. The relay knows no wire family: it moves
/// bytes and watches time; a pipe knows the formats on both sides.
protocol StreamPipe: Sendable {
    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> PipeOutput
    /// The transport ended cleanly: the tail to send, and whether the answer was complete.
    mutating func finish() throws(GatewayError) -> (tail: [UInt8], complete: Bool)
    /// Ends the client's stream with an error event in its format.
    mutating func fail(_ error: GatewayError) -> [UInt8]
    /// A keep-alive the client format ignores.
    func keepAlive() -> [UInt8]
    var bufferedBytes: Int { get }
    /// What the client has received so far (nil when a passthrough stream outgrew its record).
    var transcript: StreamTranscript? { get }
    /// Whether answer content (not just the stream's opening) has gone to the client: from then on
    /// upstream silence counts as a stall.
    var carriedContent: Bool { get }
    /// Whether the answer's end (OpenAI's `[DONE]`, Anthropic's `message_stop`, ...) has been
    /// relayed: a client that leaves after it has the whole answer.
    var answerComplete: Bool { get }
    /// The encoder that wrote the client's stream, in the state the client saw, for a continuation
    /// leg to carry on with (nil for passthrough: the continuation primes a new one).
    var clientEncoder: (any ChatStreamEncoder)? { get }
}

/// Same family on both sides: the provider's events, re-framed and repaired, nothing translated.
///
/// What the client received is kept as the bytes sent (up to ``recordLimit``) and decoded into a
/// ``StreamTranscript`` only when asked, so the fast path parses nothing.
struct PassthroughPipe: StreamPipe {
    var stream: any PassthroughStream
    let keepAliveBytes: [UInt8]
    /// A decoder for this family's stream, for ``transcript``.
    let makeDecoder: @Sendable () -> any ChatStreamDecoder
    private var sent: [UInt8] = []
    private var sentAll = true
    private(set) var carriedContent = false
    /// Byte patterns whose presence in a sent event means it carried content (family-specific).
    let contentMarkers: [[UInt8]]

    /// The most client bytes kept for the transcript; past it ``transcript`` is nil.
    static let recordLimit = 1 << 20

    init(stream: any PassthroughStream, keepAliveBytes: [UInt8], family: WireFamily,
         makeDecoder: @escaping @Sendable () -> any ChatStreamDecoder) {
        self.stream = stream
        self.keepAliveBytes = keepAliveBytes
        self.makeDecoder = makeDecoder
        self.contentMarkers = Self.contentMarkers(family)
    }

    /// What content looks like on the wire, found without parsing a chunk: a non-empty text,
    /// reasoning or tool-call delta. The opening events (OpenAI's role chunk with `"content":""`,
    /// Anthropic's `message_start`) match none of them.
    static func contentMarkers(_ family: WireFamily) -> [[UInt8]] {
        switch family {
        case .openAI: openAIMarkers
        case .anthropic: anthropicMarkers
        case .gemini: geminiMarkers
        }
    }

    private static let openAIMarkers = markers(["\"content\":\"", "\"reasoning_content\":\"", "\"reasoning\":\"",
                                                "\"tool_calls\":[{"])
    private static let anthropicMarkers = markers(["\"type\":\"content_block_delta\""])
    private static let geminiMarkers = markers(["\"text\":\"", "\"functionCall\":"])

    /// Each key in compact JSON and with Python-style `": "` separators (both occur in the wild).
    private static func markers(_ keys: [String]) -> [[UInt8]] {
        (keys + keys.map { $0.replacing("\":", with: "\": ") }).map { Array($0.utf8) }
    }


    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> PipeOutput {
        PipeOutput(bytes: record(try stream.feed(bytes)))
    }

    mutating func finish() throws(GatewayError) -> (tail: [UInt8], complete: Bool) {
        let (tail, complete) = stream.finish()
        return (record(tail), complete)
    }

    mutating func fail(_ error: GatewayError) -> [UInt8] { stream.fail(error) }
    func keepAlive() -> [UInt8] { keepAliveBytes }
    var bufferedBytes: Int { stream.bufferedBytes }
    var clientEncoder: (any ChatStreamEncoder)? { nil }
    var answerComplete: Bool { stream.complete }

    var transcript: StreamTranscript? {
        guard sentAll else { return nil }
        var decoder = makeDecoder()
        var record = StreamTranscript()
        guard let events = try? decoder.feed(sent) else { return nil }
        events.forEach { record.apply($0) }
        return record
    }

    /// Whether `marker` occurs in `bytes`; a marker ending in a quote (an opening string) counts
    /// only with text after it, since OpenAI's role chunk carries `"content":""`.
    static func occurs(_ marker: [UInt8], in bytes: [UInt8]) -> Bool {
        let quote = UInt8(ascii: "\"")
        var from = 0
        while let at = UTF8Search.firstIndex(of: marker, in: bytes, from: from) {
            let next = at + marker.count
            if marker.last != quote { return true }
            if next < bytes.count, bytes[next] != quote { return true }
            from = next
        }
        return false
    }

    private mutating func record(_ bytes: [UInt8]) -> [UInt8] {
        if !carriedContent, !bytes.isEmpty {
            carriedContent = contentMarkers.contains { Self.occurs($0, in: bytes) }
        }
        if sentAll {
            if sent.count + bytes.count <= Self.recordLimit { sent += bytes } else { sentAll = false; sent = [] }
        }
        return bytes
    }
}

/// Different families: provider bytes → canonical events → client bytes, recording what was sent.
///
/// A continuation leg is a translating pipe too: it starts from the earlier legs' record and
/// encoder, and its ``ContinuationSplice`` edits the leg's events into the tail the client lacks.
struct TranslatingPipe: StreamPipe {
    var decoder: any ChatStreamDecoder
    var encoder: any ChatStreamEncoder
    private(set) var record: StreamTranscript
    private var splice: ContinuationSplice?
    private var terminated = false
    private(set) var answerComplete = false

    init(decoder: any ChatStreamDecoder, encoder: any ChatStreamEncoder,
         continuing record: StreamTranscript = StreamTranscript(), splice: ContinuationSplice? = nil) {
        self.decoder = decoder
        self.encoder = encoder
        self.record = record
        self.splice = splice
    }

    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> PipeOutput {
        emit(try decoder.feed(bytes))
    }

    mutating func finish() throws(GatewayError) -> (tail: [UInt8], complete: Bool) {
        let out = emit(try decoder.finish())
        if terminated { return (out.bytes, true) }
        return (out.bytes, false)
    }

    mutating func fail(_ error: GatewayError) -> [UInt8] {
        terminated = true
        return encoder.fail(error)
    }

    func keepAlive() -> [UInt8] { encoder.keepAlive() }
    var bufferedBytes: Int { decoder.bufferedBytes }
    var transcript: StreamTranscript? { record }
    var carriedContent: Bool { record.hasContent }
    var clientEncoder: (any ChatStreamEncoder)? { encoder }

    private mutating func emit(_ upstream: [ChatStreamEvent]) -> PipeOutput {
        var events = upstream
        if var splice {
            events = upstream.flatMap { splice.transform($0) }
            self.splice = splice
        }
        var out = PipeOutput(bytes: [])
        for event in events where !terminated {
            record.apply(event)
            switch event {
            case .error(let error):
                // Not written: the executor continues the answer elsewhere or ends it with this error.
                out.upstreamError = error
                terminated = true
            case .end:
                out.bytes += encoder.encode(.end)
                terminated = true
                answerComplete = true
            default:
                out.bytes += encoder.encode(event)
            }
        }
        return out
    }
}
