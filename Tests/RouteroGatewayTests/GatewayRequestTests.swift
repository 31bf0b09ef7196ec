import RouteroCore
import RouteroTestSupport
import Testing

/// The gateway's request logic end to end through FastCGI, without nginx.
@Suite(.serialized)
struct GatewayRequestTests {
    static let upstream = TinyHTTPServer(handler: StubProvider.handler)
    static let config = """
        auth: {master_key: os.environ/MASTER}
        server: {max_response_bytes: 4096}
        models:
          - name: echo
            deployments: [{model: openai/stub-echo, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: huge
            deployments: [{model: openai/stub-huge, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
          - name: moves-on
            deployments:
              - {model: openai/stub-404, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, order: 1}
              - {model: openai/stub-drop, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, order: 2}
              - {model: openai/stub-last, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER, order: 3}
          - name: mistral
            deployments: [{model: mistral/stub-mistral, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
        """
    static let harness = try! GatewayHarness(config, upstream: upstream, name: "req")

    func chat(_ model: String, stream: Bool = false, extra: String = "") -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]\#(stream ? #","stream":true"# : "")\#(extra)}"#
    }

    @Test func authenticatedCallsReachTheUpstreamMarkedWithThisGateway() throws {
        let before = Self.upstream.requests.count
        let response = Self.harness.send("POST", "/v1/chat/completions", body: chat("echo"))
        #expect(response.status == 200)
        #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "ok from stub-echo")
        #expect(response.header("x-routero-worker") != nil)
        let sent = try #require(Self.upstream.requests.dropFirst(before).first)
        #expect(sent.header("authorization") == "Bearer \(GatewayHarness.providerKey)")
        #expect(sent.header("x-routero-via") == GatewayHarness.instance)
    }

    @Test func unauthenticatedCallsLearnNothingInternal() {
        let response = Self.harness.send("POST", "/v1/chat/completions", body: chat("echo"), key: "sk-wrong")
        #expect(response.status == 401)
        #expect(response.header("x-routero-worker") == nil)
        let health = Self.harness.send("GET", "/health", key: nil)
        #expect(health.status == 200 && health.text == #"{"status":"ok"}"#)
        #expect(health.header("x-routero-worker") == nil)
        let ready = Self.harness.send("GET", "/health/ready", key: nil)
        #expect(ready.text == #"{"status":"ready"}"#)
        #expect(Self.harness.send("GET", "/health/ready").json?["worker"] != nil)
    }

    @Test func aRequestThatCameBackIsRefusedBeforeAnyUpstreamCall() {
        let before = Self.upstream.requests.count
        let back = Self.harness.send("POST", "/v1/chat/completions", body: chat("echo"),
                                     headers: [("x-routero-via", "rt-other,\(GatewayHarness.instance)")])
        #expect(back.status == 508)
        #expect(back.json?["error"]?["code"] == "loop_detected")
        let tooFar = Self.harness.send("POST", "/v1/chat/completions", body: chat("echo"),
                                       headers: [("x-routero-via", "a,b,c,d,e")])
        #expect(tooFar.status == 508)
        #expect(Self.upstream.requests.count == before)
        // A chain below the limit is passed on, with this gateway appended.
        #expect(Self.harness.send("POST", "/v1/chat/completions", body: chat("echo"),
                                  headers: [("x-routero-via", "a,b")]).status == 200)
        #expect(Self.upstream.requests.last?.header("x-routero-via") == "a,b,\(GatewayHarness.instance)")
    }

    @Test func upstream404AndAStreamThatDiesBeforeItsFirstByteMoveOn() {
        let plain = Self.harness.send("POST", "/v1/chat/completions", body: chat("moves-on"))
        #expect(plain.status == 200)
        #expect(plain.json?["model"] == "stub-drop", "404 moved on to the next deployment")
        let stream = Self.harness.send("POST", "/v1/chat/completions", body: chat("moves-on", stream: true))
        #expect(stream.status == 200)
        #expect(stream.text.contains(#""model":"stub-last""#), "the dropped stream moved on: \(stream.text)")
        #expect(stream.text.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func anUpstreamBodyOverTheLimitIs502() {
        let response = Self.harness.send("POST", "/v1/chat/completions", body: chat("huge"))
        #expect(response.status == 502)
        #expect(response.json?["error"]?["code"] == "upstream_response_too_large")
    }

    @Test func includeUsageGetsOpenAIsUsageChunkFromMistral() {
        let response = Self.harness.send("POST", "/v1/chat/completions",
                                         body: chat("mistral", stream: true, extra: #","stream_options":{"include_usage":true}"#))
        #expect(response.status == 200)
        let events = response.text.split(separator: "\n\n").map { String($0.dropFirst("data: ".count)) }
        #expect(events.count == 4, "\(events)")
        #expect(events.last == "[DONE]")
        #expect(events[2].hasPrefix(#"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":"#))
        // Mistral rejects stream_options: it was stripped from the upstream request.
        #expect(Self.upstream.requests.last.map { !$0.bodyText.contains("stream_options") } == true)
    }
}

@Suite struct GatewayOverloadTests {
    /// With no room at all, every request gets the overloaded answer: 503, retry-after, OpenAI shape.
    @Test func overloadedAnswerIsOpenAIShaped() throws {
        let harness = try GatewayHarness("auth: {master_key: os.environ/MASTER}", upstream: GatewayRequestTests.upstream,
                                         name: "busy", maxConcurrent: 0)
        let response = harness.send("GET", "/v1/models")
        #expect(response.status == 503)
        #expect(response.header("Retry-After") == "1")
        #expect(response.json?["error"]?["code"] == "overloaded")
        #expect(response.json?["error"]?["type"] == "server_error")
    }
}
