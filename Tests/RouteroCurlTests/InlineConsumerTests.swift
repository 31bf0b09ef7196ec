import Glibc
@testable import RouteroCurl
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// Body bytes that arrive while the reader sleeps go to its inline consumer on the loop thread,
/// in order with what is queued, and the reader wakes only when the consumer asks.
/// An inline consumer that takes every offer, keeping the bytes in order and counting the offers.
final class InlineRecorder: Sendable {
    let received = Mutex<[UInt8]>([])
    let calls = Atomic<Int>(0)

    var consumer: UpstreamTransfer.InlineConsumer {
        { [self] bytes in
            calls.add(1, ordering: .relaxed)
            received.withLock { $0 += bytes }
            return .consumed
        }
    }

    var text: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }
}

@Suite(.serialized)
struct InlineConsumerTests {
    static let server = TinyHTTPServer()
    static let client = UpstreamClient(maxConnections: 64)

    func start(_ pieces: Int) -> UpstreamTransfer {
        Self.client.start(UpstreamHTTPRequest(method: "GET", url: "http://127.0.0.1:\(Self.server.port)/chunks/\(pieces)",
                                              headers: [], body: []))
    }

    static func expected(_ pieces: Int) -> String { (0..<pieces).map { "piece-\($0);" }.joined() }

    @Test func piecesReachTheConsumerWhileTheReaderSleepsAndStayInOrder() {
        let t = start(10)
        defer { t.cancel() }
        let recorder = InlineRecorder()
        var wakes = 0
        var ended = false
        let deadline = Monotonic.now() + 20
        while !ended, let event = t.next(until: deadline, inline: recorder.consumer) {
            wakes += 1
            switch event {
            case .body(let bytes): recorder.received.withLock { $0 += bytes }  // queued while the reader was awake
            case .end: ended = true
            case .failed(let failure): Issue.record("transfer failed: \(failure)"); return
            case .head: continue
            }
        }
        #expect(ended)
        #expect(recorder.text == Self.expected(10))
        // Pieces come 50 ms apart, so nearly all arrive while the reader sleeps.
        #expect(recorder.calls.load(ordering: .relaxed) >= 8)
        #expect(wakes <= 4, "the reader woke for the head and the end, not for each piece")
    }

    @Test func consumedWakeEndsTheWait() {
        let t = start(100)
        defer { t.cancel() }
        while let e = t.next(until: Monotonic.now() + 5) { if case .head = e { break } }
        let started = Monotonic.now()
        // A piece that arrived before this thread went to sleep comes as an event, as usual; the
        // first one that arrives while it sleeps goes to the consumer, which asks to be woken.
        var event = t.next(until: started + 30, inline: { _ in .consumedWake })
        while case .body? = event { event = t.next(until: started + 30, inline: { _ in .consumedWake }) }
        #expect(event == nil)
        #expect(Monotonic.now() - started < 5, "woken by the consumer, not by the far deadline")
    }

    @Test func declinedBytesAreQueuedForTheReader() {
        let t = start(5)
        defer { t.cancel() }
        var body: [UInt8] = []
        let deadline = Monotonic.now() + 20
        loop: while let event = t.next(until: deadline, inline: { _ in .declined }) {
            switch event {
            case .body(let bytes): body += bytes
            case .end: break loop
            default: continue
            }
        }
        #expect(String(decoding: body, as: UTF8.self) == Self.expected(5))
    }
}
