/// The fixed-window rule, shared by the in-memory store and mirrored line by line in the Redis
/// script (RouteroState `RateLimitScripts`), so it is unit-tested in Swift.
///
/// Windows are aligned to multiples of their length on the store's clock (every minute on the
/// minute for 60 s), so every worker and host agrees when a window resets and the reset the
/// headers announce is exact. A request is admitted only when every counter has room for its
/// amount (`used + amount <= limit`) and a parallel slot is free; then all are charged together.
public enum RateLimitMath {
    /// The start of the window `nowMs` falls in.
    public static func windowStart(nowMs: Int, windowMs: Int) -> Int { nowMs - nowMs % windowMs }

    /// Decides `check` given the counters' current use in this window (by name) and the slots held.
    /// - Returns: the index of the first counter that does not fit, `counters.count` for a full
    ///   parallel limit, or nil when everything fits.
    public static func firstRefusal(_ check: RateLimitCheck, used: [Int], slotsHeld: Int) -> Int? {
        for (i, counter) in check.counters.enumerated() where used[i] + counter.amount > counter.limit { return i }
        if let max = check.maxParallel, slotsHeld >= max { return check.counters.count }
        return nil
    }

    /// The decision for `check` after ``firstRefusal(_:used:slotsHeld:)``, with the header states.
    public static func decision(_ check: RateLimitCheck, used: [Int], slotsHeld: Int, nowMs: Int,
                                slot: String?, local: Bool = false) -> RateLimitDecision {
        let start = windowStart(nowMs: nowMs, windowMs: check.windowMs)
        let reset = start + check.windowMs - nowMs
        if let refused = firstRefusal(check, used: used, slotsHeld: slotsHeld) {
            let states = zip(check.counters, used).map {
                RateLimitState(name: $0.name, unit: $0.unit, limit: $0.limit, used: $1, resetMs: reset)
            }
            if refused == check.counters.count { return .refused(.parallel(limit: check.maxParallel ?? 0), states) }
            return .refused(.window(states[refused], needed: check.counters[refused].amount), states)
        }
        let states = zip(check.counters, used).map {
            RateLimitState(name: $0.name, unit: $0.unit, limit: $0.limit, used: $1 + $0.amount, resetMs: reset)
        }
        let tokens = check.counters.filter { $0.unit == .tokens }.map { (name: $0.name, amount: $0.amount) }
        return .admitted(RateLimitReservation(scope: check.scope, windowStart: start, tokens: tokens,
                                              slot: check.maxParallel == nil ? nil : slot, local: local), states)
    }
}
