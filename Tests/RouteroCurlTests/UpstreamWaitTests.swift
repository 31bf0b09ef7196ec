import Glibc
@testable import RouteroCurl
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The waiting side of a transfer: deadlines, interrupts from other threads, and body bytes that
/// queue up while the reader is busy arriving as one event.
@Suite(.serialized)
struct UpstreamWaitTests {
    static let server = TinyHTTPServer()
    static let client = UpstreamClient(maxConnections: 64)

    func url(_ path: String) -> String { "http://127.0.0.1:\(Self.server.port)\(path)" }

    /// Reads until the end; returns the body pieces as delivered.
    func pieces(_ t: UpstreamTransfer) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let deadline = Monotonic.now() + 20
        while let e = t.next(until: deadline) {
            if case .body(let b) = e { out.append(b) }
            if case .end = e { return out }
            if case .failed(let f) = e { Issue.record("transfer failed: \(f)"); return out }
        }
        Issue.record("no end within 20 s")
        return out
    }

    /// A transfer to a server that accepts and never answers.
    func stalledTransfer() -> (BlackholeServer, UpstreamTransfer) {
        let blackhole = BlackholeServer()
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: "http://127.0.0.1:\(blackhole.port)/", headers: [],
                                                      body: []))
        return (blackhole, t)
    }

    @Test func aPassedDeadlineReturnsNilWithoutWaiting() {
        // /chunks/100 sends a piece every 50 ms: after the head, nothing is due right now.
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/100"), headers: [], body: []))
        defer { t.cancel() }
        while let e = t.next(until: Monotonic.now() + 5) { if case .head = e { break } }
        let started = Monotonic.now()
        var events = 0
        while t.next(until: started - 1) != nil { events += 1 }  // drains what is queued, never sleeps
        #expect(Monotonic.now() - started < 1, "a deadline in the past must not block")
        #expect(events < 100)
    }

    @Test func interruptWakesAWaitFromAnotherThread() {
        // A head that never comes: the wait would last until the far deadline.
        let (blackhole, t) = stalledTransfer()
        defer { blackhole.stop(); t.cancel() }
        let started = Monotonic.now()
        let ok = NativeThread.detach {
            usleep(200_000)
            t.interrupt()
        }
        #expect(ok)
        #expect(t.next(until: started + 60) == nil)
        let waited = Monotonic.now() - started
        #expect(waited >= 0.15 && waited < 30, "returned after \(waited) s")
    }

    @Test func anInterruptBeforeTheWaitIsNotLost() {
        let (blackhole, t) = stalledTransfer()
        defer { blackhole.stop(); t.cancel() }
        t.interrupt()
        let started = Monotonic.now()
        #expect(t.next(until: started + 60) == nil)
        #expect(Monotonic.now() - started < 30)
        // Consumed: the next wait runs to its own deadline again.
        #expect(t.next(until: Monotonic.now() + 0.2) == nil)
    }

    @Test func bytesQueuedWhileTheReaderIsBusyArriveAsOneEvent() {
        // 20 pieces 50 ms apart; a reader busy for the whole stream finds them in one body event.
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/20"), headers: [], body: []))
        while let e = t.next(until: Monotonic.now() + 5) { if case .head = e { break } }
        var finished = false
        for _ in 0..<100 where !finished {
            usleep(50_000)
            finished = t.queue.withLock { $0.finished }
        }
        #expect(finished)
        let got = pieces(t)
        #expect(got.count == 1, "\(got.count) body events")
        let text = String(decoding: got.joined(), as: UTF8.self)
        #expect(text == (0..<20).map { "piece-\($0);" }.joined())
    }

    @Test func aWaitingReaderStillGetsEachPieceAsItArrives() {
        let got = pieces(Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/5"), headers: [], body: [])))
        #expect(String(decoding: got.joined(), as: UTF8.self) == "piece-0;piece-1;piece-2;piece-3;piece-4;")
        #expect(got.count >= 4)
    }

    @Test func manyConcurrentTransfersAllFinish() {
        let n = 64
        let done = Atomic<Int>(0)
        let bodies = Mutex<[Int: String]>([:])
        for i in 0..<n {
            let t = Self.client.start(UpstreamHTTPRequest(method: "POST", url: url("/echo"), headers: [],
                                                          body: Array("body-\(i)".utf8)))
            _ = NativeThread.detach {
                var body: [UInt8] = []
                let deadline = Monotonic.now() + 20
                while let e = t.next(until: deadline) {
                    if case .body(let b) = e { body += b }
                    if case .end = e { break }
                }
                bodies.withLock { $0[i] = String(decoding: body, as: UTF8.self) }
                done.add(1, ordering: .relaxed)
            }
        }
        let deadline = Monotonic.now() + 30
        while done.load(ordering: .relaxed) < n && Monotonic.now() < deadline { usleep(10_000) }
        let got = bodies.withLock { $0 }
        #expect(got.count == n)
        for i in 0..<n { #expect(got[i] == "body-\(i)") }
    }
}
