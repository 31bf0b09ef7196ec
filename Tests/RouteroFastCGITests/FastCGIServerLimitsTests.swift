import Dispatch
import Glibc
@testable import RouteroFastCGI
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// Admission control, drain accounting and handler misuse: the server stays bounded and alive
/// whatever one request does.
@Suite(.serialized)
struct FastCGIServerLimitsTests {
    let base = FastCGIServerTests()

    @Test func aRequestOverTheLimitIsAnsweredAtOnce() throws {
        var configuration = FastCGIServer.Configuration(minSpareThreads: 2, maxConcurrentRequests: 2)
        configuration.maxThreads = 64
        let (server, path) = try base.start("admit", configuration: configuration, overloaded: { req in
            req.respond(status: 503, headers: [("Retry-After", "1")], body: Array("busy".utf8))
        }) { req in
            usleep(800_000)
            req.respond(status: 200, headers: [], body: Array("slow".utf8))
        }
        defer { server.stopAccepting() }
        let slow = (0..<2).compactMap { _ in FastCGITestClient(unixPath: path) }
        for c in slow { c.send(params: [("REQUEST_METHOD", "GET")], body: []) }
        usleep(150_000)  // both slow requests are running
        let third = try #require(FastCGITestClient(unixPath: path))
        let asked = Monotonic.now()
        third.send(params: [("REQUEST_METHOD", "GET")], body: [])
        let answer = String(decoding: third.readResponse(), as: UTF8.self)
        let took = Monotonic.now() - asked
        #expect(answer.hasPrefix("Status: 503 "))
        #expect(answer.contains("Retry-After: 1"))
        #expect(took < 0.4, "the rejection waited \(took) s")
        for c in slow { #expect(String(decoding: c.readResponse(), as: UTF8.self).hasSuffix("slow")) }
        // Capacity is back once the slow ones finished.
        let later = try #require(FastCGITestClient(unixPath: path))
        later.send(params: [("REQUEST_METHOD", "GET")], body: [])
        #expect(String(decoding: later.readResponse(), as: UTF8.self).hasSuffix("slow"))
    }

    /// A request accepted just as drain starts is counted before drain can see zero: the test
    /// seam holds the accepting thread right after accept, where a preemption would hold it.
    @Test func drainWaitsForARequestAcceptedAsItStarts() throws {
        let inAccept = DispatchSemaphore(value: 0)
        let held = Atomic<Bool>(false)
        var configuration = FastCGIServer.Configuration(minSpareThreads: 1, maxConcurrentRequests: 16)
        configuration.afterAccept = {
            if !held.exchange(true, ordering: .relaxed) {
                inAccept.signal()
                usleep(300_000)
            }
        }
        let answeredAt = Atomic<Int>(0)
        let (server, path) = try base.start("race", configuration: configuration) { req in
            req.respond(status: 200, headers: [], body: Array("served".utf8))
            answeredAt.store(Int(Monotonic.now() * 1e6), ordering: .sequentiallyConsistent)
        }
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [])
        #expect(inAccept.wait(timeout: .now() + 5) == .success)
        server.stopAccepting()
        let left = server.waitForDrain(seconds: 5)
        let returnedAt = Int(Monotonic.now() * 1e6)
        #expect(left == 0)
        // Returning before the held request was answered is the race: the worker would exit.
        let answered = answeredAt.load(ordering: .sequentiallyConsistent)
        #expect(answered > 0 && answered <= returnedAt, "drain returned before the accepted request was answered")
        #expect(String(decoding: client.readResponse(), as: UTF8.self).hasSuffix("served"))
        client.close()
    }

    /// Clients keep arriving while drain starts: every connection that was accepted by the
    /// socket gets its answer; the others are refused at connect (nginx moves on to another
    /// worker before sending a byte).
    @Test func arrivalsDuringDrainAreAnsweredOrRefusedNeverDropped() throws {
        let (server, path) = try base.start("arrivals") { req in
            usleep(20_000)
            req.respond(status: 200, headers: [], body: Array("ok".utf8))
        }
        let tally = Mutex<(sent: Int, answered: Int, dropped: Int)>((0, 0, 0))
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<8 {
            _ = NativeThread.detach {
                while let client = FastCGITestClient(unixPath: path) {
                    client.send(params: [("REQUEST_METHOD", "GET")], body: [])
                    let answered = String(decoding: client.readResponse(), as: UTF8.self).hasSuffix("ok")
                    client.close()
                    tally.withLock { $0.sent += 1; if answered { $0.answered += 1 } else { $0.dropped += 1 } }
                }
                done.signal()
            }
        }
        usleep(300_000)
        server.stopAccepting()
        #expect(server.waitForDrain(seconds: 10) == 0)
        for _ in 0..<8 { #expect(done.wait(timeout: .now() + 10) == .success) }
        let result = tally.withLock { $0 }
        #expect(result.sent > 20)
        #expect(result.dropped == 0, "\(result.dropped) of \(result.sent) accepted requests got no answer")
    }

    @Test func aSecondHeadEndsTheRequestInsteadOfTheProcess() throws {
        let misuse = Mutex<String?>(nil)
        let (server, path) = try base.start("misuse") { req in
            req.respond(status: 200, headers: [], body: Array("first".utf8))
            req.respond(status: 500, headers: [], body: Array("second".utf8))
            misuse.withLock { $0 = req.misuse }
        }
        defer { server.stopAccepting() }
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [], keepConnection: true)
        let response = String(decoding: client.readResponse(), as: UTF8.self)
        #expect(response.hasSuffix("first"))
        #expect(!response.contains("second"))
        #expect(misuse.withLock { $0 }?.contains("after the head had been sent") == true)
        // The process is alive and serves the next connection.
        let next = try #require(FastCGITestClient(unixPath: path))
        next.send(params: [("REQUEST_METHOD", "GET")], body: [])
        #expect(String(decoding: next.readResponse(), as: UTF8.self).hasSuffix("first"))
    }
}
