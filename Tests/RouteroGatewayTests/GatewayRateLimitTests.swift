import Glibc
import RouteroCore
import RouteroTestSupport
import Testing

/// Rate limits through the gateway's request path, one process without Redis (its in-memory
/// counters are then the store). Refusals are asserted over a few requests, so a minute that turns
/// over between two of them cannot make a test fail.
@Suite(.serialized)
struct GatewayRateLimitTests {
    static let upstream = TinyHTTPServer(handler: StubProvider.handler)
    static let config = """
        auth: {master_key: os.environ/MASTER}
        limits:
          per_model: {tokens: {tpm: 100}, streamed: {tpm: 100}, one-rpm: {rpm: 1}}
        models:
          - name: tokens
            deployments: [{model: openai/stub-echo, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: streamed
            deployments: [{model: mistral/stub-mistral, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: one-rpm
            deployments: [{model: openai/stub-echo, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: around
            deployments:
              - {model: openai/stub-a, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, id: dep-a, rpm: 1, order: 1}
              - {model: openai/stub-b, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, id: dep-b, order: 2}
        """
    static let harness = try! GatewayHarness(config, upstream: upstream, name: "limits")

    func chat(_ model: String, maxTokens: Int, stream: Bool = false) -> String {
        #"{"model":"\#(model)","max_tokens":\#(maxTokens),"messages":[{"role":"user","content":"hi"}]\#(stream ? #","stream":true"# : "")}"#
    }

    @Test func aPassthroughAnswerReconcilesItsReservation() {
        // Each request reserves 5 (prompt) + 60 = 65 of 100 tokens; the stub answers with 2 used.
        // Without the reconcile the second request would not fit.
        for i in 0..<4 {
            let r = Self.harness.send("POST", "/v1/chat/completions", body: chat("tokens", maxTokens: 60))
            #expect(r.status == 200, "request \(i): \(r.text)")
            #expect(r.header("x-ratelimit-limit-tokens") == "100")
        }
        // A request that can never fit is told so, without a retry-after.
        let big = Self.harness.send("POST", "/v1/chat/completions", body: chat("tokens", maxTokens: 500))
        #expect(big.status == 429 && big.header("retry-after") == nil && big.text.contains("more than the limit"))
    }

    @Test func aStreamReconcilesWithTheUsageItCarried() {
        for i in 0..<3 {
            let r = Self.harness.send("POST", "/v1/chat/completions", body: chat("streamed", maxTokens: 60, stream: true))
            #expect(r.status == 200 && r.text.contains("[DONE]"), "stream \(i): \(r.text)")
        }
    }

    @Test func refusalsUseTheRouteFormat() throws {
        let body = #"{"model":"one-rpm","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
        let answers = (0..<3).map { _ in
            Self.harness.send("POST", "/v1/messages", body: body, key: nil, headers: [("x-api-key", GatewayHarness.masterKey)])
        }
        #expect(answers[0].status == 200)
        let refused = try #require(answers.dropFirst().first { $0.status == 429 })
        #expect(refused.json?["type"]?.stringValue == "error")
        #expect(refused.json?["error"]?["type"]?.stringValue == "rate_limit_error")
        #expect(refused.header("x-ratelimit-remaining-requests") == "0")
        #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
    }

    @Test func aDeploymentAtItsLimitIsRoutedAround() {
        let deployments = (0..<3).map { _ in
            Self.harness.send("POST", "/v1/chat/completions", body: chat("around", maxTokens: 5)).header("x-routero-deployment")
        }
        #expect(deployments[0] == "dep-a")
        #expect(deployments.dropFirst().contains("dep-b"))
    }
}

/// `usage-based-routing`: each request goes to the deployment with the most room left this minute.
@Suite(.serialized)
struct GatewayUsageRoutingTests {
    static let upstream = TinyHTTPServer(handler: StubProvider.handler)
    static let harness = try! GatewayHarness("""
        auth: {master_key: os.environ/MASTER}
        routing: {strategy: usage-based-routing-v2}
        models:
          - name: spread
            deployments:
              - {model: openai/stub-a, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, id: u-a, rpm: 1000}
              - {model: openai/stub-b, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, id: u-b, rpm: 1000}
        """, upstream: upstream, name: "usage")

    /// Waits for the next wall-clock minute when fewer than `seconds` are left of this one: usage
    /// counts per minute, and a minute that turns over between the two requests of a pair sends
    /// the next pair's first request to the same deployment again (CI, 20 requests in 5.6 s
    /// across 08:02:00, failed so).
    static func ensureMinuteLeft(_ seconds: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let left = 60 - Int(ts.tv_sec % 60)
        if left < seconds { usleep(useconds_t(left) * 1_000_000 + 200_000) }
    }

    @Test func requestsAlternateToTheDeploymentWithMoreHeadroom() {
        let body = #"{"model":"spread","messages":[{"role":"user","content":"hi"}]}"#
        Self.ensureMinuteLeft(12)
        let answered = (0..<20).map { _ in Self.harness.send("POST", "/v1/chat/completions", body: body).header("x-routero-deployment") }
        // Weighted shuffle alone lands 10/10 about one time in six; usage ordering always does.
        #expect(answered.filter { $0 == "u-a" }.count == 10 && answered.filter { $0 == "u-b" }.count == 10)
        // After every pair both have served equally: the second of a pair goes to the one with more room.
        for end in stride(from: 2, through: 20, by: 2) {
            #expect(answered[..<end].filter { $0 == "u-a" }.count == end / 2, "after \(end): \(answered)")
        }
    }
}
