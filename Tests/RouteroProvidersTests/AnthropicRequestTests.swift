import RouteroCore
import RouteroProviders
import Testing

/// Canonical call → Anthropic Messages request: golden bodies (compared as compact JSON, key order
/// included), endpoints and headers (reference 6.1, 6.2, 6.6, 4.7).
@Suite("Anthropic request encoding")
struct AnthropicRequestTests {
    typealias F = AnthropicFixtures

    static let weatherTool = ToolDefinition(
        name: "get_weather", description: "Current weather",
        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])

    func request(_ call: ChatCall, target: UpstreamTarget = F.target()) throws(GatewayError) -> UpstreamRequestSpec {
        try F.adapter.makeRequest(call, target: target)
    }

    @Test func systemHoistingMergingAndToolRoundTrip() throws {
        var call = F.call([
            .text(.system, "You are terse."),
            .text(.developer, "Use metric units."),
            F.user("Weather in Paris and Rome?"),
            F.assistant([F.text("Checking."),
                         .toolCall(ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
                         .toolCall(ToolCall(id: "call_2", name: "get_weather", arguments: #"{"city": "Rome"}"#))]),
            F.toolMessage("call_1", [F.text("18C")]),
            F.toolMessage("call_2", [F.text("21C")], isError: true),
            F.user("Thanks. And tomorrow?"),
        ])
        call.tools = [Self.weatherTool]
        call.toolChoice = .auto
        let spec = try request(call)
        #expect(F.bodyText(spec) == F.compact(#"""
        {"model":"claude-sonnet-4-5","max_tokens":64000,"system":"You are terse.\n\nUse metric units.",
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
          {"role":"assistant","content":[{"type":"text","text":"Checking."},
            {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"},
            {"type":"tool_result","tool_use_id":"call_2","content":"21C","is_error":true},
            {"type":"text","text":"Thanks. And tomorrow?"}]}],
         "tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
         "tool_choice":{"type":"auto"}}
        """#))
    }

    @Test func firstPartyEndpointAndHeaders() throws {
        let target = F.target(extraHeaders: [("X-Team", "core"), ("anthropic-beta", "context-1m-2025-08-07")])
        var call = F.call([F.user("hi")])
        call.extraHeaders = [ProviderHeader(family: .anthropic, name: "Anthropic-Beta", value: "interleaved-thinking-2025-05-14"),
                             ProviderHeader(family: .anthropic, name: "x-api-key", value: "client-key"),
                             ProviderHeader(family: .gemini, name: "x-goog-user-project", value: "p")]
        let spec = try request(call, target: target)
        #expect(spec.method == "POST")
        #expect(spec.url == "https://api.anthropic.com/v1/messages")
        #expect(spec.headers.map(\.0) == ["content-type", "accept", "x-api-key", "anthropic-version", "x-team", "anthropic-beta"])
        #expect(spec.header("x-api-key") == F.key)
        #expect(spec.header("anthropic-version") == "2023-06-01")
        #expect(spec.header("accept") == "application/json")
        // The operator's betas and the client's both apply; a client can never replace the credentials.
        #expect(spec.header("anthropic-beta") == "context-1m-2025-08-07,interleaved-thinking-2025-05-14")
    }

    @Test(arguments: ["https://api.anthropic.com", "https://api.anthropic.com/", "https://api.anthropic.com/v1",
                      "https://api.anthropic.com/v1/messages"])
    func apiBaseSpellings(_ base: String) throws {
        #expect(try request(F.call([F.user("hi")]), target: F.target(apiBase: base)).url == "https://api.anthropic.com/v1/messages")
    }

    @Test func profileAuthStyles() throws {
        let bearerProfile = ProviderProfile(id: "claude-compatible", defaultBaseURL: "https://llm.example/anthropic",
                                            family: .anthropic)
        let bearer = UpstreamTarget(profile: bearerProfile, model: "m", apiKey: "k1234")
        let spec = try AnthropicAdapter(profile: bearerProfile).makeRequest(F.call([F.user("hi")]), target: bearer)
        #expect(spec.url == "https://llm.example/anthropic/v1/messages")
        #expect(spec.header("x-api-key") == "k1234")  // Anthropic's own header, whatever the profile default
        #expect(spec.header("authorization") == nil)
        let noKey = UpstreamTarget(profile: bearerProfile, model: "m", apiKey: nil)
        #expect(try AnthropicAdapter(profile: bearerProfile).makeRequest(F.call([F.user("hi")]), target: noKey)
            .header("x-api-key") == nil)
        let empty = UpstreamTarget(profile: bearerProfile, model: "m", apiBase: "", apiKey: "k")
        let error = F.error { _ = try AnthropicAdapter(profile: bearerProfile).makeRequest(F.call([F.user("hi")]), target: empty) }
        #expect(error?.code == "provider_misconfigured")
        #expect(error?.status == 500)
    }

    @Test(arguments: [
        ("us-east5", "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5"),
        ("global", "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global"),
        ("us", "https://aiplatform.us.rep.googleapis.com/v1/projects/my-proj/locations/us"),
        ("eu", "https://aiplatform.eu.rep.googleapis.com/v1/projects/my-proj/locations/eu"),
    ])
    func vertexEndpoints(_ location: String, _ prefix: String) throws {
        let vertex = AnthropicAdapter(profile: F.profile, dialect: .vertex(project: "my-proj", location: location))
        let target = UpstreamTarget(profile: F.profile, model: "claude-sonnet-4-5@20250929", apiBase: "", apiKey: "ya29.token")
        var call = F.call([F.user("hi")])
        let plain = try vertex.makeRequest(call, target: target)
        #expect(plain.url == prefix + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict")
        call.stream = true
        let streaming = try vertex.makeRequest(call, target: target)
        #expect(streaming.url == prefix + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict")
        #expect(streaming.headers.map(\.0) == ["content-type", "accept", "authorization"])
        #expect(streaming.header("authorization") == "Bearer ya29.token")
        #expect(streaming.header("accept") == "text/event-stream")
        #expect(F.bodyText(streaming) == F.compact(#"""
        {"anthropic_version":"vertex-2023-10-16","max_tokens":64000,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true}
        """#))
    }

    @Test func vertexWithAnExplicitBaseAndMisconfiguration() throws {
        let vertex = AnthropicAdapter(profile: F.profile, dialect: .vertex(project: "p", location: "europe-west1"))
        let proxied = UpstreamTarget(profile: F.profile, model: "claude-opus-4-1", apiBase: "https://vertex-proxy.corp/v1", apiKey: "t")
        #expect(try vertex.makeRequest(F.call([F.user("hi")]), target: proxied).url
            == "https://vertex-proxy.corp/v1/projects/p/locations/europe-west1/publishers/anthropic/models/claude-opus-4-1:rawPredict")
        let odd = UpstreamTarget(profile: F.profile, model: "a/b:c", apiBase: "", apiKey: "t")
        #expect(try vertex.makeRequest(F.call([F.user("hi")]), target: odd).url.hasSuffix("/models/a%2Fb%3Ac:rawPredict"))
        let noProject = AnthropicAdapter(profile: F.profile, dialect: .vertex(project: "", location: "us-east5"))
        #expect(F.error { _ = try noProject.makeRequest(F.call([F.user("hi")]), target: proxied) }?.code == "provider_misconfigured")
    }

    @Test func imagesIncludingImagesInsideToolResults() throws {
        let png = MediaPart(source: .base64(mediaType: "image/png", data: "iVBORw0KGgo="), cacheControl: ["type": "ephemeral"])
        let call = F.call([
            ChatMessage(role: .user, parts: [F.text("What is in these?"), .image(png),
                                             .image(MediaPart(source: .url("https://example.com/cat.jpg", mediaType: nil))),
                                             .image(MediaPart(source: .base64(mediaType: "image/JPG", data: "/9j/")))]),
            F.assistant([.toolCall(ToolCall(id: "toolu_1", name: "screenshot", arguments: ""))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(
                callID: "toolu_1", content: [F.text("Here it is"), .image(MediaPart(source: MediaPart.fromURL("data:image/webp;base64,UklGR")))]))]),
        ])
        let messages = F.body(try request(call))["messages"]
        #expect(messages.map { JSON.string($0) } == F.compact(#"""
        [{"role":"user","content":[{"type":"text","text":"What is in these?"},
          {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="},"cache_control":{"type":"ephemeral"}},
          {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
          {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]},
         {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"screenshot","input":{}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"Here it is"},
          {"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}}]}]}]
        """#))
    }

    @Test func unsupportedImageTypesAreA400() {
        let call = F.call([ChatMessage(role: .user, parts: [.image(MediaPart(source: .base64(mediaType: "image/bmp", data: "Qk0=")))])])
        let error = F.error { _ = try request(call) }
        #expect(error?.status == 400)
        #expect(error?.message.contains("image/bmp") == true)
        #expect(error?.param == "messages")
    }

    @Test func documents() throws {
        let call = F.call([ChatMessage(role: .user, parts: [
            .file(MediaPart(source: .base64(mediaType: "application/pdf", data: "JVBERi0="), filename: "report.pdf")),
            .file(MediaPart(source: .base64(mediaType: "text/plain", data: "aGVsbG8gd29ybGQ="), cacheControl: ["type": "ephemeral"])),
            .file(MediaPart(source: .url("https://example.com/paper.pdf", mediaType: "application/pdf"))),
            .file(MediaPart(source: .fileID("file_011"))),
            F.text("Summarize."),
        ])])
        #expect(F.body(try request(call))["messages"].map { JSON.string($0) } == F.compact(#"""
        [{"role":"user","content":[
          {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"report.pdf"},
          {"type":"document","source":{"type":"text","media_type":"text/plain","data":"hello world"},"cache_control":{"type":"ephemeral"}},
          {"type":"document","source":{"type":"url","url":"https://example.com/paper.pdf"}},
          {"type":"document","source":{"type":"file","file_id":"file_011"}},
          {"type":"text","text":"Summarize."}]}]
        """#))
        let word = F.call([ChatMessage(role: .user, parts: [.file(MediaPart(source: .base64(mediaType: "application/msword", data: "AA==")))])])
        #expect(F.error { _ = try request(word) }?.status == 400)
        let notBase64 = F.call([ChatMessage(role: .user, parts: [.file(MediaPart(source: .base64(mediaType: "text/plain", data: "@@@")))])])
        #expect(F.error { _ = try request(notBase64) }?.status == 400)
    }

    @Test func audioIsAnUnsupportedParameterUnlessDropped() throws {
        let call = F.call([ChatMessage(role: .user, parts: [F.text("listen"), .audio(MediaPart(source: .base64(mediaType: "audio/wav", data: "UklG")))])])
        let error = F.error { _ = try request(call) }
        #expect(error?.status == 400)
        #expect(error?.code == "unsupported_parameter")
        #expect(error?.param == "input_audio")
        let dropped = try request(call, target: F.target(dropParams: true))
        #expect(F.body(dropped)["messages"].map { JSON.string($0) } == #"[{"role":"user","content":[{"type":"text","text":"listen"}]}]"#)
    }

    @Test func thinkingReplayOnlyWithAnAnthropicSignatureByteForByte() throws {
        let signature = "EqQBCkgIARABGAIiQL+/x9/ZmE=\n+/=="
        let call = F.call([
            F.user("Q"),
            F.assistant([
                .reasoning(ReasoningPart(text: "Let me think.", signature: ProviderSignature(family: .anthropic, value: signature))),
                .reasoning(ReasoningPart(text: "", signature: ProviderSignature(family: .anthropic, value: "EmptySigned"))),
                .reasoning(ReasoningPart(text: "", redacted: "EmwKAhgBEgy3va3pzix")),
                .reasoning(ReasoningPart(text: "Gemini's thought", signature: ProviderSignature(family: .gemini, value: "CiQBgemini"))),
                .reasoning(ReasoningPart(text: "OpenAI-compatible reasoning_content")),
                F.text(""),
                F.text("Answer."),
                .toolCall(ToolCall(id: "toolu_9", name: "f", arguments: "{}")),
            ]),
            F.toolMessage("toolu_9", [F.text("ok")]),
        ])
        let assistant = F.body(try request(call))["messages"]?.arrayValue?[1]
        #expect(assistant.map { JSON.string($0) } == F.compact(#"""
        {"role":"assistant","content":[
          {"type":"thinking","thinking":"Let me think.","signature":"EqQBCkgIARABGAIiQL+/x9/ZmE=\n+/=="},
          {"type":"thinking","thinking":"","signature":"EmptySigned"},
          {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
          {"type":"text","text":"Answer."},
          {"type":"tool_use","id":"toolu_9","name":"f","input":{}}]}
        """#))
        #expect(assistant?["content"]?.arrayValue?[0]["signature"]?.stringValue == signature)
    }

    @Test func cacheControlIsKeptEverywhere() throws {
        let ephemeral: JSONValue = ["type": "ephemeral", "ttl": "1h"]
        var call = F.call([
            ChatMessage(role: .system, parts: [F.text("Long policy text", cache: ephemeral), F.text("Second block")]),
            ChatMessage(role: .user, parts: [F.text("Question", cache: ["type": "ephemeral"])]),
            F.assistant([.toolCall(ToolCall(id: "t1", name: "get_weather", arguments: "{}"))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "t1", content: [F.text("sunny")], cacheControl: ["type": "ephemeral"]))]),
        ])
        call.tools = [ToolDefinition(name: "get_weather", cacheControl: ["type": "ephemeral"])]
        call.responseFormat = .jsonObject
        let body = F.body(try request(call))
        #expect(body["system"].map { JSON.string($0) } == F.compact(#"""
        [{"type":"text","text":"Long policy text","cache_control":{"type":"ephemeral","ttl":"1h"}},
         {"type":"text","text":"Second block"},{"type":"text","text":"Respond only with a JSON object."}]
        """#))
        #expect(body["messages"]?.arrayValue?[0]["content"]?.arrayValue?[0]["cache_control"] == ["type": "ephemeral"])
        #expect(body["messages"]?.arrayValue?[2]["content"]?.arrayValue?[0].objectValue.map { JSON.string(.object($0)) }
            == #"{"type":"tool_result","tool_use_id":"t1","content":"sunny","cache_control":{"type":"ephemeral"}}"#)
        #expect(body["tools"].map { JSON.string($0) }
            == #"[{"name":"get_weather","input_schema":{"type":"object","properties":{}},"cache_control":{"type":"ephemeral"}}]"#)
    }

    @Test func prefillIsKeptAndAHistoryStartingWithTheAssistantGetsAPlaceholderUserTurn() throws {
        let prefill = F.call([F.user("Greek name for Sun? (A) Sol (B) Helios"), F.assistant([F.text("The best answer is (")])])
        let messages = F.body(try request(prefill))["messages"]?.arrayValue
        #expect(messages?.last.map { JSON.string($0) } == #"{"role":"assistant","content":[{"type":"text","text":"The best answer is ("}]}"#)

        let assistantFirst = F.call([.text(.system, "s"), F.assistant([F.text("Hello! How can I help?")]), F.user("Hi")])
        #expect(F.body(try request(assistantFirst))["messages"].map { JSON.string($0) } == F.compact(#"""
        [{"role":"user","content":[{"type":"text","text":"."}]},
         {"role":"assistant","content":[{"type":"text","text":"Hello! How can I help?"}]},
         {"role":"user","content":[{"type":"text","text":"Hi"}]}]
        """#))
        let systemOnly = F.call([.text(.system, "Say hi")])
        #expect(F.body(try request(systemOnly))["messages"].map { JSON.string($0) } == #"[{"role":"user","content":[{"type":"text","text":"."}]}]"#)
    }

    @Test func consecutiveSameRoleTurnsMergeAndToolResultsLeadTheirTurn() throws {
        let call = F.call([
            F.user("a"), F.user(""), F.user("b"),
            F.assistant([.toolCall(ToolCall(id: "c1", name: "f", arguments: "{}"))]),
            F.user("note before the result"),
            F.toolMessage("c1", [F.text("r")]),
            F.assistant([F.text("x")]), F.assistant([F.text("y")]),
        ])
        #expect(F.body(try request(call))["messages"].map { JSON.string($0) } == F.compact(#"""
        [{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
         {"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"f","input":{}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"r"},{"type":"text","text":"note before the result"}]},
         {"role":"assistant","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}]
        """#))
    }

    @Test func toolIDsAreSanitizedConsistentlyAndGeminiSignaturesRemoved() throws {
        let call = F.call([
            F.user("go"),
            F.assistant([.toolCall(ToolCall(id: "call.abc:1", name: "f", arguments: #"{"a":1}"#)),
                         .toolCall(ToolCall(id: "fc_1__thought__CiQBsignature", name: "g", arguments: "not json"))]),
            F.toolMessage("call.abc:1", [F.text("1")]),
            F.toolMessage("fc_1__thought__CiQBsignature", [F.text("2")]),
        ])
        let messages = F.body(try request(call))["messages"]?.arrayValue
        let uses = messages?[1]["content"]?.arrayValue ?? []
        let results = messages?[2]["content"]?.arrayValue ?? []
        let sanitized = try #require(uses.first?["id"]?.stringValue)
        #expect(sanitized.hasPrefix("call_abc_1_"))
        #expect(sanitized.utf8.count == "call_abc_1_".utf8.count + 12)
        #expect(sanitized.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        #expect(results.first?["tool_use_id"]?.stringValue == sanitized)
        #expect(uses.last?["id"] == "fc_1")
        #expect(uses.last?["input"] == .object([:]))  // invalid arguments: {} and a warning
        #expect(results.last?["tool_use_id"] == "fc_1")
        // Stable across requests: a pure function of the id.
        #expect(F.body(try request(call))["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first?["id"]?.stringValue == sanitized)
    }

    @Test func samplingParametersStopAndUser() throws {
        var call = F.call([F.user("hi")])
        call.maxTokens = 300
        call.temperature = 1.5
        call.topP = 0.9
        call.topK = 40
        call.stop = ["###", "END"]
        call.user = "user-42"
        call.stream = true
        call.includeUsage = true
        let spec = try request(call)
        #expect(F.bodyText(spec) == F.compact(#"""
        {"model":"claude-sonnet-4-5","max_tokens":300,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],
         "temperature":1,"top_p":0.9,"top_k":40,"stop_sequences":["###","END"],"metadata":{"user_id":"user-42"},"stream":true}
        """#))
        #expect(spec.header("accept") == "text/event-stream")
        call.temperature = -0.5
        #expect(F.body(try request(call))["temperature"] == 0)
    }

    @Test(arguments: [
        ("claude-opus-4-1-20250805", 32000), ("claude-opus-4-5", 32000), ("claude-sonnet-4-5-20250929", 64000),
        ("claude-sonnet-4@20250514", 64000), ("claude-3-7-sonnet-latest", 64000), ("claude-haiku-4-5", 64000),
        ("claude-3-5-sonnet-v2@20241022", 8192), ("claude-3-5-haiku-20241022", 8192), ("claude-3-opus-20240229", 4096),
        ("claude-3-haiku-20240307", 4096), ("some-compatible-model", 4096),
    ])
    func defaultMaxTokensByModelFamily(_ model: String, _ expected: Int) throws {
        #expect(AnthropicModelCatalog.defaultMaxTokens(for: model) == expected)
        #expect(F.body(try request(F.call([F.user("hi")]), target: F.target(model: model)))["max_tokens"] == JSONValue(expected))
    }

    @Test func toolsToolChoiceAndParallelCalls() throws {
        var call = F.call([F.user("hi")])
        call.tools = [ToolDefinition(name: "a", parameters: nil), ToolDefinition(name: "b", parameters: .object([:]), strict: false),
                      ToolDefinition(name: "c", parameters: ["properties": ["x": ["type": "integer"]]], strict: true)]
        #expect(F.body(try request(call))["tools"].map { JSON.string($0) } == F.compact(#"""
        [{"name":"a","input_schema":{"type":"object","properties":{}}},
         {"name":"b","input_schema":{"type":"object","properties":{}}},
         {"name":"c","input_schema":{"type":"object","properties":{"x":{"type":"integer"}}},"strict":true}]
        """#))
        #expect(F.body(try request(call))["tool_choice"] == nil)
        let cases: [(ToolChoice?, Bool?, String)] = [
            (.auto, nil, #"{"type":"auto"}"#), (ToolChoice.none, nil, #"{"type":"none"}"#),
            (.required, nil, #"{"type":"any"}"#), (.tool("b"), nil, #"{"type":"tool","name":"b"}"#),
            (nil, false, #"{"type":"auto","disable_parallel_tool_use":true}"#),
            (.required, false, #"{"type":"any","disable_parallel_tool_use":true}"#),
            (ToolChoice.none, false, #"{"type":"none"}"#), (nil, true, ""),
        ]
        for (choice, parallel, expected) in cases {
            call.toolChoice = choice
            call.parallelToolCalls = parallel
            #expect(F.body(try request(call))["tool_choice"].map { JSON.string($0) } ?? "" == expected)
        }
        var noTools = F.call([F.user("hi")])
        noTools.parallelToolCalls = false
        #expect(F.body(try request(noTools))["tool_choice"] == nil)
    }

    @Test func jsonSchemaBecomesAForcedToolAndJsonObjectAnInstruction() throws {
        var call = F.call([.text(.system, "Extract."), F.user("Ann, 31")])
        call.tools = [Self.weatherTool]
        call.toolChoice = .auto
        call.responseFormat = .jsonSchema(name: "person", schema: ["type": "object", "properties": ["name": ["type": "string"]]],
                                          strict: true, description: "A person")
        let body = F.body(try request(call))
        #expect(body["tools"]?.arrayValue?.last.map { JSON.string($0) }
            == #"{"name":"json_tool_call","description":"A person","input_schema":{"type":"object","properties":{"name":{"type":"string"}}}}"#)
        #expect(body["tool_choice"] == ["type": "tool", "name": "json_tool_call"])
        #expect(body["system"] == "Extract.")

        call.responseFormat = .jsonObject
        call.tools = []
        let object = F.body(try request(call))
        #expect(object["system"] == "Extract.\n\nRespond only with a JSON object.")
        #expect(object["tools"] == nil)
        var bare = F.call([F.user("x")])
        bare.responseFormat = .jsonObject
        #expect(F.body(try request(bare))["system"] == "Respond only with a JSON object.")
    }

    @Test func thinkingConstraints() throws {
        var call = F.call([F.user("think")])
        call.tools = [Self.weatherTool]
        call.reasoning = ReasoningConfig(effort: "high")
        call.maxTokens = 2000
        call.temperature = 0.7
        call.topK = 5
        call.topP = 0.5
        call.toolChoice = .required
        let body = F.body(try request(call))
        #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 4096])
        #expect(body["max_tokens"] == 8192)  // raised above the budget: budget + 4096 visible
        #expect(body["temperature"] == nil)
        #expect(body["top_k"] == nil)
        #expect(body["top_p"] == nil)
        #expect(body["tool_choice"] == ["type": "auto"])

        call.topP = 0.97
        call.toolChoice = .tool("get_weather")
        call.parallelToolCalls = false
        call.maxTokens = nil
        let kept = F.body(try request(call))
        #expect(kept["top_p"] == 0.97)
        #expect(kept["tool_choice"] == ["type": "auto", "disable_parallel_tool_use": true])
        #expect(kept["max_tokens"] == 64000)

        let budgets: [(ReasoningConfig, JSONValue?)] = [
            (ReasoningConfig(budgetTokens: 500), ["type": "enabled", "budget_tokens": 1024]),
            (ReasoningConfig(effort: "medium"), ["type": "enabled", "budget_tokens": 2048]),
            (ReasoningConfig(effort: "minimal"), ["type": "enabled", "budget_tokens": 1024]),
            (ReasoningConfig(budgetTokens: 10000), ["type": "enabled", "budget_tokens": 10000]),
            (ReasoningConfig(budgetTokens: -1), ["type": "enabled", "budget_tokens": 2048]),
            (ReasoningConfig(effort: "none"), nil), (ReasoningConfig(budgetTokens: 0), nil),
            (ReasoningConfig(includeThoughts: true), nil),
        ]
        for (reasoning, expected) in budgets {
            var c = F.call([F.user("q")])
            c.reasoning = reasoning
            #expect(F.body(try request(c))["thinking"] == expected)
        }
        var unknown = F.call([F.user("q")])
        unknown.reasoning = ReasoningConfig(effort: "extreme")
        #expect(F.error { _ = try request(unknown) }?.param == "reasoning_effort")
        #expect(F.body(try request(unknown, target: F.target(dropParams: true)))["thinking"] == nil)
    }

    @Test func thinkingIsLeftOutWhenTheLastAssistantToolTurnHasNoThinkingBlock() throws {
        let call = { (assistant: [ContentPart]) -> ChatCall in
            var c = F.call([F.user("q"), F.assistant(assistant), F.toolMessage("t1", [F.text("r")])])
            c.reasoning = ReasoningConfig(effort: "low")
            c.responseFormat = .jsonSchema(name: "x", schema: ["type": "object"], strict: nil, description: nil)
            return c
        }
        let toolUse = ContentPart.toolCall(ToolCall(id: "t1", name: "f", arguments: "{}"))
        // An OpenAI client cannot send thinking blocks back: that turn runs without thinking (and the
        // json_schema tool, no longer in conflict with thinking, is used).
        let unsigned = F.body(try request(call([.reasoning(ReasoningPart(text: "openai reasoning")), F.text("Let me call."), toolUse])))
        #expect(unsigned["thinking"] == nil)
        #expect(unsigned["tool_choice"] == ["type": "tool", "name": "json_tool_call"])
        #expect(try F.adapter.parseResponse(Array(#"{"type":"message","content":[{"type":"tool_use","id":"x","name":"json_tool_call","input":{}}],"stop_reason":"tool_use"}"#.utf8),
                                        for: call([toolUse]), target: F.target()).text == "{}")
        // Signed thinking first: Anthropic accepts thinking.
        let signed = call([.reasoning(ReasoningPart(text: "t", signature: ProviderSignature(family: .anthropic, value: "s"))), toolUse])
        #expect(F.error { _ = try request(signed) }?.param == "response_format")
        var plain = signed
        plain.responseFormat = nil
        #expect(F.body(try request(plain))["thinking"] == ["type": "enabled", "budget_tokens": 1024])
    }

    @Test func jsonSchemaWithThinkingIsUnsupported() throws {
        var call = F.call([F.user("q")])
        call.reasoning = ReasoningConfig(budgetTokens: 2048)
        call.responseFormat = .jsonSchema(name: "x", schema: ["type": "object"], strict: nil, description: nil)
        let error = F.error { _ = try request(call) }
        #expect(error?.status == 400)
        #expect(error?.param == "response_format")
        let dropped = F.body(try request(call, target: F.target(dropParams: true)))
        #expect(dropped["thinking"] == ["type": "enabled", "budget_tokens": 2048])
        #expect(dropped["tools"] == nil)
        #expect(dropped["tool_choice"] == nil)
    }

    @Test(arguments: [("n", 0), ("seed", 1), ("presence_penalty", 2), ("frequency_penalty", 3), ("logprobs", 4)])
    func dropParamsOffNamesTheParameterAndOnDropsIt(_ name: String, _ which: Int) throws {
        var call = F.call([F.user("hi")])
        switch which {
        case 0: call.candidateCount = 2
        case 1: call.seed = 7
        case 2: call.presencePenalty = 0.5
        case 3: call.frequencyPenalty = 0.5
        default: call.extras = [ProviderExtra(family: .openAI, name: "logprobs", value: true)]
        }
        let error = F.error { _ = try request(call) }
        #expect(error?.status == 400)
        #expect(error?.code == "unsupported_parameter")
        #expect(error?.param == name)
        #expect(error?.message.contains("anthropic does not support the parameter '\(name)'") == true)
        let body = F.bodyText(try request(call, target: F.target(dropParams: true)))
        #expect(body == #"{"model":"claude-sonnet-4-5","max_tokens":64000,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#)
    }

    @Test func extrasAddressedToAnthropicAreWrittenVerbatimAndAdvisoryForeignOnesDropped() throws {
        var call = F.call([F.user("hi")])
        call.candidateCount = 1
        call.user = "u1"
        call.extras = [
            ProviderExtra(family: .anthropic, name: "service_tier", value: "auto", droppable: true),
            ProviderExtra(family: .anthropic, name: "metadata", value: ["session": "s9"]),
            ProviderExtra(family: .anthropic, name: "container", value: "container_01"),
            ProviderExtra(family: .openAI, name: "store", value: true, droppable: true),
        ]
        let body = F.body(try request(call))
        #expect(body["service_tier"] == "auto")
        #expect(body["metadata"].map { JSON.string($0) } == #"{"user_id":"u1","session":"s9"}"#)
        #expect(body["container"] == "container_01")
        #expect(body["store"] == nil)
        #expect(body["n"] == nil)
    }

    @Test func nativeRequestPassesTheClientBodyThrough() throws {
        let client = #"{"model":"claude-alias","max_tokens":1024,"x_unknown":{"keep":[1,2.50]},"messages":[{"role":"user","content":"Hi"}],"stream":true}"#
        let native = NativeChat(family: .anthropic, body: try #require(try JSON.parse(client).objectValue), model: "claude-alias",
                                stream: true, familyHeaders: [("anthropic-version", "2023-06-01"),
                                                              ("anthropic-beta", "interleaved-thinking-2025-05-14")])
        let spec = try F.adapter.makeNativeRequest(native, target: F.target(model: "claude-sonnet-4-5-20250929"))
        #expect(F.bodyText(spec)
            == #"{"model":"claude-sonnet-4-5-20250929","max_tokens":1024,"x_unknown":{"keep":[1,2.50]},"messages":[{"role":"user","content":"Hi"}],"stream":true}"#)
        #expect(spec.url == "https://api.anthropic.com/v1/messages")
        #expect(spec.header("x-api-key") == F.key)
        #expect(spec.header("anthropic-version") == "2023-06-01")
        #expect(spec.header("anthropic-beta") == "interleaved-thinking-2025-05-14")
        #expect(spec.header("accept") == "text/event-stream")

        let noVersion = NativeChat(family: .anthropic, body: native.body, model: "claude-alias", stream: false)
        #expect(try F.adapter.makeNativeRequest(noVersion, target: F.target()).header("anthropic-version") == "2023-06-01")

        let vertex = AnthropicAdapter(profile: F.profile, dialect: .vertex(project: "p", location: "global"))
        let vspec = try vertex.makeNativeRequest(native, target: UpstreamTarget(profile: F.profile, model: "claude-opus-4-1", apiBase: "", apiKey: "tok"))
        #expect(vspec.url == "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4-1:streamRawPredict")
        #expect(F.bodyText(vspec)
            == #"{"max_tokens":1024,"x_unknown":{"keep":[1,2.50]},"messages":[{"role":"user","content":"Hi"}],"stream":true,"anthropic_version":"vertex-2023-10-16"}"#)
        #expect(vspec.header("anthropic-beta") == "interleaved-thinking-2025-05-14")
        #expect(vspec.header("anthropic-version") == nil)
        #expect(vspec.header("authorization") == "Bearer tok")
    }

    @Test func countTokensRequests() throws {
        let body: JSONObject = ["model": "claude-x", "messages": [["role": "user", "content": "Hi"]]]
        let native = NativeChat(family: .anthropic, body: body, model: "claude-x", stream: false)
        let spec = try F.adapter.makeCountTokensRequest(native, target: F.target())
        #expect(spec.url == "https://api.anthropic.com/v1/messages/count_tokens")
        #expect(F.bodyText(spec) == #"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}"#)
        let vertex = AnthropicAdapter(profile: F.profile, dialect: .vertex(project: "p", location: "us-east5"))
        let vspec = try vertex.makeCountTokensRequest(native, target: UpstreamTarget(profile: F.profile, model: "claude-opus-4-1", apiBase: "", apiKey: "t"))
        #expect(vspec.url == "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict")
        #expect(F.bodyText(vspec)
            == #"{"model":"claude-opus-4-1","messages":[{"role":"user","content":"Hi"}],"anthropic_version":"vertex-2023-10-16"}"#)
    }

    @Test func systemMessagesWithMediaAreRejected() {
        let call = F.call([ChatMessage(role: .system, parts: [.image(MediaPart(source: .url("https://x/y.png", mediaType: nil)))]), F.user("hi")])
        #expect(F.error { _ = try request(call) }?.status == 400)
    }

    @Test func base64RoundTripsAndRejectsNonBase64() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "héllo wörld ✓"] {
            let encoded = Base64.encode(Array(text.utf8))
            #expect(Base64.decode(encoded).map { String(decoding: $0, as: UTF8.self) } == text)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm8") == Array("fo".utf8))
        #expect(Base64.decode("Zm9v\nYmFy") == Array("foobar".utf8))
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zm8=x") == nil)
        #expect(Base64.decode("Zm8*") == nil)
    }
}
