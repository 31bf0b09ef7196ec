import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini error mapping")
struct GeminiErrorTests {
    func map(_ status: Int, _ body: String, headers: [(String, String)] = []) -> GatewayError {
        gemini.mapError(status: status, headers: headers, body: Array(body.utf8), target: geminiTarget())
    }

    static func envelope(_ code: Int, _ status: String, _ message: String = "m", details: String = "[]") -> String {
        #"{"error":{"code":\#(code),"message":"\#(message)","status":"\#(status)","details":\#(details)}}"#
    }

    @Test func quotaWithRetryInfo() {
        let body = Self.envelope(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", details: """
            [{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"q","quotaId":"id"}]},
             {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]
            """)
        let error = map(429, body)
        #expect(error.status == 429)
        #expect(error.code == "RESOURCE_EXHAUSTED")
        #expect(error.retryable)
        #expect(error.message == "gemini: You exceeded your current quota")
        #expect(error.headers.map(\.0) == ["retry-after"])
        #expect(error.headers.map(\.1) == ["37"])
        // The upstream's own header wins.
        #expect(map(429, body, headers: [("Retry-After", "5")]).headers.map(\.1) == ["5"])
    }

    @Test(arguments: [("37s", 37), ("1.5s", 2), ("0.2s", 1), ("0s", 0)])
    func retryDelays(_ delay: String, _ seconds: Int) {
        let body = Self.envelope(503, "UNAVAILABLE", details: #"[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"\#(delay)"}]"#)
        #expect(map(503, body).headers.first?.1 == String(seconds))
    }

    @Test func invalidGatewayKeyIsNotTheClientsFault() {
        let body = Self.envelope(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details: """
            [{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]
            """)
        let error = map(400, body)
        #expect(error.status == 502)
        #expect(error.code == "upstream_authentication_failed")
        #expect(error.type == "server_error")
        #expect(error.retryable)
    }

    @Test(arguments: [
        (400, "INVALID_ARGUMENT", 400, "INVALID_ARGUMENT", false),
        (400, "FAILED_PRECONDITION", 400, "FAILED_PRECONDITION", true),
        (401, "UNAUTHENTICATED", 502, "upstream_authentication_failed", true),
        (403, "PERMISSION_DENIED", 502, "upstream_authentication_failed", true),
        (404, "NOT_FOUND", 404, "NOT_FOUND", true),
        (500, "INTERNAL", 502, "INTERNAL", true),
        (503, "UNAVAILABLE", 502, "UNAVAILABLE", true),
        (504, "DEADLINE_EXCEEDED", 502, "DEADLINE_EXCEEDED", true),
    ])
    func statusPolicy(_ upstream: Int, _ rpc: String, _ client: Int, _ code: String, _ retryable: Bool) {
        let error = map(upstream, Self.envelope(upstream, rpc))
        #expect(error.status == client)
        #expect(error.code == code)
        #expect(error.retryable == retryable)
        #expect(error.message.hasPrefix("gemini: "))
    }

    @Test func arrayWrappedErrorsFromTheStreamingEndpoint() {
        let error = map(429, "[" + Self.envelope(429, "RESOURCE_EXHAUSTED", "slow down") + "]")
        #expect(error.code == "RESOURCE_EXHAUSTED")
        #expect(error.message == "gemini: slow down")
    }

    @Test func keysInMessagesAreMasked() {
        let error = map(400, Self.envelope(400, "INVALID_ARGUMENT", "bad request for key \(geminiKey)"))
        #expect(!error.message.contains(geminiKey))
    }

    @Test func nonGoogleBodiesFallBackToTheSharedPolicy() {
        let error = map(502, "<html><title>502 Bad Gateway</title></html>")
        #expect(error.status == 502)
        #expect(error.message == "gemini: 502 Bad Gateway")
        #expect(error.headers.isEmpty)
    }

    @Test func rpcVocabulary() {
        for status in [400, 401, 403, 404, 409, 413, 429, 499, 500, 501, 502, 503, 504] {
            let rpc = GeminiVocabulary.rpcStatus(forHTTPStatus: status)
            let back = GeminiVocabulary.httpStatus(forRPCStatus: rpc)
            #expect(back != nil, "\(status) → \(rpc)")
        }
        #expect(GeminiVocabulary.rpcStatus(forHTTPStatus: 413) == "INVALID_ARGUMENT")
        #expect(GeminiVocabulary.rpcStatus(forHTTPStatus: 502) == "UNAVAILABLE")
        #expect(GeminiVocabulary.rpcStatus(forHTTPStatus: 508) == "INTERNAL")
        #expect(GeminiVocabulary.httpStatus(forRPCStatus: "WHATEVER") == nil)
    }
}
