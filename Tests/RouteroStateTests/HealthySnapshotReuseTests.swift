import Glibc
import RouteroRouting
import RouteroState
import Synchronization
import Testing

/// A "fleet" store that counts its reads: another process's memory stands in for Redis, and the
/// cooldowns other hosts set are written to it directly.
final class CountingSharedStore: RoutingStateStore {
    let fleet = MemoryRoutingStateStore()
    let reads = Atomic<Int>(0)

    func snapshot(_ keys: [DeploymentKey], probeToken: String, readLoad: Bool) throws(RoutingStateError) -> RoutingSnapshot {
        reads.add(1, ordering: .relaxed)
        var snapshot = fleet.snapshot(keys, probeToken: probeToken, readLoad: readLoad)
        snapshot.shared = true
        return snapshot
    }
    func recordFailure(_ key: DeploymentKey, rule: CooldownRule) throws(RoutingStateError) -> CooldownResult {
        fleet.recordFailure(key, rule: rule)
    }
    func closeBreaker(_ key: DeploymentKey) throws(RoutingStateError) { fleet.closeBreaker(key) }
    func releaseProbe(_ key: DeploymentKey, probeToken: String) throws(RoutingStateError) {
        fleet.releaseProbe(key, probeToken: probeToken)
    }
    func recordLatency(_ key: DeploymentKey, stream: Bool, ms: Double) throws(RoutingStateError) {
        fleet.recordLatency(key, stream: stream, ms: ms)
    }
    func beginLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError) { fleet.beginLease(key, lease: lease) }
    func endLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError) { fleet.endLease(key, lease: lease) }

    var readCount: Int { reads.load(ordering: .relaxed) }
}

@Suite struct HealthySnapshotReuseTests {
    static let a = DeploymentKey(scope: "g", id: "a")
    static let b = DeploymentKey(scope: "g", id: "b")
    static let cooldown = CooldownRule(allowedFails: 0, cooldownMs: 60_000, immediateMs: 60_000, retryAfterMs: 0, why: "401")

    @Test func aHealthyReadServesLaterPlansUntilItLapses() {
        let fleet = CountingSharedStore()
        let state = SharedRoutingState(shared: fleet, reuseHealthySeconds: 0.2)
        for _ in 0..<5 { _ = state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false) }
        #expect(fleet.readCount == 1)
        // Another plan (another group, or the same deployments in another order) is its own read.
        _ = state.snapshot([Self.b], probeToken: "r", readLoad: false)
        #expect(fleet.readCount == 2)
        // Another host cools `a` down: seen once the reused read lapses, not before.
        _ = fleet.fleet.recordFailure(Self.a, rule: Self.cooldown)
        #expect(state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false)[Self.a].breaker == .closed)
        usleep(250_000)
        guard case .open = state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false)[Self.a].breaker else {
            Issue.record("the cooldown set elsewhere was not seen after the reuse window")
            return
        }
        #expect(fleet.readCount == 3)
    }

    @Test func aReadWithACoolingDeploymentIsNeverReused() {
        let fleet = CountingSharedStore()
        let state = SharedRoutingState(shared: fleet, reuseHealthySeconds: 5)
        _ = fleet.fleet.recordFailure(Self.a, rule: Self.cooldown)
        for _ in 0..<3 { _ = state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false) }
        #expect(fleet.readCount == 3)
    }

    @Test func loadReadingStrategiesAlwaysReadLive() {
        let fleet = CountingSharedStore()
        let state = SharedRoutingState(shared: fleet, reuseHealthySeconds: 5)
        _ = state.snapshot([Self.a], probeToken: "r", readLoad: true)
        let lease = state.beginLease(Self.a, id: "l1")
        #expect(state.snapshot([Self.a], probeToken: "r", readLoad: true)[Self.a].inFlight == 1)
        state.endLease(lease)
        #expect(fleet.readCount == 2)
    }

    @Test func aFailureThisProcessSawIsSeenByItsNextPlan() {
        let fleet = CountingSharedStore()
        let state = SharedRoutingState(shared: fleet, reuseHealthySeconds: 5)
        _ = state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false)
        state.recordFailure(Self.a, rule: Self.cooldown)
        guard case .open = state.snapshot([Self.a, Self.b], probeToken: "r", readLoad: false)[Self.a].breaker else {
            Issue.record("this process's own cooldown was hidden by a reused read")
            return
        }
        #expect(fleet.readCount == 2)
    }

    @Test func zeroSecondsReadsEveryTime() {
        let fleet = CountingSharedStore()
        let state = SharedRoutingState(shared: fleet, reuseHealthySeconds: 0)
        for _ in 0..<4 { _ = state.snapshot([Self.a], probeToken: "r", readLoad: false) }
        #expect(fleet.readCount == 4)
    }
}
