public import RouteroProviders

/// Where one request may go: the upstream targets in the order the gateway should try them.
public struct RoutePlan: Sendable {
    /// Identifies the resolved route for the response cache: `group:<model_name>` for a configured
    /// group, `group:<pattern>:<requested model>` for a wildcard group, and
    /// `direct:<provider>/<model>` for unlisted routes, so `gpt-4o` and `openai/gpt-4o` share
    /// entries when both resolve directly.
    public var routeKey: String
    /// The `model` the client asked for.
    public var requestedModel: String
    /// The configured group (or wildcard pattern) that matched; nil for direct routes.
    public var group: String?
    /// `attempts[0]` is the weighted pick from the best order tier, followed by the rest of that
    /// tier in weighted-random order, then the later tiers. The gateway moves on only after a
    /// retryable failure and before anything was sent to the client.
    public var attempts: [UpstreamTarget]

    /// Creates a plan.
    public init(routeKey: String, requestedModel: String, group: String? = nil, attempts: [UpstreamTarget]) {
        self.routeKey = routeKey
        self.requestedModel = requestedModel
        self.group = group
        self.attempts = attempts
    }
}
