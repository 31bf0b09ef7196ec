public import RouteroCore
import Synchronization

/// Rate-limit counters in this process's memory: for tests, and the per-process fallback while
/// Redis is unavailable (`limits.on_redis_outage: local`). Same rules as the Redis script
/// (``RateLimitMath``), under one lock.
public final class InMemoryRateLimitStore: RateLimitStore {
    private struct Window { var start: Int; var used: Int }
    private struct State {
        var windows: [String: Window] = [:]
        /// Slot id → lease expiry (ms), per scope.
        var slots: [String: [String: Int]] = [:]
        var sweeps = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Int

    /// - Parameter now: the clock in Unix milliseconds (injected so tests control windows).
    public init(now: (@Sendable () -> Int)? = nil) {
        self.now = now ?? { RateLimitClock.nowMs() }
    }

    public func admit(_ check: RateLimitCheck) throws(RateLimitStoreError) -> RateLimitDecision {
        let nowMs = now()
        let start = RateLimitMath.windowStart(nowMs: nowMs, windowMs: check.windowMs)
        return state.withLock { s in
            s.sweeps += 1
            if s.sweeps % 1024 == 0 { s.windows = s.windows.filter { $0.value.start + check.windowMs > nowMs } }
            let keys = check.counters.map { "\(check.scope)\u{0}\($0.name)" }
            let used = keys.map { key in s.windows[key].map { $0.start == start ? $0.used : 0 } ?? 0 }
            var held = s.slots[check.scope] ?? [:]
            held = held.filter { $0.value > nowMs }
            let slot = RateLimitClock.slotID()
            let decision = RateLimitMath.decision(check, used: used, slotsHeld: held.count, nowMs: nowMs, slot: slot, local: true)
            if case .admitted = decision {
                for (i, key) in keys.enumerated() { s.windows[key] = Window(start: start, used: used[i] + check.counters[i].amount) }
                if check.maxParallel != nil { held[slot] = nowMs + check.leaseMs }
            }
            s.slots[check.scope] = held.isEmpty ? nil : held
            return decision
        }
    }

    public func adjust(_ reservation: RateLimitReservation, deltas: [(name: String, delta: Int)]) throws(RateLimitStoreError) {
        state.withLock { s in
            for (name, delta) in deltas {
                let key = "\(reservation.scope)\u{0}\(name)"
                guard var window = s.windows[key], window.start == reservation.windowStart else { continue }
                window.used = max(0, window.used + delta)
                s.windows[key] = window
            }
        }
    }

    public func release(_ reservation: RateLimitReservation) throws(RateLimitStoreError) {
        guard let slot = reservation.slot else { return }
        state.withLock { s in
            s.slots[reservation.scope]?[slot] = nil
            if s.slots[reservation.scope]?.isEmpty == true { s.slots[reservation.scope] = nil }
        }
    }

    public func usage(_ queries: [(scope: String, names: [String])], windowMs: Int) throws(RateLimitStoreError) -> [[Int]] {
        let start = RateLimitMath.windowStart(nowMs: now(), windowMs: windowMs)
        return state.withLock { s in
            queries.map { q in q.names.map { name in s.windows["\(q.scope)\u{0}\(name)"].map { $0.start == start ? $0.used : 0 } ?? 0 } }
        }
    }
}
