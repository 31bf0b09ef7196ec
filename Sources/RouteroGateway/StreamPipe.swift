import RouteroCore
import RouteroFrontEnds
import RouteroProviders

/// What the relay writes for the upstream bytes it received.
struct PipeOutput {
    /// Bytes for the client, in its own stream format.
    var bytes: [UInt8]
    /// The provider reported an error in the stream; `bytes` already end the client's stream with it.
    var upstreamError: GatewayError?
}

/// Turns upstream stream bytes into client stream bytes. The relay knows no wire family: it moves
/// bytes and watches time; a pipe knows the formats on both sides.
protocol StreamPipe {
    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> PipeOutput
    /// The transport ended cleanly: the tail to send, and whether the answer was complete.
    mutating func finish() throws(GatewayError) -> (tail: [UInt8], complete: Bool)
    /// Ends the client's stream with an error event in its format.
    mutating func fail(_ error: GatewayError) -> [UInt8]
    /// A keep-alive the client format ignores.
    func keepAlive() -> [UInt8]
    var bufferedBytes: Int { get }
    /// What the client has received so far, when the pipe translates (nil for passthrough).
    var transcript: StreamTranscript? { get }
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

    /// The most client bytes kept for the transcript; past it ``transcript`` is nil.
    static let recordLimit = 1 << 20

    init(stream: any PassthroughStream, keepAliveBytes: [UInt8], makeDecoder: @escaping @Sendable () -> any ChatStreamDecoder) {
        self.stream = stream
        self.keepAliveBytes = keepAliveBytes
        self.makeDecoder = makeDecoder
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

    var transcript: StreamTranscript? {
        guard sentAll else { return nil }
        var decoder = makeDecoder()
        var record = StreamTranscript()
        guard let events = try? decoder.feed(sent) else { return nil }
        events.forEach { record.apply($0) }
        return record
    }

    private mutating func record(_ bytes: [UInt8]) -> [UInt8] {
        if sentAll {
            if sent.count + bytes.count <= Self.recordLimit { sent += bytes } else { sentAll = false; sent = [] }
        }
        return bytes
    }
}

/// Different families: provider bytes → canonical events → client bytes, recording what was sent.
struct TranslatingPipe: StreamPipe {
    var decoder: any ChatStreamDecoder
    var encoder: any ChatStreamEncoder
    private(set) var record = StreamTranscript()
    private var terminated = false

    init(decoder: any ChatStreamDecoder, encoder: any ChatStreamEncoder) {
        self.decoder = decoder
        self.encoder = encoder
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

    private mutating func emit(_ events: [ChatStreamEvent]) -> PipeOutput {
        var out = PipeOutput(bytes: [])
        for event in events where !terminated {
            record.apply(event)
            switch event {
            case .error(let error):
                out.bytes += encoder.fail(error)
                out.upstreamError = error
                terminated = true
            case .end:
                out.bytes += encoder.encode(.end)
                terminated = true
            default:
                out.bytes += encoder.encode(event)
            }
        }
        return out
    }
}
