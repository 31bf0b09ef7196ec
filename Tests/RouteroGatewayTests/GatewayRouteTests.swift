@testable import RouteroGateway
import RouteroCore
import RouteroTestSupport
import Testing

/// The route table: every endpoint but health needs the key, errors come in the route's own format,
/// and Google's `?key=` is accepted on Google's routes only.
@Suite(.serialized)
struct GatewayRouteTests {
    static let upstream = TinyHTTPServer(handler: StubProvider.handler)
    static let config = """
        auth: {master_key: os.environ/MASTER}
        models:
          - name: echo
            deployments: [{model: openai/stub-echo, api_base: "UPSTREAM/v1", api_key: os.environ/PROVIDER}]
        """
    static let harness = try! GatewayHarness(config, upstream: upstream, name: "routes")

    @Test func everyEndpointButHealthAuthenticates() {
        for route in Gateway.routes where !route.name.hasPrefix("health") {
            let authenticates = route.middleware.contains { if case .authenticate = $0 { true } else { false } }
            #expect(authenticates, "route \(route.name) has no authentication")
        }
    }

    @Test func errorsComeInTheRoutesOwnFormat() {
        let anthropic = Self.harness.send("POST", "/v1/messages", body: #"{"model":"echo","max_tokens":5,"messages":[]}"#,
                                          key: "sk-wrong")
        #expect(anthropic.status == 401)
        #expect(anthropic.json?["type"] == "error" && anthropic.json?["error"]?["type"] == "authentication_error")
        let google = Self.harness.send("POST", "/v1beta/models/echo:generateContent", body: "{}", key: nil)
        #expect(google.status == 401)
        #expect(google.json?["error"]?["status"] == "UNAUTHENTICATED" && google.json?["error"]?["code"] == 401)
        let openAI = Self.harness.send("POST", "/v1/chat/completions", body: "{", key: GatewayHarness.masterKey)
        #expect(openAI.status == 400 && openAI.json?["error"]?["type"] == "invalid_request_error")
        let missingMaxTokens = Self.harness.send("POST", "/v1/messages",
                                                 body: #"{"model":"echo","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(missingMaxTokens.status == 400 && missingMaxTokens.json?["error"]?["type"] == "invalid_request_error")
    }

    @Test func googlesQueryKeyOnlyOnGooglesRoutes() {
        let body = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
        let google = Self.harness.send("POST", "/v1beta/models/echo:generateContent?key=\(GatewayHarness.masterKey)",
                                       body: body, key: nil)
        #expect(google.status == 200)
        #expect(google.json?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first?["text"]
                == "ok from stub-echo")
        let openAI = Self.harness.send("POST", "/v1/chat/completions?key=\(GatewayHarness.masterKey)",
                                       body: #"{"model":"echo","messages":[{"role":"user","content":"hi"}]}"#, key: nil)
        #expect(openAI.status == 401)
    }
}
