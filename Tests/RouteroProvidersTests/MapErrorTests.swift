import Testing
import RouteroCore
import RouteroProviders

@Suite("Upstream error mapping and sanitizing")
struct MapErrorTests {
    let groq: UpstreamTarget
    let adapter: OpenAICompatibleAdapter

    init() throws {
        let profile = try profile("groq")
        groq = UpstreamTarget(profile: profile, model: "llama", apiBase: "https://proxy.corp.example:9443/groq/v1",
                              apiKey: "gsk_SECRETsecret1234567890abcdef", deploymentID: "g1")
        adapter = OpenAICompatibleAdapter(profile: profile)
    }

    func map(_ status: Int, _ body: String, headers: [(String, String)] = []) -> GatewayError {
        adapter.mapError(status: status, headers: headers, body: Array(body.utf8), target: groq)
    }

    @Test func openAIShapedBodyKeepsFields() {
        let error = map(400, #"{"error":{"message":"context too long","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#)
        #expect(error.status == 400)
        #expect(error.type == "invalid_request_error")
        #expect(error.code == "context_length_exceeded")
        #expect(error.param == "messages")
        #expect(error.message == "groq: context too long")
        #expect(!error.retryable)
    }

    @Test(arguments: [
        (400, 400, false), (404, 404, true), (409, 409, false), (413, 413, false), (422, 400, false), (508, 508, true),
        (401, 502, true), (403, 502, true), (408, 504, true), (429, 429, true),
        (500, 502, true), (502, 502, true), (503, 502, true), (529, 502, true), (402, 502, true), (418, 502, false),
    ])
    func statusMapping(_ upstream: Int, _ client: Int, _ retryable: Bool) {
        let error = map(upstream, #"{"error":{"message":"m"}}"#)
        #expect(error.status == client)
        #expect(error.retryable == retryable)
        #expect(error.message.hasPrefix("groq: "))
    }

    @Test func authFailureIsTheGatewaysProblem() {
        let error = map(401, #"{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}"#)
        #expect(error.status == 502)
        #expect(error.code == "upstream_authentication_failed")
        #expect(error.type == "server_error")
    }

    @Test func rateLimitKeepsRetryHeaders() {
        let error = map(429, #"{"error":{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}}"#,
                        headers: [("Retry-After", "7"), ("retry-after-ms", "6500"), ("x-ratelimit-remaining-requests", "0")])
        #expect(error.status == 429)
        #expect(error.headers.map(\.0) == ["retry-after", "retry-after-ms"])
        #expect(error.headers.map(\.1) == ["7", "6500"])
        #expect(error.type == "tokens")
        let server = map(503, "overloaded", headers: [("retry-after", "2")])
        #expect(server.headers.map(\.1) == ["2"])
    }

    @Test(arguments: [
        (#"{"error":"model is loading"}"#, "groq: model is loading"),
        (#"{"message":"bad things","code":400}"#, "groq: bad things"),
        (#"{"detail":"Not Found"}"#, "groq: Not Found"),
        (#"{"detail":[{"loc":["body","messages"],"msg":"field required"}]}"#,
         #"groq: [{"loc":["body","messages"],"msg":"field required"}]"#),
        (#"[{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}]"#, "groq: Resource exhausted"),
        ("upstream connect error\n", "groq: upstream connect error"),
        ("<html><head><title>502 Bad Gateway</title></head></html>", "groq: 502 Bad Gateway"),
        ("", "groq: HTTP 400 with no error message"),
        (#"{"unexpected":true}"#, #"groq: {"unexpected":true}"#),
    ])
    func tolerantBodyShapes(_ body: String, _ message: String) {
        #expect(map(400, body).message == message)
    }

    @Test func numericCodesBecomeStrings() {
        #expect(map(400, #"{"message":"x","code":400}"#).code == "400")
    }

    @Test func echoedKeyNeverReachesTheClient() throws {
        let key = try #require(groq.apiKey)
        let bodies = [
            #"{"error":{"message":"Invalid API Key: \#(key)","code":"invalid_api_key"}}"#,
            #"{"error":{"message":"Invalid API Key provided: \#(key.prefix(12))...","code":"invalid_api_key"}}"#,
            "auth failed for Authorization: Bearer \(key)",
        ]
        for status in [400, 401, 429, 500] {
            for body in bodies {
                let error = map(status, body)
                #expect(!error.message.contains(key), "\(error.message)")
                #expect(!error.message.contains(String(key.prefix(8))), "\(error.message)")
                #expect(!String(decoding: error.openAIBody(), as: UTF8.self).contains(String(key.prefix(8))))
            }
        }
    }

    @Test func sanitizeMasksKeysAndURLs() {
        let text = "calling https://proxy.corp.example:9443/groq/v1/chat/completions failed; "
            + "retry via http://admin:hunter2@10.0.0.5:8000/v1 with key sk-proj-abcdefgh12345 or xai-ABCDEF123456 "
            + "or gsk_zzzzzzzzzzzz; Bearer eyJhbGciOi.JIUzI1Ni+/= done; risk-free task_sk-1 stays"
        let clean = adapter.sanitize(text, target: groq)
        #expect(clean == "calling <groq>/chat/completions failed; retry via http://10.0.0.5:8000/v1 with key sk-*** "
                + "or xai-*** or gsk_***; Bearer *** done; risk-free task_sk-1 stays")
    }

    @Test func shortKeysOnlyMaskExactMatches() {
        var local = groq
        local.apiKey = "abcdefgh"  // 8 bytes: exact matches only
        #expect(adapter.sanitize("key abcdefgh and abcdefgX", target: local) == "key *** and abcdefgX")
        local.apiKey = ""
        #expect(adapter.sanitize("nothing to hide", target: local) == "nothing to hide")
    }
}
