import RouteroCore
import RouteroProviders
import Testing

/// Anthropic message → canonical result (reference 4.3, 6.3, 6.5, 6.7).
@Suite("Anthropic response decoding")
struct AnthropicResponseTests {
    typealias F = AnthropicFixtures

    func parse(_ json: String, call: ChatCall = ChatCall(model: "m", messages: [])) throws(GatewayError) -> ChatResult {
        try F.adapter.parseResponse(Array(json.utf8), for: call, target: F.target())
    }

    @Test func referenceMessage() throws {
        let result = try parse(#"""
        {"id": "msg_01X", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
         "content": [{"type": "thinking", "thinking": "Let me check.", "signature": "EqQB+/="},
                     {"type": "text", "text": "Checking."},
                     {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris", "days": 2}}],
         "stop_reason": "tool_use", "stop_sequence": null,
         "usage": {"input_tokens": 412, "output_tokens": 96, "cache_creation_input_tokens": 0,
                   "cache_read_input_tokens": 0, "service_tier": "standard"}}
        """#)
        #expect(result == ChatResult(
            id: "msg_01X", model: "claude-sonnet-4-5",
            parts: [.reasoning(ReasoningPart(text: "Let me check.", signature: ProviderSignature(family: .anthropic, value: "EqQB+/="))),
                    .text(TextPart("Checking.")),
                    .toolCall(ToolCall(id: "toolu_01A", name: "get_weather", arguments: #"{"city":"Paris","days":2}"#))],
            finishReason: .toolCalls, stopSequence: nil,
            usage: Usage(inputTokens: 412, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 0)))
    }

    @Test(arguments: [
        ("end_turn", FinishReason.stop), ("max_tokens", .length), ("stop_sequence", .stop), ("tool_use", .toolCalls),
        ("pause_turn", .pause), ("refusal", .contentFilter), ("model_context_window_exceeded", .length),
        ("some_future_reason", .stop),
    ])
    func everyStopReason(_ stopReason: String, _ finish: FinishReason) throws {
        let sequence = stopReason == "stop_sequence" ? "\"###\"" : "null"
        let result = try parse(#"{"id":"msg_1","type":"message","role":"assistant","model":"c","content":[{"type":"text","text":"x"}],"stop_reason":"\#(stopReason)","stop_sequence":\#(sequence),"usage":{"input_tokens":1,"output_tokens":1}}"#)
        #expect(result.finishReason == finish)
        #expect(result.stopSequence == (stopReason == "stop_sequence" ? "###" : nil))
    }

    @Test func usageCountsCachedInputAndThinking() throws {
        let result = try parse(#"""
        {"id":"msg_2","type":"message","role":"assistant","model":"c","content":[],"stop_reason":"end_turn",
         "usage":{"input_tokens":100,"cache_creation_input_tokens":300,"cache_read_input_tokens":2000,"output_tokens":50,
                  "output_tokens_details":{"thinking_tokens":20},"cache_creation":{"ephemeral_5m_input_tokens":300}}}
        """#)
        #expect(result.usage == Usage(inputTokens: 2400, outputTokens: 50, cacheReadTokens: 2000, cacheWriteTokens: 300,
                                      reasoningTokens: 20))
        #expect(result.usage?.totalTokens == 2450)
        #expect(result.parts.isEmpty)
    }

    @Test func redactedThinkingAndServerToolBlocks() throws {
        let result = try parse(#"""
        {"id":"msg_3","type":"message","role":"assistant","model":"c","content":[
          {"type":"redacted_thinking","data":"EmwKAhgB"},
          {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},
          {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},
          {"type":"text","text":"Found it.","citations":[{"type":"web_search_result_location","url":"https://x"}]}],
         "stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}
        """#)
        #expect(result.parts == [.reasoning(ReasoningPart(text: "", redacted: "EmwKAhgB")), .text(TextPart("Found it."))])
    }

    @Test func forcedJSONToolComesBackAsText() throws {
        var call = ChatCall(model: "m", messages: [])
        call.responseFormat = .jsonSchema(name: "p", schema: ["type": "object"], strict: nil, description: nil)
        let result = try parse(#"""
        {"id":"msg_4","type":"message","role":"assistant","model":"c","content":[
          {"type":"tool_use","id":"toolu_9","name":"json_tool_call","input":{"name":"Ann","age":31}}],
         "stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":9}}
        """#, call: call)
        #expect(result.parts == [.text(TextPart(#"{"name":"Ann","age":31}"#))])
        #expect(result.finishReason == .stop)
        // Without a json_schema request, a tool that happens to have that name stays a tool call.
        let plain = try parse(#"{"id":"m","type":"message","content":[{"type":"tool_use","id":"t","name":"json_tool_call","input":{}}],"stop_reason":"tool_use"}"#)
        #expect(plain.finishReason == .toolCalls)
        #expect(plain.toolCalls.count == 1)
    }

    @Test func notAMessageIsAnInvalidResponse() {
        for body in ["not json", "[1,2]", #"{"type":"completion","completion":"x"}"#, #"{"id":"msg","type":"message"}"#] {
            let error = F.error { _ = try parse(body) }
            #expect(error?.status == 502)
            #expect(error?.code == "upstream_invalid_response")
            #expect(error?.retryable == true)
        }
    }

    @Test func anErrorEnvelopeInA2xxBodyIsMapped() {
        let error = F.error { _ = try parse(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#) }
        #expect(error?.status == 503)
        #expect(error?.code == "overloaded")
        #expect(error?.retryable == true)
    }
}
