public import RouteroCore
import Synchronization

/// The gateway's rate-limit store with its outage policy: Redis when configured (exact across
/// workers and hosts), this process's memory when Redis is unavailable and the operator chose
/// `on_redis_outage: local` (or when no Redis is configured), an error when they chose
/// `fail_closed`. Reservations remember which store charged them, so a reconcile after Redis
/// came back still goes to the right place. Recovery needs nothing: each call tries Redis first
/// (its client's circuit breaker keeps that cheap while Redis is down).
public final class RateLimiter: Sendable {
    /// How a call was served.
    public enum Source: Sendable, Equatable { case shared, local }

    private let shared: (any RateLimitStore)?
    private let local: any RateLimitStore
    private let failClosed: Bool
    /// Whether the last shared call failed (logged once per outage).
    private let degraded = Atomic<Bool>(false)

    /// - Parameters:
    ///   - shared: the Redis store; nil when no Redis is configured.
    ///   - failClosed: refuse (throw) instead of counting locally while `shared` fails.
    public init(shared: (any RateLimitStore)?, local: any RateLimitStore = InMemoryRateLimitStore(), failClosed: Bool) {
        self.shared = shared
        self.local = local
        self.failClosed = failClosed
    }

    /// Whether the shared store failed on its last use.
    public var isDegraded: Bool { degraded.load(ordering: .relaxed) }

    /// Admits `check`; throws only while Redis fails and the mode is fail-closed.
    public func admit(_ check: RateLimitCheck) throws(RateLimitStoreError) -> RateLimitDecision {
        guard let shared else { return try local.admit(check) }
        do {
            let decision = try shared.admit(check)
            recovered()
            return decision
        } catch {
            noteFailure(error)
            if failClosed { throw error }
            return try local.admit(check)
        }
    }

    /// Reconciles and releases `reservation` (see ``RateLimitStore/settle(_:actualTokens:)``).
    /// Failures are logged, never thrown: the request is already answered, and an unreleased slot
    /// lapses with its lease.
    public func settle(_ reservation: RateLimitReservation, actualTokens: Int?) {
        let store = reservation.local ? local : (shared ?? local)
        do {
            try store.settle(reservation, actualTokens: actualTokens)
        } catch {
            noteFailure(error)
        }
    }

    /// Current use per query (see ``RateLimitStore/usage(_:windowMs:)``), from Redis or, while it is
    /// unavailable, from this process's counters.
    public func usage(_ queries: [(scope: String, names: [String])], windowMs: Int) -> [[Int]] {
        if let shared, let values = try? shared.usage(queries, windowMs: windowMs) { return values }
        return (try? local.usage(queries, windowMs: windowMs)) ?? queries.map { $0.names.map { _ in 0 } }
    }

    private func noteFailure(_ error: RateLimitStoreError) {
        if !degraded.exchange(true, ordering: .relaxed) {
            Log.warning("rate limits: Redis unavailable", [("mode", failClosed ? "fail_closed" : "local"), ("error", error.message)])
        }
    }

    private func recovered() {
        if degraded.exchange(false, ordering: .relaxed) { Log.info("rate limits: Redis answers again; limits are shared", []) }
    }
}
