/// Orders and filters a plan against the fleet's shared state: the pure half of routing, so the
/// gateway reads one ``RoutingSnapshot`` and everything else is unit-tested without I/O.
///
/// 1. Breakers: a closed deployment is routed; one this request won the half-open probe for goes
///    first of all (recovery returns traffic to it); an open one, or a half-open one another
///    request is probing, is avoided: moved to ``RoutePlan/lastResort``, soonest-ending cooldown
///    first, to be tried only after the group and its fallbacks failed.
/// 2. Strategy: within each `order` tier the routed deployments are ranked by ``RoutingStrategy``
///    (stable over the weighted shuffle the plan arrived in).
public enum RouteAdvice {
    /// What ordering decided, for the request's log.
    public struct Outcome: Sendable {
        public var plan: RoutePlan
        /// Deployments this request probes (it won their half-open lease).
        public var probing: [DeploymentKey] = []
        /// Avoided deployments and why (`cooling 1234ms`, `probed elsewhere`).
        public var avoided: [(DeploymentKey, String)] = []
    }

    public static func advise(_ plan: RoutePlan, snapshot: RoutingSnapshot, stream: Bool,
                              latencyBuffer: Double = 0) -> Outcome {
        guard !plan.details.isEmpty, let details = plan.alignedDetails() else { return Outcome(plan: plan) }
        var plan = plan
        plan.details = details
        var outcome = Outcome(plan: plan)
        var probes: [Int] = []
        var routed: [Int] = []
        var avoided: [(index: Int, until: Int64)] = []
        for (index, detail) in plan.details.enumerated() {
            switch snapshot[detail.key].breaker {
            case .closed:
                routed.append(index)
            case .halfOpen(probe: true):
                probes.append(index)
                outcome.probing.append(detail.key)
            case .halfOpen(probe: false):
                avoided.append((index, snapshot.nowMs))
                outcome.avoided.append((detail.key, "probed elsewhere"))
            case .open(let until) where until > snapshot.nowMs:
                avoided.append((index, until))
                outcome.avoided.append((detail.key, "cooling \(until - snapshot.nowMs)ms"))
            case .open:
                // The deadline passed between the store's read and now: as good as half-open
                // without the lease, so still avoided.
                avoided.append((index, snapshot.nowMs))
                outcome.avoided.append((detail.key, "probed elsewhere"))
            }
        }
        var ordered = probes
        // Tiers keep the order they arrived in (ascending `order`); rank within each.
        var tierStart = 0
        while tierStart < routed.count {
            let tier = plan.details[routed[tierStart]].tier
            var tierEnd = tierStart
            while tierEnd < routed.count, plan.details[routed[tierEnd]].tier == tier { tierEnd += 1 }
            let members = Array(routed[tierStart..<tierEnd])
            let facts = members.map {
                RoutingStrategy.Facts(health: snapshot[plan.details[$0].key], costPerToken: plan.details[$0].costPerToken,
                                      stream: stream)
            }
            ordered += plan.strategy.rank(facts, latencyBuffer: latencyBuffer).map { members[$0] }
            tierStart = tierEnd
        }
        let lastResort = avoided.enumerated().sorted { ($0.element.until, $0.offset) < ($1.element.until, $1.offset) }
            .map(\.element.index)
        outcome.plan.attempts = ordered.map { plan.attempts[$0] }
        outcome.plan.details = ordered.map { plan.details[$0] }
        outcome.plan.lastResort = lastResort.map { plan.attempts[$0] }
        return outcome
    }
}
