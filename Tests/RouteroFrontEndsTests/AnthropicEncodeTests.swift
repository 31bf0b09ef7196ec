import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import Testing

/// Canonical answers and errors → Anthropic message bodies and error envelopes (reference 6.3, 6.5,
/// 6.7, 4.6), and the count-tokens codec.
@Suite("Anthropic front-end: responses, errors, count_tokens")
struct AnthropicEncodeTests {
    typealias F = AnthropicFrontEndFixtures

    static let plainNative = NativeChat(family: .anthropic, body: F.object(#"{"model":"claude-via-gateway","max_tokens":5,"messages":[]}"#),
                                        model: "claude-via-gateway", stream: false)
    static let thinkingNative = NativeChat(
        family: .anthropic,
        body: F.object(#"{"model":"m","max_tokens":5000,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[]}"#),
        model: "m", stream: false)

    func encode(_ result: ChatResult, _ native: NativeChat = AnthropicEncodeTests.plainNative) -> String {
        F.text(F.frontEnd.encodeResponse(result, for: native))
    }

    @Test func fullMessage() {
        let result = ChatResult(
            id: "chatcmpl-9", model: "gpt-4o",
            parts: [.reasoning(ReasoningPart(text: "Thinking it over.", signature: ProviderSignature(family: .anthropic, value: "EqQB+/="))),
                    .reasoning(ReasoningPart(text: "", redacted: "EmwKAhgB")),
                    .text(TextPart("Hi")),
                    .toolCall(ToolCall(id: "call_1", name: "f", arguments: #"{"a": 1}"#, signature: ProviderSignature(family: .gemini, value: "CiQB"))),
                    .toolCall(ToolCall(id: "call_2", name: "g", arguments: "{broken"))],
            finishReason: .toolCalls,
            usage: Usage(inputTokens: 2400, outputTokens: 50, cacheReadTokens: 2000, cacheWriteTokens: 300))
        #expect(encode(result) == F.compact(#"""
        {"id":"msg_chatcmpl-9","type":"message","role":"assistant","model":"gpt-4o",
         "content":[{"type":"thinking","thinking":"Thinking it over.","signature":"EqQB+/="},
                    {"type":"redacted_thinking","data":"EmwKAhgB"},
                    {"type":"text","text":"Hi"},
                    {"type":"tool_use","id":"call_1__thought__CiQB","name":"f","input":{"a":1}},
                    {"type":"tool_use","id":"call_2","name":"g","input":{}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":100,"cache_creation_input_tokens":300,"cache_read_input_tokens":2000,"output_tokens":50}}
        """#))
    }

    @Test(arguments: [
        (FinishReason?.some(.stop), String?.none, false, "end_turn", "null"),
        (.some(.stop), .some("###"), false, "stop_sequence", "\"###\""),
        (.some(.length), .none, false, "max_tokens", "null"),
        (.some(.toolCalls), .none, true, "tool_use", "null"),
        (.some(.stop), .none, true, "tool_use", "null"),  // Gemini/Ollama: a natural stop after calling tools
        (.none, .none, true, "tool_use", "null"),
        (.some(.contentFilter), .none, false, "refusal", "null"),
        (.some(.pause), .none, false, "pause_turn", "null"),
    ])
    func stopReasons(_ finish: FinishReason?, _ sequence: String?, _ withTool: Bool, _ stopReason: String, _ stopSequence: String) {
        var parts: [ContentPart] = [.text(TextPart("x"))]
        if withTool { parts.append(.toolCall(ToolCall(id: "c", name: "f", arguments: "{}"))) }
        let body = F.object(encode(ChatResult(id: "msg_1", model: "m", parts: parts, finishReason: finish, stopSequence: sequence)))
        #expect(body["stop_reason"] == .string(stopReason))
        #expect(body["stop_sequence"].map { JSON.string($0) } == stopSequence)
    }

    @Test func idsModelsAndMissingUsage() {
        let anthropic = F.object(encode(ChatResult(id: "msg_01X", model: "", parts: [], finishReason: .stop)))
        #expect(anthropic["id"] == "msg_01X")
        #expect(anthropic["model"] == "claude-via-gateway")
        #expect(anthropic["content"] == .array([]))
        #expect(anthropic["usage"].map { JSON.string($0) }
            == #"{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}"#)
        let generated = F.object(encode(ChatResult(id: "", model: "m", parts: [], finishReason: .stop)))["id"]?.stringValue ?? ""
        #expect(generated.hasPrefix("msg_") && generated.utf8.count == 28)
        let usage = F.object(encode(ChatResult(id: "x", model: "m", parts: [], finishReason: .stop,
                                               usage: Usage(inputTokens: 10, outputTokens: 3, cacheReadTokens: 4))))["usage"]
        #expect(usage?["input_tokens"] == 6)
        #expect(usage?["cache_read_input_tokens"] == 4)
    }

    @Test func foreignReasoningOnlyWhenThinkingWasAskedForAndNeverWithAFakeSignature() {
        let result = ChatResult(id: "x", model: "gemini-2.5-pro",
                                parts: [.reasoning(ReasoningPart(text: "Gemini thought", signature: ProviderSignature(family: .gemini, value: "CiQB"))),
                                        .reasoning(ReasoningPart(text: "OpenAI-compatible reasoning")),
                                        .text(TextPart("Answer"))],
                                finishReason: .stop)
        #expect(F.object(encode(result))["content"].map { JSON.string($0) } == #"[{"type":"text","text":"Answer"}]"#)
        #expect(F.object(encode(result, Self.thinkingNative))["content"].map { JSON.string($0) } == F.compact(#"""
        [{"type":"thinking","thinking":"Gemini thought","signature":""},
         {"type":"thinking","thinking":"OpenAI-compatible reasoning","signature":""},
         {"type":"text","text":"Answer"}]
        """#))
    }

    @Test(arguments: [
        (400, 400, "invalid_request_error"), (401, 401, "authentication_error"), (402, 402, "billing_error"),
        (403, 403, "permission_error"), (404, 404, "not_found_error"), (405, 405, "invalid_request_error"),
        (413, 413, "request_too_large"), (429, 429, "rate_limit_error"), (500, 500, "api_error"), (502, 502, "api_error"),
        (503, 503, "overloaded_error"), (504, 504, "timeout_error"), (508, 508, "api_error"),
    ])
    func errorBodiesByStatus(_ status: Int, _ clientStatus: Int, _ type: String) {
        let error = GatewayError(status: status, type: "whatever", message: "Something \"quoted\" happened.")
        #expect(F.frontEnd.status(for: error) == clientStatus)
        #expect(F.text(F.frontEnd.errorBody(error))
            == #"{"type":"error","error":{"type":"\#(type)","message":"Something \"quoted\" happened."}}"#)
    }

    @Test func overloadIs529ForAnthropicClients() {
        let gateway = GatewayError.overloaded(retryAfterSeconds: 2)
        #expect(F.frontEnd.status(for: gateway) == 529)
        #expect(F.text(F.frontEnd.errorBody(gateway)).contains(#""type":"overloaded_error""#))
        let upstream = GatewayError(status: 503, type: "server_error", code: "overloaded", message: "anthropic: Overloaded", retryable: true)
        #expect(F.frontEnd.status(for: upstream) == 529)
        #expect(F.frontEnd.status(for: .serviceUnavailable("draining")) == 503)
        #expect(F.frontEnd.status(for: .missingAuth) == 401)
        #expect(F.text(F.frontEnd.errorBody(.missingAuth)).contains(#""type":"authentication_error""#))
    }

    @Test func streamContentType() {
        #expect(F.frontEnd.streamContentType(for: Self.plainNative) == "text/event-stream; charset=utf-8")
        #expect(F.frontEnd.family == .anthropic)
    }

    @Test func countTokens() throws {
        let body = F.object(#"""
        {"model":"claude-sonnet-4-5","system":"Be brief.","messages":[{"role":"user","content":"Hello"}],
         "tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"},
         "thinking":{"type":"enabled","budget_tokens":2048}}
        """#)
        let call = try AnthropicCountTokens.decode(body, headers: [("anthropic-beta", "token-counting-2024-11-01")])
        #expect(call.model == "claude-sonnet-4-5")
        #expect(call.messages == [.text(.system, "Be brief."), .text(.user, "Hello")])
        #expect(call.tools.map(\.name) == ["t"])
        #expect(call.toolChoice == .auto)
        #expect(call.reasoning == ReasoningConfig(budgetTokens: 2048, includeThoughts: true))
        #expect(call.maxTokens == nil)
        #expect(!call.stream)
        #expect(call.extraHeaders.map(\.value) == ["token-counting-2024-11-01"])
        let native = try AnthropicCountTokens.nativeRequest(body, headers: [("anthropic-version", "2023-06-01")])
        #expect(native.model == "claude-sonnet-4-5")
        #expect(native.familyHeaders.map(\.0) == ["anthropic-version"])
        #expect(F.error { _ = try AnthropicCountTokens.decode(F.object(#"{"model":"m","messages":[]}"#)) }?.message
            == "messages: at least one message is required")
        #expect(F.error { _ = try AnthropicCountTokens.decode(F.object(#"{"messages":[{"role":"user","content":"x"}]}"#)) }?.param == "model")
        #expect(F.text(AnthropicCountTokens.encode(inputTokens: 2095)) == #"{"input_tokens":2095}"#)
    }
}
