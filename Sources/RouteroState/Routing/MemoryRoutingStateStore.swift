public import RouteroRouting
import RouteroSystem
import Synchronization

/// ``RoutingStateStore`` in this process's memory: the same protocol as Redis, on one process's
/// clock. Used by unit tests and by ``SharedRoutingState`` while Redis is unreachable (each
/// process then only knows its own failures).
public final class MemoryRoutingStateStore: RoutingStateStore {
    struct Entry {
        var untilMs: Int64?
        var why = ""
        /// Half-open probe lease: holder and expiry.
        var probe: (token: String, expiresMs: Int64)?
        var failMinute: Int64 = -1
        var failCount = 0
        /// In-flight leases: id → expiry.
        var leases: [String: Int64] = [:]
        var streamLatency: Double?
        var wholeLatency: Double?
        var latencySeenMs: Int64 = 0
    }

    private let entries = Mutex<[DeploymentKey: Entry]>([:])
    private let clock: @Sendable () -> Int64

    /// A store on the process's monotonic clock.
    public convenience init() {
        self.init(clock: { Int64(Monotonic.now() * 1000) })
    }

    /// - Parameter clock: milliseconds on a monotonic clock (tests pass a manual one).
    public init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    public func snapshot(_ keys: [DeploymentKey], probeToken: String, readLoad: Bool) -> RoutingSnapshot {
        let now = clock()
        return entries.withLock { entries in
            var snapshot = RoutingSnapshot(nowMs: now, shared: false)
            for key in keys {
                guard var entry = entries[key] else { continue }
                var health = DeploymentHealth()
                if let until = entry.untilMs {
                    if until > now {
                        health.breaker = .open(untilMs: until)
                    } else if now - until > RoutingStateTiming.halfOpenMs {
                        entry.untilMs = nil  // half-open without traffic for long enough: closed
                    } else if entry.probe == nil || entry.probe!.expiresMs <= now || entry.probe!.token == probeToken {
                        entry.probe = (probeToken, now + RoutingStateTiming.probeLeaseMs)
                        health.breaker = .halfOpen(probe: true)
                    } else {
                        health.breaker = .halfOpen(probe: false)
                    }
                }
                if readLoad {
                    entry.leases = entry.leases.filter { $0.value > now }
                    health.inFlight = entry.leases.count
                    if now - entry.latencySeenMs <= RoutingStateTiming.latencyMs {
                        health.streamLatencyMs = entry.streamLatency
                        health.wholeLatencyMs = entry.wholeLatency
                    }
                }
                entries[key] = entry
                snapshot.health[key] = health
            }
            return snapshot
        }
    }

    public func recordFailure(_ key: DeploymentKey, rule: CooldownRule) -> CooldownResult {
        let now = clock()
        return entries.withLock { entries in
            var entry = entries[key] ?? Entry()
            let minute = now / 60_000
            entry.failCount = entry.failMinute == minute ? entry.failCount + 1 : 1
            entry.failMinute = minute
            let duration = rule.duration(afterFailure: entry.failCount)
            if duration > 0 {
                entry.untilMs = max(entry.untilMs ?? Int64.min, now + duration)
                entry.why = rule.why
                entry.probe = nil
            }
            entries[key] = entry
            let until = entry.untilMs.flatMap { $0 > now ? $0 : nil }
            return CooldownResult(failures: entry.failCount, untilMs: until)
        }
    }

    public func closeBreaker(_ key: DeploymentKey) {
        entries.withLock { entries in
            guard var entry = entries[key] else { return }
            entry.untilMs = nil
            entry.probe = nil
            entry.failCount = 0
            entries[key] = entry
        }
    }

    public func releaseProbe(_ key: DeploymentKey, probeToken: String) {
        entries.withLock { entries in
            if entries[key]?.probe?.token == probeToken { entries[key]?.probe = nil }
        }
    }

    public func recordLatency(_ key: DeploymentKey, stream: Bool, ms: Double) {
        let now = clock()
        entries.withLock { entries in
            var entry = entries[key] ?? Entry()
            let fresh = now - entry.latencySeenMs <= RoutingStateTiming.latencyMs
            let old = fresh ? (stream ? entry.streamLatency : entry.wholeLatency) : nil
            let value = old.map { $0 + RoutingStateTiming.latencyAlpha * (ms - $0) } ?? ms
            if stream { entry.streamLatency = value } else { entry.wholeLatency = value }
            if !fresh { if stream { entry.wholeLatency = nil } else { entry.streamLatency = nil } }
            entry.latencySeenMs = now
            entries[key] = entry
        }
    }

    public func beginLease(_ key: DeploymentKey, lease: String) {
        let expires = clock() + RoutingStateTiming.leaseMs
        entries.withLock { $0[key, default: Entry()].leases[lease] = expires }
    }

    public func endLease(_ key: DeploymentKey, lease: String) {
        _ = entries.withLock { $0[key]?.leases.removeValue(forKey: lease) }
    }
}
