import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

/// The last resort: avoided deployments are tried only after everything else failed.
struct RoutedFailoverTests {
    static let profile = ProviderCatalog.profile(named: "openai")!

    static func targets(_ ids: [String]) -> [UpstreamTarget] {
        ids.map { UpstreamTarget(profile: profile, model: $0, deploymentID: $0) }
    }

    static func routed(_ ids: [String], lastResort: [String], fallbacks: [String: [String]] = [:]) -> RoutedFailover {
        let plan = RoutePlan(routeKey: "group:g", requestedModel: "g", group: "g", attempts: targets(ids))
        let machine = FailoverMachine(plan: plan, fallbacks: Array(fallbacks.keys),
                                      resolve: { name in fallbacks[name].map { RoutePlan(routeKey: "", requestedModel: name, attempts: targets($0)) } },
                                      jitter: { 0 })
        let last = targets(lastResort)
        return RoutedFailover(machine, lastResort: { last })
    }

    static let down = GatewayError(status: 502, type: "server_error", code: "upstream_unreachable", message: "m", retryable: true)

    @Test func lastResortComesAfterTheGroupAndItsFallbacks() {
        var failover = Self.routed(["b"], lastResort: ["a"], fallbacks: ["fb": ["f"]])
        var seen: [String] = []
        while let step = failover.next(now: 0) {
            seen.append("\(step.attempt):\(step.target.deploymentID)")
            failover.failed(Self.down, now: 0)
        }
        #expect(seen == ["1:b", "2:b", "3:f", "4:f", "5:a", "6:a"])
        #expect(failover.decisions.contains { $0.hasPrefix("last resort: a") })
        #expect(failover.lastError?.code == "upstream_unreachable")
    }

    @Test func anEmptyPlanGoesStraightToTheLastResort() {
        var failover = Self.routed([], lastResort: ["a"])
        #expect(failover.next(now: 0)?.target.deploymentID == "a")
    }

    @Test func aClientErrorEndsTheRequestWithoutTheLastResort() {
        var failover = Self.routed(["b"], lastResort: ["a"])
        _ = failover.next(now: 0)
        failover.failed(GatewayError(status: 400, type: "invalid_request_error", message: "bad", retryable: false), now: 0)
        #expect(failover.next(now: 0) == nil)
    }
}
