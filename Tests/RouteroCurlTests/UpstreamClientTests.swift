import Glibc
@testable import RouteroCurl
import RouteroSystem
import RouteroTestSupport
import Testing

@Suite(.serialized)
struct UpstreamClientTests {
    static let server = TinyHTTPServer()
    static let client = UpstreamClient(maxConnections: 64)

    /// Drains a transfer into (status, body, terminal event).
    func drain(_ t: UpstreamTransfer, timeout: Double = 10) -> (Int, [UInt8], UpstreamEvent?) {
        var status = 0
        var body: [UInt8] = []
        let start = Monotonic.now()
        while Monotonic.now() - start < timeout {
            guard let e = t.next(timeout: 0.1) else { continue }
            switch e {
            case .head(let s, _): status = s
            case .body(let b): body += b
            case .end, .failed: return (status, body, e)
            }
        }
        return (status, body, nil)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(Self.server.port)\(path)" }

    /// Starts `n` transfers of `/chunks/4` at once, then drains each and checks its answer.
    func overlapFourPieces(_ n: Int, on client: UpstreamClient) {
        let ts = (0..<n).map { _ in
            client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/4"), headers: [], body: []))
        }
        for t in ts {
            let (status, body, _) = drain(t)
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "piece-0;piece-1;piece-2;piece-3;")
        }
    }

    @Test func postsABodyAndReadsTheAnswer() {
        let payload = Array("{\"hello\":\"wörld\"}".utf8) + [UInt8](repeating: 7, count: 100_000)
        let t = Self.client.start(UpstreamHTTPRequest(method: "POST", url: url("/echo"),
                                                      headers: [("Content-Type", "application/json")], body: payload))
        let (status, body, end) = drain(t)
        #expect(status == 200)
        #expect(body == payload)
        if case .end = end {} else { Issue.record("expected .end, got \(String(describing: end))") }
    }

    @Test func reusesConnectionsAcrossSequentialTransfers() {
        _ = drain(Self.client.start(UpstreamHTTPRequest(method: "POST", url: url("/echo"), headers: [], body: [1])))
        let before = Self.client.stats.newConnections
        for _ in 0..<5 {
            let (status, _, _) = drain(Self.client.start(UpstreamHTTPRequest(method: "POST", url: url("/echo"), headers: [], body: [1])))
            #expect(status == 200)
        }
        #expect(Self.client.stats.newConnections == before)
    }

    /// Transfers that overlap need a connection each; once they are idle, as many overlapping
    /// transfers again take them all and open none. Held streams start with a fresh connection
    /// when the census says none can be idle (ConnectionCensus), so a census that forgot a
    /// finished transfer or a closed socket would open new ones here.
    @Test func overlappingTransfersReuseTheConnectionsOverlappingOnesLeftIdle() {
        func overlap(_ n: Int) { overlapFourPieces(n, on: Self.client) }
        overlap(4)  // leaves at least four idle connections
        let before = Self.client.stats.newConnections
        overlap(4)
        #expect(Self.client.stats.newConnections == before)
        overlap(6)  // two more than are idle
        #expect(Self.client.stats.newConnections == before + 2)
    }

