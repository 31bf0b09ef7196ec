import RouteroConfig
import RouteroRouting
import Testing

/// `policies:` (smart/*) and the routing settings that became active.
struct PolicyTests {
    let env = ["OPENAI_API_KEY": "sk-1", "GROQ_API_KEY": "gsk-2"]
    static let yaml = """
        models:
          - name: gpt
            deployments:
              - {id: g1, model: openai/gpt-4o}
              - {id: g2, model: openai/gpt-4o-mini, order: 1}
          - name: llama
            deployments: [{id: l1, model: groq/llama-3.1-8b-instant}]
        policies:
          smart/cheap: {strategy: cost-based-routing, groups: [gpt, llama]}
          smart/fast: {strategy: latency-based-routing, groups: [llama]}
        routing: {allowed_fails: 0, cooldown_seconds: 2.5, latency_buffer: 0.3}
        """

    @Test func aPolicyPoolsItsGroupsWithItsStrategy() throws {
        let router = try makeRouter(Self.yaml, environment: env)
        var rng = SeededRNG(seed: 9)
        let plan = try router.plan(model: "smart/cheap", using: &rng)
        #expect(plan.routeKey == "policy:smart/cheap" && plan.strategy == .cost)
        #expect(Set(plan.attempts.map(\.deploymentID)) == ["g1", "g2", "l1"])
        // Each deployment keeps its own group's state, shared with requests for the group itself.
        #expect(Set(plan.details.map(\.key)) == [DeploymentKey(scope: "gpt", id: "g1"), DeploymentKey(scope: "gpt", id: "g2"),
                                                 DeploymentKey(scope: "llama", id: "l1")])
        // Tiers survive pooling: the ordered deployment comes first.
        #expect(plan.attempts[0].deploymentID == "g2")
        let ordered = RouteAdvice.advise(plan, snapshot: RoutingSnapshot(), stream: false).plan
        #expect(ordered.attempts.map(\.deploymentID) == ["g2", "l1", "g1"], "cheapest first within the unordered tier")
        #expect(router.listedModels() == ["gpt", "llama", "smart/cheap", "smart/fast"])
    }

    @Test func routingSettingsAreActive() throws {
        let config = try ConfigLoader.load(yaml: Self.yaml, environment: env)
        #expect(config.routing.allowedFails == 0 && config.routing.cooldownSeconds == 2.5 && config.routing.latencyBuffer == 0.3)
        #expect(config.notYetActive.isEmpty, "\(config.notYetActive)")
        let litellm = try ConfigLoader.load(yaml: """
            model_list:
              - {model_name: m, litellm_params: {model: openai/gpt-4o, input_cost_per_token: 0.000002}, model_info: {id: a, output_cost_per_token: 0.00001}}
            router_settings:
              routing_strategy: latency-based-routing
              routing_strategy_args: {lowest_latency_buffer: 0.5}
              allowed_fails: 2
              cooldown_time: 30
              disable_cooldowns: true
            """, environment: env)
        #expect(litellm.routing.strategy == "latency-based-routing" && litellm.routing.latencyBuffer == 0.5)
        #expect(litellm.routing.allowedFails == 2 && litellm.routing.cooldownSeconds == 30 && litellm.routing.disableCooldowns)
        #expect(litellm.notYetActive.isEmpty, "\(litellm.notYetActive)")
        let deployment = litellm.modelGroups[0].deployments[0]
        #expect(deployment.inputCostPerToken == 0.000002 && deployment.outputCostPerToken == 0.00001)
        let usage = try ConfigLoader.load(yaml: "router_settings: {routing_strategy: usage-based-routing-v2}\n"
                                          + "model_list: [{model_name: m, litellm_params: {model: openai/gpt-4o}}]", environment: env)
        #expect(usage.notYetActive.isEmpty, "usage-based routing is active (Gateway+RateLimits orders by headroom)")
    }

    @Test(arguments: [
        ("policies: {p: {strategy: cost-based-routing, groups: [gpt, nope]}}", "policies.p.groups[1]: \"nope\" is not a configured"),
        ("policies: {gpt: {strategy: cost-based-routing, groups: [gpt]}}", "policies.gpt: \"gpt\" is already a model group name"),
        ("policies: {p: {strategy: fastest, groups: [gpt]}}", "policies.p.strategy:"),
        ("policies: {p: {strategy: least-busy}}", "policies.p.groups: required key is missing"),
    ])
    func invalidPoliciesNameTheKey(policy: String, expected: String) {
        let yaml = "models:\n  - name: gpt\n    deployments: [{model: openai/gpt-4o}]\n" + policy + "\n"
        do {
            _ = try ConfigLoader.load(yaml: yaml, environment: env)
            Issue.record("expected an error for \(policy)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}
