import RouteroCore
import RouteroTestSupport
import Testing

/// Cooldowns and strategies through the gateway, without Redis: each process then keeps the same
/// routing state in its own memory.
@Suite(.serialized)
struct GatewayRoutingTests {
    static let upstream = TinyHTTPServer(handler: StubProvider.handler)
    static let config = """
        auth: {master_key: os.environ/MASTER}
        routing: {cooldown_seconds: 30}
        models:
          - name: cooling
            deployments:
              - {id: broken, model: openai/stub-404, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, order: 1}
              - {id: backup, model: openai/stub-echo, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, order: 2}
          - name: only
            deployments: [{id: lonely, model: openai/stub-404, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: dear
            deployments: [{id: dear, model: openai/stub-dear, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, input_cost_per_token: 0.01, weight: 1000}]
          - name: cheap
            deployments: [{id: cheap, model: openai/stub-cheap, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, input_cost_per_token: 0.001}]
        policies:
          smart/cheap: {strategy: cost-based-routing, groups: [dear, cheap]}
        """
    static let harness = try! GatewayHarness(config, upstream: upstream, name: "routing")

    func calls(_ model: String, since: Int) -> Int {
        Self.upstream.requests.dropFirst(since).filter { $0.bodyText.contains("\"\(model)\"") }.count
    }

    func chat(_ model: String) -> String { #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"# }

    @Test func aCooledDownDeploymentIsSkippedWhileAnotherCanServe() {
        let before = Self.upstream.requests.count
        let first = Self.harness.send("POST", "/v1/chat/completions", body: chat("cooling"))
        #expect(first.status == 200 && first.header("x-routero-deployment") == "backup")
        #expect(calls("stub-404", since: before) == 1, "404 moves on and cools the deployment down at once")
        let again = Self.upstream.requests.count
        for _ in 0..<3 {
            let next = Self.harness.send("POST", "/v1/chat/completions", body: chat("cooling"))
            #expect(next.status == 200 && next.header("x-routero-deployment") == "backup")
        }
        #expect(calls("stub-404", since: again) == 0, "cooling: not called while the backup can serve")
    }

    @Test func aGroupWithNothingElseStillTriesItsCoolingDeployment() {
        let before = Self.upstream.requests.count
        #expect(Self.harness.send("POST", "/v1/chat/completions", body: chat("only")).status == 404)
        let second = Self.harness.send("POST", "/v1/chat/completions", body: chat("only"))
        #expect(second.status == 404, "the provider's own answer, not a synthetic error")
        #expect(calls("stub-404", since: before) == 2, "last resort: tried once more rather than failing blind")
    }

    @Test func costRoutingBeatsTheWeights() {
        for _ in 0..<5 {
            let response = Self.harness.send("POST", "/v1/chat/completions", body: chat("smart/cheap"))
            #expect(response.status == 200 && response.header("x-routero-deployment") == "cheap")
        }
    }
}
