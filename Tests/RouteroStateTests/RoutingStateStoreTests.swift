import Glibc
import RouteroRedis
import RouteroRouting
import RouteroState
import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The routing-state protocol, run against both implementations: the same assertions hold for
/// Redis (the fleet) and for one process's memory (tests, the outage fallback).
enum StoreKind: String, CaseIterable, CustomStringConvertible {
    case memory, redis
    var description: String { rawValue }
}

/// A store plus whatever keeps it alive (the redis-server process).
final class StoreUnderTest: @unchecked Sendable {
    let store: any RoutingStateStore
    let server: RedisServerProcess?
    let redis: RedisClient?

    init(_ kind: StoreKind) throws {
        switch kind {
        case .memory:
            store = MemoryRoutingStateStore()
            server = nil
            redis = nil
        case .redis:
            let server = try #require(RedisServerProcess())
            let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
            let store = RedisRoutingStateStore(redis: client, namespace: "t")
            try store.loadScripts()
            self.store = store
            self.server = server
            self.redis = client
        }
    }

    deinit { server?.stop() }
}

@Suite(.serialized, .enabled(if: RedisServerProcess.available, "redis-server is not installed"))
struct RoutingStateStoreTests {
    static let a = DeploymentKey(scope: "g", id: "a")
    static let b = DeploymentKey(scope: "g", id: "b")

    static func rule(allowed: Int = 1, cooldownMs: Int64 = 60_000, immediateMs: Int64 = 0, retryAfterMs: Int64 = 0) -> CooldownRule {
        CooldownRule(allowedFails: allowed, cooldownMs: cooldownMs, immediateMs: immediateMs, retryAfterMs: retryAfterMs, why: "502 x")
    }

    @Test(arguments: StoreKind.allCases)
    func failuresPastAllowedFailsOpenTheBreaker(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        #expect(try s.store.recordFailure(Self.a, rule: Self.rule()).untilMs == nil, "one failure is allowed")
        let second = try s.store.recordFailure(Self.a, rule: Self.rule())
        #expect(second.failures == 2 && second.untilMs != nil)
        let snapshot = try s.store.snapshot([Self.a, Self.b], probeToken: "r1", readLoad: false)
        guard case .open(let until) = snapshot[Self.a].breaker else { Issue.record("expected open"); return }
        #expect(until > snapshot.nowMs + 50_000 && until <= snapshot.nowMs + 60_000)
        #expect(snapshot[Self.b].breaker == .closed)
    }

    @Test(arguments: StoreKind.allCases)
    func aSecondCooldownExtendsButNeverShortens(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        // The second failure also passes allowed_fails, so its cooldown must be short too: with the
        // default 60 s it would (rightly) extend the first deadline by the milliseconds between calls.
        let long = try #require(try s.store.recordFailure(Self.a, rule: Self.rule(immediateMs: 60_000)).untilMs)
        let short = try s.store.recordFailure(Self.a, rule: Self.rule(cooldownMs: 1_000, immediateMs: 1_000))
        #expect(short.untilMs == long, "a shorter cooldown keeps the longer deadline")
        let longer = try #require(try s.store.recordFailure(Self.a, rule: Self.rule(immediateMs: 120_000)).untilMs)
        #expect(longer > long)
        guard case .open(let until) = try s.store.snapshot([Self.a], probeToken: "r", readLoad: false)[Self.a].breaker else {
            Issue.record("expected open"); return
        }
        #expect(until == longer)
    }

    @Test(arguments: StoreKind.allCases)
    func exactlyOneConcurrentRequestProbesAHalfOpenDeployment(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        _ = try s.store.recordFailure(Self.a, rule: Self.rule(immediateMs: 150))
        usleep(300_000)
        let winners = Atomic<Int>(0)
        let store = s.store
        let done = DispatchGroupLite(count: 16)
        for i in 0..<16 {
            _ = NativeThread.detach {
                if case .halfOpen(probe: true)? = try? store.snapshot([Self.a], probeToken: "req-\(i)", readLoad: false)[Self.a].breaker {
                    winners.add(1, ordering: .relaxed)
                }
                done.leave()
            }
        }
        done.wait()
        #expect(winners.load(ordering: .relaxed) == 1)
        // The winner reading again still holds the probe; a success closes the breaker for all.
        try s.store.closeBreaker(Self.a)
        #expect(try s.store.snapshot([Self.a], probeToken: "other", readLoad: false)[Self.a].breaker == .closed)
    }

