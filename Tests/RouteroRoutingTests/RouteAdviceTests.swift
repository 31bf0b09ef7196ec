import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

/// Ordering and filtering a plan against the shared state, without I/O.
struct RouteAdviceTests {
    static let profile = ProviderCatalog.profile(named: "openai")!

    /// A plan over `ids` (in weighted-shuffle order), each `(id, tier, cost)`.
    static func plan(_ entries: [(String, Int, Double?)], strategy: RoutingStrategy = .simpleShuffle) -> RoutePlan {
        RoutePlan(routeKey: "group:g", requestedModel: "g", group: "g",
                  attempts: entries.map { UpstreamTarget(profile: profile, model: "m-\($0.0)", deploymentID: $0.0) },
                  details: entries.map { AttemptDetail(target: "\($0.0)\u{1F}m-\($0.0)", key: key($0.0), tier: $0.1, costPerToken: $0.2) },
                  strategy: strategy)
    }

    static func key(_ id: String) -> DeploymentKey { DeploymentKey(scope: "g", id: id) }

    static func snapshot(_ health: [String: DeploymentHealth], now: Int64 = 1_000) -> RoutingSnapshot {
        RoutingSnapshot(nowMs: now, health: Dictionary(uniqueKeysWithValues: health.map { (key($0.key), $0.value) }))
    }

    func ids(_ targets: [UpstreamTarget]) -> [String] { targets.map(\.deploymentID) }

