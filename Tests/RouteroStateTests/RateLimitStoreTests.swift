import Glibc
import RouteroCore
import RouteroRedis
import RouteroState
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The same behaviour from both stores: the Redis one against a real redis-server.
@Suite("Rate-limit stores", .serialized)
struct RateLimitStoreTests {
    enum Kind: String, CaseIterable, Sendable { case memory, redis }

    /// A store of `kind` and whatever keeps it alive.
    func make(_ kind: Kind) throws -> (any RateLimitStore, RedisServerProcess?) {
        switch kind {
        case .memory: return (InMemoryRateLimitStore(), nil)
        case .redis:
            let server = try #require(RedisServerProcess())
            let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port), maxConnections: 32)
            return (RedisRateLimitStore(redis: client, namespace: "t"), server)
        }
    }

    func rpm(_ limit: Int, tokens: Int? = nil, amount: Int = 0, parallel: Int? = nil, scope: String = "k:a") -> RateLimitCheck {
        var counters = [RateLimitCounter(name: "rpm", unit: .requests, limit: limit, amount: 1)]
        if let tokens { counters.append(RateLimitCounter(name: "tpm", unit: .tokens, limit: tokens, amount: amount)) }
        return RateLimitCheck(scope: scope, counters: counters, maxParallel: parallel)
    }

    func admitted(_ d: RateLimitDecision) -> RateLimitReservation? {
        if case .admitted(let r, _) = d { return r }
        return nil
    }

    @Test(arguments: Kind.allCases.filter { $0 == .memory || RedisServerProcess.available })
    func admitsUpToTheLimitThenRefusesWithTheReset(kind: Kind) throws {
        let (store, server) = try make(kind)
        defer { server?.stop() }
        for i in 1...3 {
            guard case .admitted(_, let states) = try store.admit(rpm(3)) else { Issue.record("refused #\(i)"); return }
            #expect(states[0].used == i && states[0].remaining == 3 - i)
            #expect(states[0].resetMs > 0 && states[0].resetMs <= 60_000)
        }
        guard case .refused(.window(let state, _), _) = try store.admit(rpm(3)) else { Issue.record("admitted a 4th"); return }
        #expect(state.used == 3 && state.limit == 3)
        // Another scope has its own counters.
        #expect(admitted(try store.admit(rpm(3, scope: "k:b"))) != nil)
        #expect(try store.usage([(scope: "k:a", names: ["rpm", "tpm"])], windowMs: 60_000) == [[3, 0]])
    }

    @Test(arguments: Kind.allCases.filter { $0 == .memory || RedisServerProcess.available })
    func allCountersOrNoneAreCharged(kind: Kind) throws {
        let (store, server) = try make(kind)
        defer { server?.stop() }
        #expect(admitted(try store.admit(rpm(10, tokens: 100, amount: 80))) != nil)
        // The token counter has no room: the request counter must not be charged either.
        guard case .refused(.window(let state, let needed), _) = try store.admit(rpm(10, tokens: 100, amount: 30)) else {
            Issue.record("expected a token refusal"); return
        }
        #expect(state.name == "tpm" && state.used == 80 && needed == 30)
        #expect(try store.usage([(scope: "k:a", names: ["rpm", "tpm"])], windowMs: 60_000) == [[1, 80]])
    }

    @Test(arguments: Kind.allCases.filter { $0 == .memory || RedisServerProcess.available })
    func reconcileReplacesTheReservationWithRealUsage(kind: Kind) throws {
        let (store, server) = try make(kind)
        defer { server?.stop() }
        let reservation = try #require(admitted(try store.admit(rpm(10, tokens: 1000, amount: 600))))
        #expect(admitted(try store.admit(rpm(10, tokens: 1000, amount: 600))) == nil)  // 1200 > 1000
        try store.settle(reservation, actualTokens: 150)   // it really used 150
        #expect(try store.usage([(scope: "k:a", names: ["tpm"])], windowMs: 60_000) == [[150]])
        let second = try #require(admitted(try store.admit(rpm(10, tokens: 1000, amount: 600))))
        try store.settle(second, actualTokens: nil)        // failed: refunded entirely
        #expect(try store.usage([(scope: "k:a", names: ["tpm"])], windowMs: 60_000) == [[150]])
        // A refund can never drive a counter below zero.
        try store.adjust(reservation, deltas: [(name: "tpm", delta: -10_000)])
        #expect(try store.usage([(scope: "k:a", names: ["tpm"])], windowMs: 60_000) == [[0]])
    }

    @Test(arguments: Kind.allCases.filter { $0 == .memory || RedisServerProcess.available })
    func parallelSlotsAreHeldUntilReleased(kind: Kind) throws {
        let (store, server) = try make(kind)
        defer { server?.stop() }
        let slot = { RateLimitCheck(scope: "k:p", counters: [], maxParallel: 2) }
        let a = try #require(admitted(try store.admit(slot())))
        _ = try #require(admitted(try store.admit(slot())))
        guard case .refused(.parallel(let limit), _) = try store.admit(slot()) else { Issue.record("third slot given"); return }
        #expect(limit == 2)
        try store.release(a)
        #expect(admitted(try store.admit(slot())) != nil)
    }

    @Test(arguments: Kind.allCases.filter { $0 == .memory || RedisServerProcess.available })
    func aLeaseLapsesWhenItsHolderNeverReleases(kind: Kind) throws {
        let (store, server) = try make(kind)
        defer { server?.stop() }
        let short = RateLimitCheck(scope: "k:l", counters: [], maxParallel: 1, leaseMs: 150)
        _ = try #require(admitted(try store.admit(short)))  // its worker "dies" holding the slot
        #expect(admitted(try store.admit(short)) == nil)
        usleep(400_000)
        #expect(admitted(try store.admit(short)) != nil)
    }

    @Test func theWindowTurnsOverOnTheMinute() throws {
        let clock = Atomic<Int>(1_700_000_000_000 - 1_700_000_000_000 % 60_000 + 59_000)
        let store = InMemoryRateLimitStore(now: { clock.load(ordering: .relaxed) })
        let first = try #require(admitted(try store.admit(rpm(1, tokens: 100, amount: 50))))
        #expect(admitted(try store.admit(rpm(1))) == nil)
        clock.add(1000, ordering: .relaxed)  // the next minute
        #expect(admitted(try store.admit(rpm(1))) != nil)
        // A reconcile for the old window leaves the new one alone.
        try store.settle(first, actualTokens: 100)
        #expect(try store.usage([(scope: "k:a", names: ["tpm"])], windowMs: 60_000) == [[0]])
    }

    /// N threads admitting against rpm M through one Redis admit exactly M, however they interleave.
    @Test(.enabled(if: RedisServerProcess.available, "redis-server is not installed"))
    func concurrentAdmissionsAreExact() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }
        // Two clients stand for two worker processes, each with its own pool.
        let stores = (0..<2).map { _ in
            RedisRateLimitStore(redis: RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port,
                                                                           commandTimeoutMs: 5000), maxConnections: 8),
                                namespace: "t")
        }
        let admittedCount = Atomic<Int>(0), refusedCount = Atomic<Int>(0), errors = Atomic<Int>(0), done = Atomic<Int>(0)
        let threads = 16, each = 25, limit = 50
        for t in 0..<threads {
            let store = stores[t % 2]
            _ = NativeThread.detach {
                for _ in 0..<each {
                    switch try? store.admit(RateLimitCheck(scope: "k:race", counters: [
                        RateLimitCounter(name: "rpm", unit: .requests, limit: limit, amount: 1)])) {
                    case .admitted?: admittedCount.add(1, ordering: .relaxed)
                    case .refused?: refusedCount.add(1, ordering: .relaxed)
                    case nil: errors.add(1, ordering: .relaxed)
                    }
                }
                done.add(1, ordering: .relaxed)
            }
        }
        let deadline = Monotonic.now() + 60
        while done.load(ordering: .relaxed) < threads, Monotonic.now() < deadline { usleep(10_000) }
        #expect(errors.load(ordering: .relaxed) == 0)
        // A minute boundary in the middle of the run would open a second window: then 2 × limit.
        let windows = admittedCount.load(ordering: .relaxed) == limit ? 1 : 2
        #expect(admittedCount.load(ordering: .relaxed) == limit * windows)
        #expect(admittedCount.load(ordering: .relaxed) + refusedCount.load(ordering: .relaxed) == threads * each)
    }

    @Test func anUnreachableRedisFallsBackOrFailsClosed() throws {
        let dead = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: RedisServerProcess.freePort()),
                               retryIntervalSeconds: 60)
        let shared = RedisRateLimitStore(redis: dead, namespace: "t")
        let local = RateLimiter(shared: shared, failClosed: false)
        let reservation = try #require(admitted(try local.admit(rpm(1))))
        #expect(reservation.local && local.isDegraded)
        #expect(admitted(try local.admit(rpm(1))) == nil)  // still limited, per process
        local.settle(reservation, actualTokens: nil)
        let closed = RateLimiter(shared: shared, failClosed: true)
        #expect(throws: RateLimitStoreError.self) { try closed.admit(rpm(1)) }
    }

    @Test(.enabled(if: RedisServerProcess.available, "redis-server is not installed"))
    func limitsAreSharedAgainOnceRedisReturns() throws {
        var server = try #require(RedisServerProcess())
        let port = server.port
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), retryIntervalSeconds: 0.05)
        let limiter = RateLimiter(shared: RedisRateLimitStore(redis: client, namespace: "t"), failClosed: false)
        #expect(admitted(try limiter.admit(rpm(5)))?.local == false)
        server.stop()
        #expect(admitted(try limiter.admit(rpm(5)))?.local == true)
        server = try #require(RedisServerProcess(port: port))
        defer { server.stop() }
        usleep(200_000)
        #expect(admitted(try limiter.admit(rpm(5)))?.local == false)
        #expect(!limiter.isDegraded)
    }
}
