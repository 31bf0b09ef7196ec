import Testing
import RouteroCore

@Suite("GatewayError and ChatRequest")
struct GatewayErrorTests {
    @Test func openAIBodyShape() throws {
        let body = try JSON.parse(GatewayError.modelNotFound("gpt-9").openAIBody())
        let error = try #require(body["error"]?.objectValue)
        #expect(error.keys == ["message", "type", "param", "code"])
        #expect(error["type"] == "invalid_request_error")
        #expect(error["code"] == "model_not_found")
        #expect(error["param"] == .null)
        #expect(error["message"]?.stringValue?.contains("gpt-9") == true)
    }

    @Test func factoriesHaveTheContractStatuses() {
        let cases: [(GatewayError, Int, String, Bool)] = [
            (.invalidJSON("x"), 400, "invalid_request_error", false),
            (.invalidRequest("x", param: "n"), 400, "invalid_request_error", false),
            (.missingAuth, 401, "invalid_request_error", false),
            (.invalidAuth, 401, "invalid_request_error", false),
            (.modelNotFound("m"), 404, "invalid_request_error", false),
            (.payloadTooLarge(limit: 10), 413, "invalid_request_error", false),
            (.methodNotAllowed("PUT"), 405, "invalid_request_error", false),
            (.notFound(path: "/v2/x"), 404, "invalid_request_error", false),
            (.upstreamTimeout(provider: "groq"), 504, "server_error", true),
            (.upstreamUnreachable(provider: "groq", detail: "connection refused"), 502, "server_error", true),
            (.internalError("boom"), 500, "server_error", false),
        ]
        for (error, status, type, retryable) in cases {
            #expect(error.status == status, "\(error)")
            #expect(error.type == type, "\(error)")
            #expect(error.retryable == retryable, "\(error)")
        }
        #expect(GatewayError.invalidAuth.code == "invalid_api_key")
        #expect(GatewayError.invalidRequest("x", param: "n").param == "n")
    }

    @Test func bodyEscapesMessage() throws {
        let error = GatewayError.invalidRequest("bad \"quote\"\nnewline", param: "messages", code: "c")
        let parsed = try JSON.parse(error.openAIBody())
        #expect(parsed["error"]?["message"] == "bad \"quote\"\nnewline")
        #expect(parsed["error"]?["param"] == "messages")
        #expect(parsed["error"]?["code"] == "c")
    }

    @Test func chatRequestParses() throws {
        let request = try ChatRequest.parse(Array(#"""
            {"model":"groq/llama","messages":[{"role":"user","content":"hi"}],"stream":true,
             "stream_options":{"include_usage":true},"x_custom":1}
            """#.utf8))
        #expect(request.model == "groq/llama")
        #expect(request.stream)
        #expect(request.includeUsage)
        #expect(request.body.keys == ["model", "messages", "stream", "stream_options", "x_custom"])
        let plain = try ChatRequest.parse(Array(#"{"model":"m","messages":[{}]}"#.utf8))
        #expect(!plain.stream && !plain.includeUsage)
    }

    @Test(arguments: [
        (#"{"model":"m","messages":"#, 400, nil as String?),
        (#"[1]"#, 400, nil),
        (#"{"messages":[{}]}"#, 400, "model"),
        (#"{"model":"","messages":[{}]}"#, 400, "model"),
        (#"{"model":3,"messages":[{}]}"#, 400, "model"),
        (#"{"model":"m"}"#, 400, "messages"),
        (#"{"model":"m","messages":[]}"#, 400, "messages"),
        (#"{"model":"m","messages":[{}],"stream":"yes"}"#, 400, "stream"),
    ])
    func chatRequestRejects(_ body: String, _ status: Int, _ param: String?) {
        do {
            _ = try ChatRequest.parse(Array(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.status == status)
            #expect(error.param == param)
        }
    }
}
