import Glibc
@testable import RouteroCurl
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The `async` wait a held stream uses: the same events, deadlines, interrupts and inline
/// hand-off as the blocking one, with the reader suspended instead of holding a thread.
@Suite(.serialized)
struct UpstreamSuspendedWaitTests {
    static let server = TinyHTTPServer()
    static let client = UpstreamClient(maxConnections: 64)
    static let executor = ElasticExecutor(maxThreads: 8, keepIdle: 1, stackBytes: 512 * 1024)

    func start(_ path: String) -> UpstreamTransfer {
        Self.client.start(UpstreamHTTPRequest(method: "GET", url: "http://127.0.0.1:\(Self.server.port)\(path)",
                                              headers: [], body: []))
    }

    /// Runs a test's body on its own executor, as the relay runs. On the cooperative pool, shared
    /// with the other suites (some of which block it), a resumed reader could wait seconds for a
    /// thread: pieces then queued up meanwhile, or a 0.3 s deadline returned after 5 s.
    func onOwnExecutor(_ body: () async -> Void) async {
        await withTaskExecutorPreference(Self.executor, operation: body)
    }

    /// A transfer to a server that accepts and never answers.
    func stalled() -> (BlackholeServer, UpstreamTransfer) {
        let blackhole = BlackholeServer()
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: "http://127.0.0.1:\(blackhole.port)/",
                                                      headers: [], body: []))
        return (blackhole, t)
    }

    /// Reads to the end with suspended waits; returns the body, the number of waits that
    /// returned an event, and whether the end came.
    func read(_ t: UpstreamTransfer, inline: UpstreamTransfer.InlineConsumer? = nil,
              into recorder: InlineRecorder) async -> (wakes: Int, ended: Bool) {
        var wakes = 0
        let deadline = Monotonic.now() + 20
        while let event = await t.next(until: deadline, inline: inline) {
            wakes += 1
            switch event {
            case .body(let bytes): recorder.received.withLock { $0 += bytes }
            case .end: return (wakes, true)
            case .failed(let failure): Issue.record("transfer failed: \(failure)"); return (wakes, false)
            case .head: continue
            }
        }
        return (wakes, false)
    }

    @Test func everyPieceArrivesInOrder() async {
        await onOwnExecutor {
            let recorder = InlineRecorder()
            let (_, ended) = await read(start("/chunks/8"), into: recorder)
            #expect(ended)
            #expect(recorder.text == (0..<8).map { "piece-\($0);" }.joined())
        }
    }

    @Test func theWaitEndsAtItsDeadline() async {
        await onOwnExecutor {
            let (blackhole, t) = stalled()
            defer { blackhole.stop(); t.cancel() }
            let started = Monotonic.now()
            #expect(await t.next(until: started + 0.3, inline: nil) == nil)
            let waited = Monotonic.now() - started
            #expect(waited >= 0.29 && waited < 5, "returned after \(waited) s")
            // A deadline already passed returns at once.
            let again = Monotonic.now()
            #expect(await t.next(until: again - 1, inline: nil) == nil)
            #expect(Monotonic.now() - again < 0.2)
        }
    }

    @Test func anInterruptFromAnotherThreadEndsTheWait() async {
        await onOwnExecutor {
            let (blackhole, t) = stalled()
            defer { blackhole.stop(); t.cancel() }
            let started = Monotonic.now()
            #expect(NativeThread.detach { usleep(200_000); t.interrupt() })
            #expect(await t.next(until: started + 60, inline: nil) == nil)
            let waited = Monotonic.now() - started
            #expect(waited >= 0.15 && waited < 30, "returned after \(waited) s")
            // The interrupt is consumed and the cancelled deadline is not left to end a later wait:
            // this one runs to its own deadline.
            let next = Monotonic.now()
            #expect(await t.next(until: next + 0.3, inline: nil) == nil)
            #expect(Monotonic.now() - next >= 0.29)
        }
    }

    /// A held stream's clocks move while it stays suspended (chunks relayed inline): when the
    /// deadline comes, a later renewed one is scheduled instead of resuming the reader.
    @Test func aRenewedDeadlineMovesTheWaitInsteadOfEndingIt() async {
        await onOwnExecutor {
            let (blackhole, t) = stalled()
            defer { blackhole.stop(); t.cancel() }
            let started = Monotonic.now()
            let asked = Atomic<Int>(0)
            #expect(await t.next(until: started + 0.2, inline: nil, renew: {
                asked.add(1, ordering: .relaxed)
                return started + 0.6
            }) == nil)
            let waited = Monotonic.now() - started
            let renewals = asked.load(ordering: .relaxed)
            #expect(waited >= 0.59 && waited < 5, "returned after \(waited) s")
            #expect(renewals == 2, "asked at 0.2 s (moved) and at 0.6 s (due)")
            // An interrupt still ends a renewed wait at once.
            let again = Monotonic.now()
            #expect(NativeThread.detach { usleep(100_000); t.interrupt() })
            #expect(await t.next(until: again + 0.05, inline: nil, renew: { again + 60 }) == nil)
            let second = Monotonic.now() - again
            #expect(second >= 0.09 && second < 30, "returned after \(second) s")
        }
    }

    @Test func anInterruptBeforeTheWaitIsNotLost() async {
        await onOwnExecutor {
            let (blackhole, t) = stalled()
            defer { blackhole.stop(); t.cancel() }
            t.interrupt()
            let started = Monotonic.now()
            #expect(await t.next(until: started + 60, inline: nil) == nil)
            #expect(Monotonic.now() - started < 30)
        }
    }

    @Test func piecesGoToTheInlineConsumerWhileTheReaderIsSuspended() async {
        await onOwnExecutor {
            let t = start("/chunks/10")
            defer { t.cancel() }
            let recorder = InlineRecorder()
            let (wakes, ended) = await read(t, inline: recorder.consumer, into: recorder)
            #expect(ended)
            #expect(recorder.text == (0..<10).map { "piece-\($0);" }.joined())
            #expect(recorder.calls.load(ordering: .relaxed) >= 8)
            #expect(wakes <= 4, "the reader was resumed for the head and the end, not for each piece")
        }
    }

    @Test func blockingAndSuspendedWaitsTakeTurnsOnOneTransfer() async {
        await onOwnExecutor {
            // The non-streaming path blocks and the streaming one suspends; one transfer may see
            // both (a head waited for suspended, a body collected blocking).
            let t = start("/chunks/6")
            defer { t.cancel() }
            var body: [UInt8] = []
            var ended = false
            var turn = 0
            let deadline = Monotonic.now() + 20
            while !ended {
                turn += 1
                let event = turn % 2 == 0 ? t.next(until: deadline) : await t.next(until: deadline, inline: nil)
                guard let event else { break }
                if case .body(let bytes) = event { body += bytes }
                if case .end = event { ended = true }
            }
            #expect(ended)
            #expect(String(decoding: body, as: UTF8.self) == (0..<6).map { "piece-\($0);" }.joined())
        }
    }
}
