public import RouteroRouting

/// The routing state every worker on every host shares: circuit breakers (cooldown deadlines,
/// per-minute failure counts, half-open probe leases), in-flight leases and latency EWMAs.
///
/// Two implementations keep one protocol: ``RedisRoutingStateStore`` (atomic Lua scripts, one
/// round trip per plan) and ``MemoryRoutingStateStore`` (one process; unit tests and the outage
/// fallback). ``SharedRoutingState`` puts the two together for the gateway.
public protocol RoutingStateStore: Sendable {
    /// The state of `keys` in one round trip. A half-open deployment's probe lease is taken for
    /// `probeToken` here (SET NX PX), so exactly one request of the fleet gets `probe: true`.
    /// - Parameter readLoad: also read in-flight counts and latencies (latency / least-busy).
    func snapshot(_ keys: [DeploymentKey], probeToken: String, readLoad: Bool) throws(RoutingStateError) -> RoutingSnapshot
    /// Counts a failure of `key` in the current minute and applies `rule` atomically: the
    /// cooldown deadline only ever moves later.
    func recordFailure(_ key: DeploymentKey, rule: CooldownRule) throws(RoutingStateError) -> CooldownResult
    /// Closes `key`'s breaker after a success on a deployment that was not closed: the cooldown,
    /// the probe lease and the minute's failure count are cleared.
    func closeBreaker(_ key: DeploymentKey) throws(RoutingStateError)
    /// Gives up `key`'s probe lease if `probeToken` still holds it (the probing client left
    /// before the deployment answered, so the attempt says nothing): another request may probe.
    func releaseProbe(_ key: DeploymentKey, probeToken: String) throws(RoutingStateError)
    /// Folds one latency sample (ms) into `key`'s EWMA for streamed or whole answers.
    func recordLatency(_ key: DeploymentKey, stream: Bool, ms: Double) throws(RoutingStateError)
    /// Counts one request in flight on `key` until ``endLease(_:lease:)`` or until the lease lapses
    /// (``RoutingStateTiming/leaseMs``) unless refreshed: a dead worker's counts expire by themselves.
    func beginLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError)
    func endLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError)
}

/// The store could not be asked (Redis unreachable, its circuit open, a malformed reply).
public struct RoutingStateError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Lifetimes of the shared routing state.
public enum RoutingStateTiming {
    /// How long a half-open probe lease lasts: a probe that never reports back (its worker died)
    /// lets another request probe after this.
    public static let probeLeaseMs: Int64 = 10_000
    /// An in-flight lease lapses after this unless refreshed (long streams are, every third of it).
    public static let leaseMs: Int64 = 30_000
    /// A breaker whose cooldown ended stays half-open this long without traffic, then closes.
    public static let halfOpenMs: Int64 = 300_000
    /// Latency EWMAs of deployments that get no traffic are forgotten after this.
    public static let latencyMs: Int64 = 3_600_000
    /// Weight of a new latency sample in the EWMA.
    public static let latencyAlpha = 0.2
}
