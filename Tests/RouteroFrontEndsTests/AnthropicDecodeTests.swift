import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import Testing

/// Anthropic client request → validation (the API's own wording) and the canonical call (reference 6.2).
@Suite("Anthropic front-end: request decoding")
struct AnthropicDecodeTests {
    typealias F = AnthropicFrontEndFixtures

    @Test func decodeNativeKeepsTheBodyAndTheFamilyHeaders() throws {
        let json = #"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}],"stream":true,"x_later":1}"#
        let native = try F.native(json, headers: [("anthropic-version", "2023-06-01"), ("x-api-key", "client-key"),
                                                  ("anthropic-beta", "a-2025"), ("anthropic-beta", "b-2025")])
        #expect(native.family == .anthropic)
        #expect(native.model == "claude-sonnet-4-5")
        #expect(native.stream)
        #expect(JSON.string(.object(native.body)) == json)
        #expect(native.familyHeaders.map(\.0) == ["anthropic-version", "anthropic-beta", "anthropic-beta"])
        #expect(native.familyHeaders.map(\.1) == ["2023-06-01", "a-2025", "b-2025"])
        #expect(try !F.native(#"{"model":"m","max_tokens":0,"messages":[{"role":"user","content":[]}]}"#).stream)
    }

    @Test(arguments: [
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":5}"#, "model: Field required", "model"),
        (#"{"model":7,"messages":[{"role":"user","content":"x"}],"max_tokens":5}"#, "model: Input should be a valid string", "model"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, "max_tokens: Field required", "max_tokens"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"5"}"#, "max_tokens: Input should be a valid integer", "max_tokens"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10.5}"#, "max_tokens: Input should be a valid integer", "max_tokens"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":-1}"#, "max_tokens: Input should be greater than or equal to 0", "max_tokens"),
        (#"{"model":"m","max_tokens":5}"#, "messages: Field required", "messages"),
        (#"{"model":"m","max_tokens":5,"messages":{}}"#, "messages: Input should be a valid list", "messages"),
        (#"{"model":"m","max_tokens":5,"messages":[]}"#, "messages: at least one message is required", "messages"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, "messages.0.role: Input should be 'user' or 'assistant'", "messages.0.role"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}"#, "messages.0.content: Field required", "messages.0.content"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, "stream: Input should be a valid boolean", "stream"),
    ])
    func validationUsesTheAPIsWording(_ json: String, _ message: String, _ param: String) {
        let error = F.error { _ = try F.native(json) }
        #expect(error?.status == 400)
        #expect(error?.type == "invalid_request_error")
        #expect(error?.message == message)
        #expect(error?.param == param)
    }

    @Test func fullConversationToCanonical() throws {
        let call = try F.canonical(#"""
        {"model":"claude-sonnet-4-5","max_tokens":2048,
         "system":[{"type":"text","text":"You are a helpful assistant.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Be brief."}],
         "messages":[
          {"role":"user","content":[
            {"type":"text","text":"What's in these?"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="},"cache_control":{"type":"ephemeral"}},
            {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
            {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"report.pdf"},
            {"type":"document","source":{"type":"text","media_type":"text/plain","data":"hello world"}}]},
          {"role":"assistant","content":[
            {"type":"thinking","thinking":"Let me look.","signature":"EqQB+/=="},
            {"type":"redacted_thinking","data":"EmwKAhgB"},
            {"type":"text","text":"Let me check."},
            {"type":"tool_use","id":"call_1__thought__CiQBgeminiSig","name":"zoom","input":{"level":2,"area":"top"}},
            {"type":"tool_use","id":"toolu_02","name":"ocr","input":{}}]},
          {"role":"user","content":[
            {"type":"text","text":"Here you go."},
            {"type":"tool_result","tool_use_id":"call_1__thought__CiQBgeminiSig","content":[{"type":"text","text":"zoomed"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]},
            {"type":"tool_result","tool_use_id":"toolu_02","content":"no text found","is_error":true,"cache_control":{"type":"ephemeral"}}]},
          {"role":"assistant","content":"Partial answer: "}]}
        """#)
        var expected = ChatCall(model: "claude-sonnet-4-5", messages: [
            ChatMessage(role: .system, parts: [.text(TextPart("You are a helpful assistant.", cacheControl: ["type": "ephemeral"])),
                                               .text(TextPart("Be brief."))]),
            ChatMessage(role: .user, parts: [
                .text(TextPart("What's in these?")),
                .image(MediaPart(source: .base64(mediaType: "image/png", data: "iVBORw0KGgo="), cacheControl: ["type": "ephemeral"])),
                .image(MediaPart(source: .url("https://example.com/cat.jpg", mediaType: nil))),
                .file(MediaPart(source: .base64(mediaType: "application/pdf", data: "JVBERi0="), filename: "report.pdf")),
                .file(MediaPart(source: .base64(mediaType: "text/plain", data: "aGVsbG8gd29ybGQ="))),
            ]),
            ChatMessage(role: .assistant, parts: [
                .reasoning(ReasoningPart(text: "Let me look.", signature: ProviderSignature(family: .anthropic, value: "EqQB+/=="))),
                .reasoning(ReasoningPart(text: "", redacted: "EmwKAhgB")),
                .text(TextPart("Let me check.")),
                .toolCall(ToolCall(id: "call_1", name: "zoom", arguments: #"{"level":2,"area":"top"}"#,
                                   signature: ProviderSignature(family: .gemini, value: "CiQBgeminiSig"))),
                .toolCall(ToolCall(id: "toolu_02", name: "ocr", arguments: "{}")),
            ]),
            // Tool results come first, as separate tool messages, then the rest of the user turn.
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(
                callID: "call_1", name: "zoom",
                content: [.text(TextPart("zoomed")), .image(MediaPart(source: .base64(mediaType: "image/jpeg", data: "/9j/")))]))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "toolu_02", name: "ocr", content: [.text(TextPart("no text found"))],
                                                                    isError: true, cacheControl: ["type": "ephemeral"]))]),
            ChatMessage(role: .user, parts: [.text(TextPart("Here you go."))]),
            .text(.assistant, "Partial answer: "),
        ])
        expected.maxTokens = 2048
        #expect(call == expected)
    }

    @Test func parametersToCanonical() throws {
        let call = try F.canonical(#"""
        {"model":"claude-x","max_tokens":512,"messages":[{"role":"user","content":"hi"}],
         "temperature":0.3,"top_p":0.9,"top_k":20,"stop_sequences":["###"],"stream":true,
         "metadata":{"user_id":"u-77","session":"s1"},
         "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}},"cache_control":{"type":"ephemeral"},"strict":true},
                  {"type":"custom","name":"plain","input_schema":{"type":"object"}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},
         "thinking":{"type":"enabled","budget_tokens":4000},
         "output_config":{"effort":"high","format":{"type":"json_schema","schema":{"type":"object"}}},
         "service_tier":"auto","container":"container_1","cache_control":{"type":"ephemeral"},"mcp_servers":[{"name":"x"}]}
        """#, headers: [("anthropic-beta", "interleaved-thinking-2025-05-14"), ("anthropic-version", "2023-06-01")])
        #expect(call.maxTokens == 512)
        #expect(call.temperature == 0.3)
        #expect(call.topP == 0.9)
        #expect(call.topK == 20)
        #expect(call.stop == ["###"])
        #expect(call.stream)
        #expect(call.includeUsage)
        #expect(call.user == "u-77")
        #expect(call.tools == [
            ToolDefinition(name: "get_weather", description: "Weather",
                           parameters: ["type": "object", "properties": ["city": ["type": "string"]]], strict: true,
                           cacheControl: ["type": "ephemeral"]),
            ToolDefinition(name: "plain", parameters: ["type": "object"]),
        ])
        #expect(call.toolChoice == .required)
        #expect(call.parallelToolCalls == false)
        #expect(call.reasoning == ReasoningConfig(effort: "high", budgetTokens: 4000, includeThoughts: true))
        #expect(call.responseFormat == .jsonSchema(name: "response", schema: ["type": "object"], strict: nil, description: nil))
        #expect(call.extras == [
            ProviderExtra(family: .anthropic, name: "metadata", value: ["session": "s1"], droppable: true),
            ProviderExtra(family: .anthropic, name: "service_tier", value: "auto", droppable: true),
            ProviderExtra(family: .anthropic, name: "container", value: "container_1"),
            ProviderExtra(family: .anthropic, name: "cache_control", value: ["type": "ephemeral"], droppable: true),
            ProviderExtra(family: .anthropic, name: "mcp_servers", value: [["name": "x"]]),
        ])
        #expect(call.extraHeaders == [ProviderHeader(family: .anthropic, name: "anthropic-beta", value: "interleaved-thinking-2025-05-14")])
        #expect(call.foreignExtras(for: .openAI).map(\.name) == ["container", "mcp_servers"])
    }

    @Test func toolChoiceAndThinkingVariants() throws {
        func call(_ extra: String) throws -> ChatCall {
            try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t","input_schema":{"type":"object"}}],\#(extra)}"#)
        }
        #expect(try call(#""tool_choice":{"type":"auto"}"#).toolChoice == .auto)
        #expect(try call(#""tool_choice":{"type":"none"}"#).toolChoice == ToolChoice.none)
        #expect(try call(#""tool_choice":{"type":"tool","name":"t"}"#).toolChoice == .tool("t"))
        #expect(try call(#""tool_choice":{"type":"auto","disable_parallel_tool_use":false}"#).parallelToolCalls == nil)
        #expect(try call(#""thinking":{"type":"disabled"},"output_config":{"effort":"low"}"#).reasoning == nil)
        #expect(try call(#""thinking":{"type":"adaptive"}"#).reasoning == ReasoningConfig(includeThoughts: true))
        #expect(try call(#""thinking":{"type":"adaptive","display":"omitted"},"output_config":{"effort":"max"}"#).reasoning
            == ReasoningConfig(effort: "max", includeThoughts: false))
        #expect(try call(#""output_config":{"effort":"medium"}"#).reasoning == ReasoningConfig(effort: "medium"))
        #expect(F.error { _ = try call(#""thinking":{"type":"enabled"}"#) }?.param == "thinking.enabled.budget_tokens")
        #expect(F.error { _ = try call(#""tool_choice":{"type":"sometimes"}"#) }?.param == "tool_choice.type")
    }

    @Test func serverToolsAndServerBlocksOnlyRunOnAnthropic() {
        let tool = F.error {
            _ = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}"#)
        }
        #expect(tool?.status == 400)
        #expect(tool?.param == "tools.0")
        #expect(tool?.message.contains("web_search_20250305") == true)
        let block = F.error {
            _ = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}]}]}"#)
        }
        #expect(block?.param == "messages.1.content.0")
        #expect(block?.code == "unsupported_content")
        // The same body passes through untouched to an Anthropic upstream: only translation rejects it.
        #expect((try? F.native(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#)) != nil)
    }

    @Test func emptySignaturesAreNotAnthropicSignatures() throws {
        let call = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"unsigned reasoning from another model","signature":""},{"type":"text","text":"a"}]},{"role":"user","content":"next"}]}"#)
        #expect(call.messages[1].parts.first == .reasoning(ReasoningPart(text: "unsigned reasoning from another model")))
    }

    @Test func systemStringAndMalformedBlocks() throws {
        let call = try F.canonical(#"{"model":"m","max_tokens":5,"system":"Be kind.","messages":[{"role":"user","content":"x"}]}"#)
        #expect(call.messages.first == .text(.system, "Be kind."))
        #expect(F.error { _ = try F.canonical(#"{"model":"m","max_tokens":5,"system":7,"messages":[{"role":"user","content":"x"}]}"#) }?.param == "system")
        #expect(F.error { _ = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"ftp"}}]}]}"#) }?.param
            == "messages.0.content.0.source")
        #expect(F.error { _ = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}"#) }?.param
            == "messages.0.content.0.tool_use_id")
        #expect(F.error { _ = try F.canonical(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#) }?.param
            == "temperature")
    }
}
