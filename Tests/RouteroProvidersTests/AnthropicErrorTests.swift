import RouteroCore
import RouteroProviders
import Testing

/// Anthropic and Vertex AI error responses → the client's error (reference 4.6, 4.7, 6.8).
@Suite("Anthropic error mapping")
struct AnthropicErrorTests {
    typealias F = AnthropicFixtures

    func map(_ status: Int, _ body: String, headers: [(String, String)] = []) -> GatewayError {
        F.adapter.mapError(status: status, headers: headers, body: Array(body.utf8), target: F.target())
    }

    static func envelope(_ type: String, _ message: String) -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#
    }

    @Test func overloaded529Becomes503OverloadedAndRetryable() {
        let error = map(529, Self.envelope("overloaded_error", "Overloaded"), headers: [("retry-after", "3")])
        #expect(error.status == 503)
        #expect(error.code == "overloaded")
        #expect(error.type == "server_error")
        #expect(error.retryable)
        #expect(error.message == "anthropic: Overloaded")
        #expect(error.headers.map(\.1) == ["3"])
    }

    @Test(arguments: [
        (400, "invalid_request_error", 400, "invalid_request_error", false),
        (413, "request_too_large", 413, "invalid_request_error", false),
        (404, "not_found_error", 404, "invalid_request_error", true),
        (429, "rate_limit_error", 429, "rate_limit_error", true),
        (500, "api_error", 502, "server_error", true),
        (504, "timeout_error", 502, "server_error", true),
    ])
    func anthropicEnvelopesKeepTheirTypeInCode(_ status: Int, _ type: String, _ mapped: Int, _ openAIType: String, _ retryable: Bool) {
        let error = map(status, Self.envelope(type, "something went wrong"))
        #expect(error.status == mapped)
        #expect(error.code == type)
        #expect(error.type == openAIType)
        #expect(error.retryable == retryable)
        #expect(error.message == "anthropic: something went wrong")
    }

    @Test func rejectedGatewayCredentialsAreTheGatewaysProblem() {
        for status in [401, 403] {
            let error = map(status, Self.envelope(status == 401 ? "authentication_error" : "permission_error", "invalid x-api-key"))
            #expect(error.status == 502)
            #expect(error.code == "upstream_authentication_failed")
            #expect(error.retryable)
        }
    }

    @Test func rateLimitsKeepRetryAfter() {
        let error = map(429, Self.envelope("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
                        headers: [("Retry-After", "12"), ("anthropic-ratelimit-requests-remaining", "0")])
        #expect(error.headers.map(\.0) == ["retry-after"])
        #expect(error.headers.map(\.1) == ["12"])
    }

    @Test func vertexAnswersWithGooglesEnvelope() {
        let quota = map(429, #"""
        {"error":{"code":429,"message":"Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model","status":"RESOURCE_EXHAUSTED",
          "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.5s"}]}}
        """#)
        #expect(quota.status == 429)
        #expect(quota.code == "RESOURCE_EXHAUSTED")
        #expect(quota.type == "rate_limit_error")
        #expect(quota.headers.map(\.0) == ["retry-after"])
        #expect(quota.headers.map(\.1) == ["38"])
        #expect(quota.message.hasPrefix("anthropic: Quota exceeded"))
        let denied = map(403, #"[{"error":{"code":403,"message":"Permission denied on resource project p.","status":"PERMISSION_DENIED"}}]"#)
        #expect(denied.status == 502)
        #expect(denied.code == "upstream_authentication_failed")
        let invalid = map(400, #"{"error":{"code":400,"message":"Invalid model","status":"INVALID_ARGUMENT"}}"#)
        #expect(invalid.status == 400)
        #expect(invalid.code == "INVALID_ARGUMENT")
        #expect(invalid.message == "anthropic: Invalid model")
    }

    @Test func keysAndInternalURLsNeverReachTheClient() {
        let target = F.target(apiBase: "https://claude-proxy.internal:8443")
        let error = F.adapter.mapError(status: 400, headers: [],
                                       body: Array(Self.envelope("invalid_request_error", "key \(F.key) rejected by https://claude-proxy.internal:8443/v1").utf8),
                                       target: target)
        #expect(!error.message.contains("SECRETsecret"))
        #expect(!error.message.contains("claude-proxy.internal"))
    }

    @Test func plainTextAndEmptyBodies() {
        #expect(map(502, "<html><title>502 Bad Gateway</title></html>").message == "anthropic: 502 Bad Gateway")
        let empty = map(529, "")
        #expect(empty.status == 503)
        #expect(empty.code == "overloaded")
    }

    @Test(arguments: [(400, "invalid_request_error"), (401, "authentication_error"), (402, "billing_error"),
                      (403, "permission_error"), (404, "not_found_error"), (405, "invalid_request_error"),
                      (413, "request_too_large"), (422, "invalid_request_error"), (429, "rate_limit_error"),
                      (500, "api_error"), (502, "api_error"), (503, "overloaded_error"), (504, "timeout_error"),
                      (508, "api_error"), (529, "overloaded_error")])
    func vocabularyErrorTypes(_ status: Int, _ type: String) {
        #expect(AnthropicVocabulary.errorType(forStatus: status) == type)
    }

    @Test func vocabularyStopReasons() {
        #expect(AnthropicVocabulary.stopReason(.stop, stopSequence: nil, hasToolCalls: false) == "end_turn")
        #expect(AnthropicVocabulary.stopReason(.stop, stopSequence: "###", hasToolCalls: false) == "stop_sequence")
        #expect(AnthropicVocabulary.stopReason(.stop, stopSequence: nil, hasToolCalls: true) == "tool_use")
        #expect(AnthropicVocabulary.stopReason(nil, stopSequence: nil, hasToolCalls: false) == "end_turn")
        #expect(AnthropicVocabulary.stopReason(.length, stopSequence: nil, hasToolCalls: true) == "max_tokens")
        #expect(AnthropicVocabulary.stopReason(.toolCalls, stopSequence: nil, hasToolCalls: false) == "tool_use")
        #expect(AnthropicVocabulary.stopReason(.contentFilter, stopSequence: nil, hasToolCalls: false) == "refusal")
        #expect(AnthropicVocabulary.stopReason(.pause, stopSequence: nil, hasToolCalls: false) == "pause_turn")
    }
}