    @Test func coolingDeploymentsBecomeTheLastResortSoonestEndingFirst() {
        let plan = Self.plan([("a", 1, nil), ("b", 1, nil), ("c", 2, nil), ("d", 2, nil)])
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot([
            "a": DeploymentHealth(breaker: .open(untilMs: 9_000)),
            "c": DeploymentHealth(breaker: .open(untilMs: 3_000)),
        ]), stream: false)
        #expect(ids(outcome.plan.attempts) == ["b", "d"])
        #expect(outcome.plan.details.map(\.key.id) == ["b", "d"], "details stay aligned with attempts")
        #expect(ids(outcome.plan.lastResort) == ["c", "a"])
        #expect(outcome.avoided.map(\.0.id) == ["a", "c"])
    }

    @Test func theProbeGoesFirstAndOthersAvoidAHalfOpenDeployment() {
        let plan = Self.plan([("fallback", 1, nil), ("primary", 0, nil)].sorted { $0.1 < $1.1 })
        let won = RouteAdvice.advise(plan, snapshot: Self.snapshot(["primary": DeploymentHealth(breaker: .halfOpen(probe: true))]),
                                     stream: false)
        #expect(ids(won.plan.attempts) == ["primary", "fallback"])
        #expect(won.probing == [Self.key("primary")])
        let lost = RouteAdvice.advise(plan, snapshot: Self.snapshot(["primary": DeploymentHealth(breaker: .halfOpen(probe: false))]),
                                      stream: false)
        #expect(ids(lost.plan.attempts) == ["fallback"])
        #expect(ids(lost.plan.lastResort) == ["primary"])
    }

    @Test func anExpiredDeadlineWithoutTheLeaseIsStillAvoided() {
        let plan = Self.plan([("a", 1, nil), ("b", 1, nil)])
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot(["a": DeploymentHealth(breaker: .open(untilMs: 500))]),
                                         stream: false)
        #expect(ids(outcome.plan.attempts) == ["b"])
    }

    @Test func everythingCoolingLeavesOnlyTheLastResort() {
        let plan = Self.plan([("a", 1, nil)])
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot(["a": DeploymentHealth(breaker: .open(untilMs: 2_000))]),
                                         stream: false)
        #expect(outcome.plan.attempts.isEmpty)
        #expect(ids(outcome.plan.lastResort) == ["a"])
    }

    @Test func latencyPrefersTheFasterDeploymentWithinATierOnly() {
        let plan = Self.plan([("slow", 1, nil), ("fast", 1, nil), ("later", 2, nil)], strategy: .latency)
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot([
            "slow": DeploymentHealth(wholeLatencyMs: 900), "fast": DeploymentHealth(wholeLatencyMs: 100),
            "later": DeploymentHealth(wholeLatencyMs: 1),
        ]), stream: false)
        #expect(ids(outcome.plan.attempts) == ["fast", "slow", "later"], "order tiers come before latency")
    }

    @Test func latencyUsesTimeToFirstTokenForStreams() {
        let plan = Self.plan([("a", 1, nil), ("b", 1, nil)], strategy: .latency)
        let snapshot = Self.snapshot([
            "a": DeploymentHealth(streamLatencyMs: 50, wholeLatencyMs: 5_000),
            "b": DeploymentHealth(streamLatencyMs: 400, wholeLatencyMs: 800),
        ])
        #expect(ids(RouteAdvice.advise(plan, snapshot: snapshot, stream: true).plan.attempts) == ["a", "b"])
        #expect(ids(RouteAdvice.advise(plan, snapshot: snapshot, stream: false).plan.attempts) == ["b", "a"])
    }

    @Test func latencyBufferKeepsNearTiesInShuffleOrderAndUnmeasuredGoFirst() {
        let plan = Self.plan([("b", 1, nil), ("a", 1, nil), ("new", 1, nil), ("far", 1, nil)], strategy: .latency)
        let snapshot = Self.snapshot([
            "a": DeploymentHealth(wholeLatencyMs: 100), "b": DeploymentHealth(wholeLatencyMs: 140),
            "far": DeploymentHealth(wholeLatencyMs: 300),
        ])
        let buffered = RouteAdvice.advise(plan, snapshot: snapshot, stream: false, latencyBuffer: 0.5)
        #expect(ids(buffered.plan.attempts) == ["new", "b", "a", "far"])
        let strict = RouteAdvice.advise(plan, snapshot: snapshot, stream: false)
        #expect(ids(strict.plan.attempts) == ["new", "a", "b", "far"])
    }

    @Test func leastBusyPicksTheFewestInFlight() {
        let plan = Self.plan([("a", 1, nil), ("b", 1, nil), ("c", 1, nil)], strategy: .leastBusy)
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot([
            "a": DeploymentHealth(inFlight: 3), "b": DeploymentHealth(inFlight: 0), "c": DeploymentHealth(inFlight: 1),
        ]), stream: false)
        #expect(ids(outcome.plan.attempts) == ["b", "c", "a"])
    }

    @Test func costPicksTheCheapestAndUnpricedGoLast() {
        let plan = Self.plan([("dear", 1, 2e-5), ("unpriced", 1, nil), ("cheap", 1, 1e-6)], strategy: .cost)
        let outcome = RouteAdvice.advise(plan, snapshot: RoutingSnapshot(), stream: false)
        #expect(ids(outcome.plan.attempts) == ["cheap", "dear", "unpriced"])
    }

    @Test func detailsFollowTheirAttemptsWhenSomeoneReorderedThem() {
        var plan = Self.plan([("a", 1, nil), ("b", 1, nil)])
        plan.attempts.reverse()  // as usage-based routing does, without touching details
        let outcome = RouteAdvice.advise(plan, snapshot: Self.snapshot(["a": DeploymentHealth(breaker: .open(untilMs: 9_000))]),
                                         stream: false)
        #expect(ids(outcome.plan.attempts) == ["b"] && ids(outcome.plan.lastResort) == ["a"])
        #expect(outcome.plan.details.map(\.key.id) == ["b"])
    }

    @Test func simpleShuffleKeepsTheWeightedOrder() {
        let plan = Self.plan([("c", 1, 1), ("a", 1, 3), ("b", 1, 2)])
        #expect(ids(RouteAdvice.advise(plan, snapshot: RoutingSnapshot(), stream: false).plan.attempts) == ["c", "a", "b"])
    }

    @Test func thePriceTableMatchesTheLongestPrefix() {
        let router = try? makeRouter("""
            models:
              - name: m
                deployments:
                  - {id: big, model: openai/gpt-4o-2024-08-06}
                  - {id: mini, model: openai/gpt-4o-mini}
                  - {id: priced, model: openai/gpt-4o, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
            """, environment: ["OPENAI_API_KEY": "sk-1"])
        var rng = SeededRNG(seed: 3)
        let plan = try? router?.plan(model: "m", using: &rng)
        let costs = Dictionary(uniqueKeysWithValues: (plan?.details ?? []).map { ($0.key.id, $0.costPerToken) })
        #expect(costs["big"] == 12.5e-6)
        #expect(costs["mini"] == 0.75e-6)
        #expect(costs["priced"] == 3e-6)
    }
}
