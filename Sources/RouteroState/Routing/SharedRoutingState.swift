public import RouteroRouting
import RouteroCore
import Synchronization

/// The routing state the gateway uses: Redis when it answers, this process's memory when it does
/// not, switching back by itself (the Redis client's breaker retries every second).
///
/// Cooldowns and latencies are written to both, so when Redis goes away this process still
/// remembers what it learnt; while Redis is down each process only sees its own failures and
/// leases. Never throws and never waits longer than Redis's command timeout: routing state can
/// make a plan better, never fail a request.
public final class SharedRoutingState: Sendable {
    let shared: (any RoutingStateStore)?
    let local: MemoryRoutingStateStore
    private let degraded = Atomic<Bool>(false)
    /// Nil when reuse is off: then a plan costs no lookup either.
    private let reuse: HealthySnapshotReuse?

    /// - Parameters:
    ///   - shared: the Redis store, nil without Redis (the process is on its own).
    ///   - reuseHealthySeconds: how long a shared read in which every deployment was healthy
    ///     serves later plans of the same deployments (``HealthySnapshotReuse``); 0: never.
    public init(shared: (any RoutingStateStore)?, local: MemoryRoutingStateStore = MemoryRoutingStateStore(),
                reuseHealthySeconds: Double = 0) {
        self.shared = shared
        self.local = local
        self.reuse = reuseHealthySeconds > 0 ? HealthySnapshotReuse(seconds: reuseHealthySeconds) : nil
    }

    /// A lease as begun: which store holds it.
    public struct Lease: Sendable {
        public let key: DeploymentKey
        public let id: String
        let inShared: Bool
    }

    public func snapshot(_ keys: [DeploymentKey], probeToken: String, readLoad: Bool) -> RoutingSnapshot {
        if let shared {
            if !readLoad, let reused = reuse?.lookup(keys) { return reused }
            do {
                let snapshot = try shared.snapshot(keys, probeToken: probeToken, readLoad: readLoad)
                recovered()
                if !readLoad { reuse?.offer(keys, snapshot) }
                return snapshot
            } catch {
                fellBack(error)
            }
        }
        return local.snapshot(keys, probeToken: probeToken, readLoad: readLoad)
    }

    @discardableResult
    public func recordFailure(_ key: DeploymentKey, rule: CooldownRule) -> CooldownResult {
        reuse?.forgetAll()
        let mine = local.recordFailure(key, rule: rule)
        guard let shared else { return mine }
        do {
            return try shared.recordFailure(key, rule: rule)
        } catch {
            fellBack(error)
            return mine
        }
    }

    public func closeBreaker(_ key: DeploymentKey) {
        reuse?.forgetAll()
        local.closeBreaker(key)
        guard let shared else { return }
        do { try shared.closeBreaker(key) } catch { fellBack(error) }
    }

    public func releaseProbe(_ key: DeploymentKey, probeToken: String) {
        reuse?.forgetAll()
        local.releaseProbe(key, probeToken: probeToken)
        guard let shared else { return }
        do { try shared.releaseProbe(key, probeToken: probeToken) } catch { fellBack(error) }
    }

    public func recordLatency(_ key: DeploymentKey, stream: Bool, ms: Double) {
        local.recordLatency(key, stream: stream, ms: ms)
        guard let shared else { return }
        do { try shared.recordLatency(key, stream: stream, ms: ms) } catch { fellBack(error) }
    }

    public func beginLease(_ key: DeploymentKey, id: String) -> Lease {
        if let shared {
            do {
                try shared.beginLease(key, lease: id)
                return Lease(key: key, id: id, inShared: true)
            } catch {
                fellBack(error)
            }
        }
        local.beginLease(key, lease: id)
        return Lease(key: key, id: id, inShared: false)
    }

    /// Extends live leases (long streams), each in the store that holds it.
    public func refresh(_ leases: [Lease]) {
        for lease in leases {
            if lease.inShared, let shared {
                do { try shared.beginLease(lease.key, lease: lease.id) } catch { fellBack(error) }
            } else {
                local.beginLease(lease.key, lease: lease.id)
            }
        }
    }

    public func endLease(_ lease: Lease) {
        if lease.inShared, let shared {
            do { try shared.endLease(lease.key, lease: lease.id) } catch { fellBack(error) }
        } else {
            local.endLease(lease.key, lease: lease.id)
        }
    }

    /// Whether a shared store (Redis) is configured at all.
    public var hasSharedStore: Bool { shared != nil }

    /// Whether the last shared-store call failed (routing runs on local memory).
    public var isDegraded: Bool { degraded.load(ordering: .relaxed) }

    private func fellBack(_ error: RoutingStateError) {
        if !degraded.exchange(true, ordering: .relaxed) {
            Log.warning("routing state: shared store unreachable; cooldowns and leases are this process's own until it returns",
                        [("error", error.message)])
        }
    }

    private func recovered() {
        if degraded.exchange(false, ordering: .relaxed) {
            Log.info("routing state: shared store reachable again", [])
        }
    }
}