    /// More concurrent transfers than one multi handle takes spread over several (``CurlShard``)
    /// and the idle connections each one keeps are found again: a new transfer goes first to a
    /// shard that may hold one.
    @Test func transfersBeyondOneMultiHandleSpreadAndStillReuseTheirConnections() {
        let sharded = UpstreamClient(maxConnections: 64, shardCapacity: 2)
        func overlap(_ n: Int) { overlapFourPieces(n, on: sharded) }
        overlap(5)
        #expect(sharded.stats.multiHandles == 3)
        #expect(sharded.stats.newConnections == 5)
        overlap(5)
        #expect(sharded.stats.newConnections == 5)
        #expect(sharded.stats.multiHandles == 3)

        // Shard 0 left with room but no idle connection (its second transfer cancelled, which
        // closes the connection), shard 1 with two idle ones: the next transfer must go to
        // shard 1 and reuse one, not open a new one in shard 0.
        func get(_ path: String) -> UpstreamTransfer {
            sharded.start(UpstreamHTTPRequest(method: "GET", url: url(path), headers: [], body: []))
        }
        let long = get("/chunks/100"), cancelled = get("/chunks/100")
        let shortOnes = [get("/chunks/4"), get("/chunks/4")]
        var bodies = 0
        while bodies < 1, let e = cancelled.next(timeout: 5) { if case .body = e { bodies += 1 } }
        cancelled.cancel()
        if case .failed(let f) = drain(cancelled).2 { #expect(f.kind == .cancelled) } else { Issue.record("expected the cancel") }
        for t in shortOnes { #expect(drain(t).0 == 200) }
        let before = sharded.stats.newConnections
        #expect(drain(get("/chunks/4")).0 == 200)
        #expect(sharded.stats.newConnections == before)
        long.cancel()
        _ = drain(long)
        #expect(sharded.stats.active == 0)
    }

    /// A multi handle that has had no transfer for `idleShardSeconds` is recycled, so the
    /// connections it cached are closed (libcurl would only prune them when that handle opened
    /// a new connection) and the next burst connects anew.
    @Test func multiHandlesWithoutTransfersAreRecycledWithTheirIdleConnections() {
        let client = UpstreamClient(maxConnections: 64, shardCapacity: 2, idleShardSeconds: 0.3)
        func overlap(_ n: Int) {
            let ts = (0..<n).map { _ in
                client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/2"), headers: [], body: []))
            }
            for t in ts { #expect(drain(t).0 == 200) }
        }
        overlap(5)
        #expect(client.stats.newConnections == 5)
        #expect(client.stats.multiHandlesRecycled == 0)
        var waited = 0
        while client.stats.multiHandlesRecycled < 3 && waited < 100 { usleep(20_000); waited += 1 }
        #expect(client.stats.multiHandlesRecycled == 3)
        #expect(client.stats.multiHandles == 3)
        overlap(5)
        #expect(client.stats.newConnections == 10)
    }

    @Test func streamsChunksAsTheyArrive() {
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/5"), headers: [], body: []))
        var pieces: [String] = []
        var sawHead = false
        while let e = t.next(timeout: 5) {
            if case .head(let s, let h) = e {
                sawHead = true
                #expect(s == 200)
                #expect(h.contains { $0.0 == "content-type" && $0.1 == "text/event-stream" }, "\(h)")
            }
            if case .body(let b) = e { pieces.append(String(decoding: b, as: UTF8.self)) }
            if case .end = e { break }
        }
        #expect(sawHead)
        #expect(pieces.joined() == "piece-0;piece-1;piece-2;piece-3;piece-4;")
        // Delivered incrementally (one piece per 50 ms), not as one buffered blob at the end.
        #expect(pieces.count >= 4)
    }

    @Test func errorStatusesArriveWithTheirHeaders() {
        let (status, body, _) = drain(Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/status/429"), headers: [], body: [])))
        #expect(status == 429)
        #expect(String(decoding: body, as: UTF8.self).contains("boom"))
    }

    @Test func cancelClosesTheUpstreamConnection() {
        let closedBefore = Self.server.closedEarly.load(ordering: .relaxed)
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/chunks/100"), headers: [], body: []))
        var bodies = 0
        while bodies < 2, let e = t.next(timeout: 5) { if case .body = e { bodies += 1 } }
        t.cancel()
        var waited = 0
        // The server notices on its second send after the close (50 ms apart): about 150 ms
        // alone, but up to ~1 s was measured with every suite running at once on two cores.
        while Self.server.closedEarly.load(ordering: .relaxed) == closedBefore && waited < 200 { usleep(50_000); waited += 1 }
        #expect(Self.server.closedEarly.load(ordering: .relaxed) > closedBefore)
    }

    @Test func refusedConnectionIsAConnectFailure() {
        let (_, _, end) = drain(Self.client.start(UpstreamHTTPRequest(method: "GET", url: "http://127.0.0.1:1/x", headers: [], body: [])))
        guard case .failed(let f) = end else { Issue.record("expected failure"); return }
        #expect(f.kind == .connect)
    }

    @Test func aSlowReaderPausesTheTransferInsteadOfBuffering() {
        let size = 32 << 20
        let t = Self.client.start(UpstreamHTTPRequest(method: "GET", url: url("/big/\(size)"), headers: [], body: []))
        usleep(500_000)  // do not read: the queue must stop growing near the high-water mark
        let queued = t.queue.withLock { $0.queuedBytes }
        #expect(queued <= UpstreamTransfer.highWater + 65536)
        #expect(Self.server.bigBytesSent.load(ordering: .relaxed) < size)
        let (status, body, _) = drain(t, timeout: 30)
        #expect(status == 200)
        #expect(body.count == size)
    }

    /// An option libcurl refuses fails the transfer at once and names the option, instead of
    /// sending a request without it (here: a URL over libcurl's 8 MB input limit).
    @Test func aRefusedOptionFailsAtOnceAndSaysWhich() {
        let hugeURL = url("/echo?") + String(repeating: "a", count: 9_000_000)
        let started = Monotonic.now()
        let (_, _, end) = drain(Self.client.start(UpstreamHTTPRequest(method: "POST", url: hugeURL, headers: [], body: [1])),
                                timeout: 5)
        guard case .failed(let f) = end else { Issue.record("expected failure, got \(String(describing: end))"); return }
        #expect(f.message.contains("CURLOPT_URL"), "\(f.message)")
        #expect(Monotonic.now() - started < 1)
    }
}