    /// A store where `a` is half-open and request "p" holds its probe lease.
    static func probedByP(_ kind: StoreKind) throws -> StoreUnderTest {
        let s = try StoreUnderTest(kind)
        _ = try s.store.recordFailure(a, rule: rule(immediateMs: 100))
        usleep(200_000)
        #expect(try s.store.snapshot([a], probeToken: "p", readLoad: false)[a].breaker == .halfOpen(probe: true))
        return s
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedProbeReopensTheBreaker(kind: StoreKind) throws {
        let s = try Self.probedByP(kind)
        #expect(try s.store.snapshot([Self.a], probeToken: "q", readLoad: false)[Self.a].breaker == .halfOpen(probe: false))
        _ = try s.store.recordFailure(Self.a, rule: Self.rule(immediateMs: 30_000))
        guard case .open = try s.store.snapshot([Self.a], probeToken: "q", readLoad: false)[Self.a].breaker else {
            Issue.record("expected the breaker to re-open"); return
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aProbeGivenUpLetsTheNextRequestProbe(kind: StoreKind) throws {
        let s = try Self.probedByP(kind)
        try s.store.releaseProbe(Self.a, probeToken: "someone-else")
        #expect(try s.store.snapshot([Self.a], probeToken: "q", readLoad: false)[Self.a].breaker == .halfOpen(probe: false),
                "only the holder can give the lease up")
        try s.store.releaseProbe(Self.a, probeToken: "p")
        #expect(try s.store.snapshot([Self.a], probeToken: "q", readLoad: false)[Self.a].breaker == .halfOpen(probe: true))
    }

    @Test(arguments: StoreKind.allCases)
    func retryAfterCoolsDownAtOnce(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        let result = try s.store.recordFailure(Self.a, rule: Self.rule(allowed: 5, retryAfterMs: 20_000))
        #expect(result.failures == 1 && result.untilMs != nil)
    }

    @Test(arguments: StoreKind.allCases)
    func leasesCountInFlightAndEnd(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        try s.store.beginLease(Self.a, lease: "l1")
        try s.store.beginLease(Self.a, lease: "l2")
        try s.store.beginLease(Self.b, lease: "l3")
        var snapshot = try s.store.snapshot([Self.a, Self.b], probeToken: "r", readLoad: true)
        #expect(snapshot[Self.a].inFlight == 2 && snapshot[Self.b].inFlight == 1)
        try s.store.endLease(Self.a, lease: "l1")
        snapshot = try s.store.snapshot([Self.a], probeToken: "r", readLoad: true)
        #expect(snapshot[Self.a].inFlight == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func latencyIsAnEWMAPerKind(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        try s.store.recordLatency(Self.a, stream: false, ms: 100)
        try s.store.recordLatency(Self.a, stream: false, ms: 200)
        try s.store.recordLatency(Self.a, stream: true, ms: 40)
        let health = try s.store.snapshot([Self.a], probeToken: "r", readLoad: true)[Self.a]
        #expect(abs((health.wholeLatencyMs ?? 0) - 120) < 0.001)
        #expect(health.streamLatencyMs == 40)
    }

    @Test func redisLeasesOfADeadWorkerExpire() throws {
        let s = try StoreUnderTest(.redis)
        let redis = try #require(s.redis)
        try s.store.beginLease(Self.a, lease: "alive")
        // A lease whose worker stopped refreshing it: its score (expiry) is in the past.
        _ = try redis.command("ZADD", "{t:rt:g}:busy:a", "1", "dead")
        let snapshot = try s.store.snapshot([Self.a], probeToken: "r", readLoad: true)
        #expect(snapshot[Self.a].inFlight == 1)
        #expect(try redis.command("ZSCORE", "{t:rt:g}:busy:a", "dead") == .null, "the dead lease was removed")
    }

    @Test func memoryLeasesExpireWithoutRefresh() {
        let now = Atomic<Int64>(0)
        let store = MemoryRoutingStateStore(clock: { now.load(ordering: .relaxed) })
        store.beginLease(Self.a, lease: "l")
        #expect(store.snapshot([Self.a], probeToken: "r", readLoad: true)[Self.a].inFlight == 1)
        now.store(RoutingStateTiming.leaseMs + 1, ordering: .relaxed)
        #expect(store.snapshot([Self.a], probeToken: "r", readLoad: true)[Self.a].inFlight == 0)
    }

    @Test func theFailureWindowIsTheCurrentMinute() {
        let now = Atomic<Int64>(0)
        let store = MemoryRoutingStateStore(clock: { now.load(ordering: .relaxed) })
        #expect(store.recordFailure(Self.a, rule: Self.rule(allowed: 5)).failures == 1)
        #expect(store.recordFailure(Self.a, rule: Self.rule(allowed: 5)).failures == 2)
        now.store(60_000, ordering: .relaxed)
        #expect(store.recordFailure(Self.a, rule: Self.rule(allowed: 5)).failures == 1)
    }

    @Test func redisKeysShareTheGroupsHashTag() throws {
        let s = try StoreUnderTest(.redis)
        let redis = try #require(s.redis)
        _ = try s.store.recordFailure(Self.a, rule: Self.rule(immediateMs: 60_000))
        guard case .array(let keys) = try redis.command("KEYS", "*") else { Issue.record("no keys"); return }
        let names = keys.compactMap { reply -> String? in
            if case .string(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }.sorted()
        #expect(names == ["{t:rt:g}:cd:a", "{t:rt:g}:fails:a"])
    }

    @Test func sharedStateFallsBackToMemoryAndRecovers() throws {
        let server = try #require(RedisServerProcess())
        let port = server.port
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port, connectTimeoutMs: 100, commandTimeoutMs: 100),
                                 retryIntervalSeconds: 0.2)
        let state = SharedRoutingState(shared: RedisRoutingStateStore(redis: client, namespace: "t"))
        state.recordFailure(Self.a, rule: Self.rule(immediateMs: 60_000))
        #expect(state.snapshot([Self.a], probeToken: "r", readLoad: false).shared)
        server.stop()
        // Redis gone: the process still remembers the cooldown it wrote, and new ones work locally.
        let local = state.snapshot([Self.a], probeToken: "r", readLoad: false)
        #expect(!local.shared && state.isDegraded)
        if case .open = local[Self.a].breaker {} else { Issue.record("the local mirror lost the cooldown") }
        state.recordFailure(Self.b, rule: Self.rule(immediateMs: 60_000))
        if case .open = state.snapshot([Self.b], probeToken: "r", readLoad: false)[Self.b].breaker {} else {
            Issue.record("a cooldown during the outage is kept locally")
        }
        // Redis back (empty, as after a restart): the shared store answers again by itself.
        let again = try #require(RedisServerProcess(port: port))
        defer { again.stop() }
        usleep(300_000)
        var recovered = false
        for _ in 0..<20 where !recovered {
            recovered = state.snapshot([Self.a], probeToken: "r", readLoad: false).shared
            if !recovered { usleep(100_000) }
        }
        #expect(recovered && !state.isDegraded)
    }
}

/// Waits for `count` detached threads (no Dispatch group in the test support target).
final class DispatchGroupLite: Sendable {
    private let remaining: Atomic<Int>
    init(count: Int) { remaining = Atomic(count) }
    func leave() { remaining.subtract(1, ordering: .relaxed) }
    func wait() { while remaining.load(ordering: .relaxed) > 0 { usleep(1_000) } }
}
