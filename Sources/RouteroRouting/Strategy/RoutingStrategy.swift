/// How the deployments of one priority tier are ordered (LiteLLM's `routing_strategy` names).
///
/// Every strategy starts from the weighted shuffle (``DeploymentSelection``) and sorts it
/// stably, so deployments a strategy cannot tell apart keep their weighted-random order. Adding
/// a strategy is one case here and one ranking key in ``rankKey(_:)``. `usage-based-routing`
/// (rpm/tpm headroom) is ordered by the rate-limit runtime before the plan gets here, so it
/// ranks like `simple-shuffle`: keeping the order it arrived in.
public enum RoutingStrategy: String, Sendable, CaseIterable {
    /// Weighted random (`weight`, else `rpm`, else `tpm`); no shared state read.
    case simpleShuffle = "simple-shuffle"
    /// Lowest EWMA latency (time to first token for streams, whole-answer latency otherwise).
    case latency = "latency-based-routing"
    /// Fewest requests in flight across the fleet.
    case leastBusy = "least-busy"
    /// Lowest price per token (input + output).
    case cost = "cost-based-routing"

    /// The strategy for a configured name; `usage-based-routing(-v2)` keep the headroom order
    /// the rate-limit runtime gave the plan.
    public init(configName: String) {
        self = RoutingStrategy(rawValue: configName) ?? .simpleShuffle
    }

    /// Whether planning needs latencies or in-flight counts from the shared store.
    public var readsLoad: Bool { self == .latency || self == .leastBusy }

    /// One candidate as the ranking sees it.
    public struct Facts: Sendable {
        public var health: DeploymentHealth
        public var costPerToken: Double?
        public var stream: Bool

        public init(health: DeploymentHealth, costPerToken: Double?, stream: Bool) {
            self.health = health
            self.costPerToken = costPerToken
            self.stream = stream
        }
    }

    /// Orders one tier's candidates (given in weighted-shuffle order), best first.
    /// - Parameter latencyBuffer: latencies within `fastest × (1 + buffer)` count as equal.
    public func rank(_ candidates: [Facts], latencyBuffer: Double = 0) -> [Int] {
        let keys = candidates.map(rankKey)
        var order = Array(candidates.indices)
        switch self {
        case .simpleShuffle:
            return order
        case .latency:
            // Unmeasured deployments (key nil) go first so they get measured, as in LiteLLM.
            let known = keys.compactMap { $0 }
            guard let fastest = known.min() else { return order }
            let bound = fastest * (1 + latencyBuffer)
            let bucketed = keys.map { key -> Double in
                guard let key else { return -1 }
                return key <= bound ? 0 : key
            }
            // Ties keep their shuffle position (index as the second key: a stable sort by contract).
            order.sort { (bucketed[$0], $0) < (bucketed[$1], $1) }
        case .leastBusy, .cost:
            // Unknown prices rank last: an unpriced deployment is not assumed to be cheap.
            order.sort { (keys[$0] ?? .infinity, $0) < (keys[$1] ?? .infinity, $1) }
        }
        return order
    }

    /// The value a strategy sorts by (lower is better), nil when unknown.
    func rankKey(_ facts: Facts) -> Double? {
        switch self {
        case .simpleShuffle: 0
        case .latency:
            facts.stream ? (facts.health.streamLatencyMs ?? facts.health.wholeLatencyMs)
                : (facts.health.wholeLatencyMs ?? facts.health.streamLatencyMs)
        case .leastBusy: Double(facts.health.inFlight)
        case .cost: facts.costPerToken
        }
    }
}
