public import RouteroProviders

/// Where one request may go: the upstream targets in the order the gateway should try them.
public struct RoutePlan: Sendable {
    /// Identifies the resolved route for the response cache: `group:<model_name>` for a configured
    /// group, `group:<pattern>:<requested model>` for a wildcard group, `policy:<name>` for a
    /// `policies:` entry, and `direct:<provider>/<model>` for unlisted routes, so `gpt-4o` and
    /// `openai/gpt-4o` share entries when both resolve directly.
    public var routeKey: String
    /// The `model` the client asked for.
    public var requestedModel: String
    /// The configured group (or wildcard pattern, or policy) that matched; nil for direct routes.
    public var group: String?
    /// `attempts[0]` is the weighted pick from the best order tier, followed by the rest of that
    /// tier in weighted-random order, then the later tiers. The gateway moves on only after a
    /// retryable failure and before anything was sent to the client.
    public var attempts: [UpstreamTarget]
    /// For each of ``attempts``: its shared-state key, priority tier and price (matched to its
    /// attempt by ``AttemptDetail/target``, so reordering ``attempts`` alone is safe). Empty for
    /// direct routes, which have no shared state.
    public var details: [AttemptDetail]
    /// How the plan is to be ordered against the fleet's shared state (``RouteAdvice``).
    public var strategy: RoutingStrategy
    /// Deployments the shared state says to avoid (cooling down, or half-open and probed by
    /// another request), soonest-ending cooldown first: tried only once everything else failed.
    public var lastResort: [UpstreamTarget] = []

    /// Creates a plan.
    public init(routeKey: String, requestedModel: String, group: String? = nil, attempts: [UpstreamTarget],
                details: [AttemptDetail] = [], strategy: RoutingStrategy = .simpleShuffle) {
        self.routeKey = routeKey
        self.requestedModel = requestedModel
        self.group = group
        self.attempts = attempts
        self.details = details
        self.strategy = strategy
    }
}

/// What routing knows about one planned attempt besides its target.
public struct AttemptDetail: Sendable, Equatable {
    /// The attempt it describes (``AttemptDetail/identity(of:)``).
    public var target: String
    /// Its shared state (cooldown, leases, latency).
    public var key: DeploymentKey
    /// Its `order` tier (lower first; unordered deployments `Int.max`).
    public var tier: Int
    /// Input + output price per token, from the config or ``PriceTable``.
    public var costPerToken: Double?

    public init(target: String, key: DeploymentKey, tier: Int, costPerToken: Double?) {
        self.target = target
        self.key = key
        self.tier = tier
        self.costPerToken = costPerToken
    }
}

extension AttemptDetail {
    /// Names one planned attempt: its deployment and resolved model.
    public static func identity(of target: UpstreamTarget) -> String { "\(target.deploymentID)\u{1F}\(target.model)" }
}

extension RoutePlan {
    /// ``details`` in the order of ``attempts`` (someone may have reordered the attempts, e.g.
    /// usage-based routing); nil when an attempt has no detail.
    public func alignedDetails() -> [AttemptDetail]? {
        guard details.count == attempts.count else { return nil }
        let byTarget = Dictionary(details.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        let aligned = attempts.compactMap { byTarget[AttemptDetail.identity(of: $0)] }
        return aligned.count == attempts.count ? aligned : nil
    }
}
