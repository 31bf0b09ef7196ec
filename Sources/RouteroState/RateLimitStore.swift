public import RouteroCore

/// Why a rate-limit store could not answer (Redis unreachable, a script error).
public struct RateLimitStoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Fixed-window counters and parallel slots, checked and charged atomically per scope.
///
/// ```swift
/// switch try store.admit(RateLimitCheck(scope: "k:master:3fa2", counters: [
///     RateLimitCounter(name: "rpm", unit: .requests, limit: 60, amount: 1)], maxParallel: 4)) {
/// case .admitted(let reservation, let states): ...   // later: adjust(...) and release(reservation)
/// case .refused(let why, let states): ...            // 429
/// }
/// ```
/// ``RedisRateLimitStore`` is exact across every worker and host sharing one Redis;
/// ``InMemoryRateLimitStore`` serves tests and the per-process fallback while Redis is away.
public protocol RateLimitStore: Sendable {
    /// Checks every counter and the parallel limit of `check` and, when all fit, charges them all.
    func admit(_ check: RateLimitCheck) throws(RateLimitStoreError) -> RateLimitDecision
    /// Adds `delta` to each named token counter of `reservation`'s window (a reconcile: real usage
    /// minus what was reserved; a refund is negative). Counters never go below zero, and a window
    /// that has turned over is left alone.
    func adjust(_ reservation: RateLimitReservation, deltas: [(name: String, delta: Int)]) throws(RateLimitStoreError)
    /// Frees the reservation's parallel slot.
    func release(_ reservation: RateLimitReservation) throws(RateLimitStoreError)
    /// Current use of each counter named in each query, in the current window (0 when untouched).
    func usage(_ queries: [(scope: String, names: [String])], windowMs: Int) throws(RateLimitStoreError) -> [[Int]]
}

extension RateLimitStore {
    /// Releases the slot and reconciles every token counter of `reservation` to `actualTokens`
    /// (nil: nothing was used, so the whole reservation is refunded).
    public func settle(_ reservation: RateLimitReservation, actualTokens: Int?) throws(RateLimitStoreError) {
        let deltas = reservation.tokens.map { (name: $0.name, delta: (actualTokens ?? 0) - $0.amount) }.filter { $0.delta != 0 }
        if !deltas.isEmpty { try adjust(reservation, deltas: deltas) }
        if reservation.slot != nil { try release(reservation) }
    }
}
