/// Names one deployment's shared routing state: `scope` is the configured group the deployment
/// belongs to (it picks the Redis hash tag, so one group's keys live on one cluster node) and
/// `id` the deployment (for wildcard groups, the deployment id plus the resolved model, so one
/// model's failures do not cool down every model the pattern serves).
public struct DeploymentKey: Sendable, Hashable, CustomStringConvertible {
    public var scope: String
    public var id: String

    public init(scope: String, id: String) {
        self.scope = scope
        self.id = id
    }

    public var description: String { "\(scope)/\(id)" }
}

/// The circuit breaker of one deployment, as every worker sees it.
public enum BreakerState: Sendable, Equatable {
    /// Healthy: routed normally.
    case closed
    /// Cooling down until `untilMs` (the store's clock, milliseconds): avoided.
    case open(untilMs: Int64)
    /// The cooldown is over but no request has succeeded there since. Exactly one request of the
    /// fleet holds the probe lease (`probe == true` for that request): it tries the deployment
    /// first; everyone else still avoids it until the probe succeeds.
    case halfOpen(probe: Bool)
}

/// What the fleet knows about one deployment right now.
public struct DeploymentHealth: Sendable, Equatable {
    public var breaker: BreakerState = .closed
    /// Requests in flight on the deployment (live leases), for `least-busy`.
    public var inFlight: Int = 0
    /// EWMA of the time to first token of streamed answers, milliseconds.
    public var streamLatencyMs: Double?
    /// EWMA of the latency of whole (non-streamed) answers, milliseconds.
    public var wholeLatencyMs: Double?

    public init(breaker: BreakerState = .closed, inFlight: Int = 0, streamLatencyMs: Double? = nil,
                wholeLatencyMs: Double? = nil) {
        self.breaker = breaker
        self.inFlight = inFlight
        self.streamLatencyMs = streamLatencyMs
        self.wholeLatencyMs = wholeLatencyMs
    }
}

/// The state of a plan's deployments, read in one round trip before the plan is ordered.
public struct RoutingSnapshot: Sendable, Equatable {
    /// The store's clock when it was read (milliseconds; Redis `TIME`, or the process's
    /// monotonic clock for the in-memory store), against which `open(untilMs:)` is compared.
    public var nowMs: Int64
    public var health: [DeploymentKey: DeploymentHealth]
    /// False when the shared store was unreachable and this process's own memory answered.
    public var shared: Bool

    public init(nowMs: Int64 = 0, health: [DeploymentKey: DeploymentHealth] = [:], shared: Bool = true) {
        self.nowMs = nowMs
        self.health = health
        self.shared = shared
    }

    /// Health of `key` (deployments the store knows nothing about are healthy and idle).
    public subscript(key: DeploymentKey) -> DeploymentHealth { health[key] ?? DeploymentHealth() }
}
