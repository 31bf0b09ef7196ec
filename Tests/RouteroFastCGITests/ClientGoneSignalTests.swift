import Glibc
@testable import RouteroFastCGI
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The disconnect hook: a request thread that sleeps on something else is told, from the
/// process's watcher thread, that its client left; no polling on the request thread.
@Suite(.serialized)
struct ClientGoneSignalTests {
    final class Owner: Sendable {}

    final class Probe: Sendable {
        let registered = Atomic<Bool>(false)
        let signals = Atomic<Int>(0)
        let sawGone = Atomic<Bool>(false)
        let woke = PipeSignal()
    }

    /// A pipe the handler sleeps on until the signal writes to it (so nothing but the signal can
    /// end its wait early).
    final class PipeSignal: @unchecked Sendable {
        private var fds: [Int32] = [0, 0]
        init() { _ = pipe(&fds) }
        deinit { close(fds[0]); close(fds[1]) }
        func signal() { var b: UInt8 = 1; _ = write(fds[1], &b, 1) }
        /// Sleeps until signalled or `seconds` pass; true when signalled.
        func wait(seconds: Int32) -> Bool {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, seconds * 1000) == 1 else { return false }
            var b: UInt8 = 0
            _ = read(fds[0], &b, 1)
            return true
        }
    }

    func start(_ name: String, _ handler: @escaping @Sendable (FastCGIRequest) -> Void) throws -> (FastCGIServer, String) {
        let path = "/tmp/routero-test-\(getpid())-\(name).sock"
        let listener = try FastCGIListener(address: "unix:\(path)")
        let server = FastCGIServer(listener: listener, configuration: .init(minSpareThreads: 2, maxConcurrentRequests: 64),
                                   handler: handler)
        server.start()
        return (server, path)
    }

    /// Sends a request, lets the handler register, then leaves the way nginx does for a gone client.
    func sendAndLeave(_ path: String) throws {
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [])
        usleep(useconds_t(FastCGIRequest.watchAfterSeconds * 1e6) + 400_000)
        client.close()
    }

    /// Lets a handler's request age past the point where it is watched at all.
    static func ageRequest() {
        usleep(useconds_t(FastCGIRequest.watchAfterSeconds * 1e6) + 50_000)
    }

    @Test func aSleepingRequestIsSignalledWhenItsClientLeaves() throws {
        let probe = Probe()
        let owner = Owner()
        let (server, path) = try start("signal") { req in
            Self.ageRequest()
            let ok = req.signalClientGone(to: ObjectIdentifier(owner)) {
                { probe.signals.add(1, ordering: .relaxed); probe.woke.signal() }
            }
            probe.registered.store(ok, ordering: .relaxed)
            // Sleep far longer than the test waits: only the signal can end this early.
            if probe.woke.wait(seconds: 60) { probe.sawGone.store(req.clientGone, ordering: .relaxed) }
        }
        defer { server.stopAccepting() }
        try sendAndLeave(path)
        eventually { probe.signals.load(ordering: .relaxed) > 0 }
        let registered = probe.registered.load(ordering: .relaxed)
        let signals = probe.signals.load(ordering: .relaxed)
        #expect(registered)
        #expect(signals == 1)
        eventually { probe.sawGone.load(ordering: .relaxed) }
        let sawGone = probe.sawGone.load(ordering: .relaxed)
        #expect(sawGone)
    }

    @Test func aNewOwnerTakesOverTheSignalAndTheSameOwnerIsNotAskedAgain() throws {
        let first = Atomic<Int>(0), second = Atomic<Int>(0), made = Atomic<Int>(0)
        let woke = PipeSignal()
        let a = Owner(), b = Owner()
        let (server, path) = try start("owner") { req in
            Self.ageRequest()
            _ = req.signalClientGone(to: ObjectIdentifier(a)) {
                made.add(1, ordering: .relaxed)
                return { first.add(1, ordering: .relaxed) }
            }
            _ = req.signalClientGone(to: ObjectIdentifier(b)) {
                made.add(1, ordering: .relaxed)
                return { second.add(1, ordering: .relaxed); woke.signal() }
            }
            for _ in 0..<3 {  // what a wait loop does before every wait
                _ = req.signalClientGone(to: ObjectIdentifier(b)) {
                    made.add(1, ordering: .relaxed)
                    return {}
                }
            }
            _ = woke.wait(seconds: 60)
        }
        defer { server.stopAccepting() }
        try sendAndLeave(path)
        eventually { second.load(ordering: .relaxed) > 0 }
        let (firstSignals, secondSignals, signalsMade) = (first.load(ordering: .relaxed), second.load(ordering: .relaxed),
                                                          made.load(ordering: .relaxed))
        #expect(secondSignals == 1)
        #expect(firstSignals == 0)
        #expect(signalsMade == 2)
    }

    @Test func aFinishedRequestIsNoLongerWatched() throws {
        let signals = Atomic<Int>(0)
        let owner = Owner()
        let registered = Atomic<Bool>(false)
        let (server, path) = try start("finished") { req in
            Self.ageRequest()
            let ok = req.signalClientGone(to: ObjectIdentifier(owner)) { { signals.add(1, ordering: .relaxed) } }
            registered.store(ok, ordering: .relaxed)
            req.respond(status: 200, headers: [], body: Array("ok".utf8))
        }
        defer { server.stopAccepting() }
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [])
        #expect(String(decoding: client.readResponse(), as: UTF8.self).hasSuffix("ok"))
        client.close()
        usleep(500_000)
        let (late, wasRegistered) = (signals.load(ordering: .relaxed), registered.load(ordering: .relaxed))
        #expect(wasRegistered)
        #expect(late == 0)
    }

    /// Most requests finish within the poll interval: they never cost the watcher a registration.
    @Test func aYoungRequestIsNotRegisteredYet() throws {
        let answers = Mutex<[Bool]>([])
        let owner = Owner()
        let (server, path) = try start("young") { req in
            let early = req.signalClientGone(to: ObjectIdentifier(owner)) { {} }
            Self.ageRequest()
            let later = req.signalClientGone(to: ObjectIdentifier(owner)) { {} }
            answers.withLock { $0 = [early, later] }
            req.respond(status: 200, headers: [], body: Array("ok".utf8))
        }
        defer { server.stopAccepting() }
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [])
        #expect(String(decoding: client.readResponse(), as: UTF8.self).hasSuffix("ok"))
        let got = answers.withLock { $0 }
        #expect(got == [false, true])
    }

    /// A stream whose head is out will be held: it is watched at once, and its young client's
    /// leaving is signalled without waiting for the poll interval.
    @Test func aPromptRegistrationWatchesAYoungRequest() throws {
        let probe = Probe()
        let owner = Owner()
        let (server, path) = try start("prompt") { req in
            let watched = req.signalClientGone(to: ObjectIdentifier(owner), promptly: true) {
                { probe.signals.add(1, ordering: .relaxed); probe.woke.signal() }
            }
            probe.registered.store(watched, ordering: .relaxed)
            if probe.woke.wait(seconds: 5) { probe.sawGone.store(req.clientGone, ordering: .relaxed) }
        }
        defer { server.stopAccepting() }
        let client = try #require(FastCGITestClient(unixPath: path))
        client.send(params: [("REQUEST_METHOD", "GET")], body: [])
        usleep(50_000)  // well inside watchAfterSeconds
        let started = Monotonic.now()
        client.close()
        eventually { probe.sawGone.load(ordering: .relaxed) }
        let (watched, gone) = (probe.registered.load(ordering: .relaxed), probe.sawGone.load(ordering: .relaxed))
        #expect(watched)
        #expect(gone)
        #expect(Monotonic.now() - started < FastCGIRequest.watchAfterSeconds, "signalled, not polled")
    }
}
