import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini requests: canonical → generateContent")
struct GeminiRequestTests {
    @Test func instructionsTurnsAndMergingGolden() throws {
        let call = chat([
            .text(.system, "You are terse."),
            .text(.user, "Hi"),
            .text(.developer, "Answer in French."),
            .text(.user, "Weather in Paris?"),
            .text(.assistant, ""),  // an empty turn is never sent
            .text(.assistant, "Il fait beau."),
            .text(.assistant, "Vraiment."),
            .text(.user, "Merci"),
        ])
        let body = try geminiBody(call)
        #expect(JSONValue.object(body) == json("""
            {"contents":[
              {"role":"user","parts":[{"text":"Hi"},{"text":"Weather in Paris?"}]},
              {"role":"model","parts":[{"text":"Il fait beau."},{"text":"Vraiment."}]},
              {"role":"user","parts":[{"text":"Merci"}]}],
             "systemInstruction":{"parts":[{"text":"You are terse."},{"text":"Answer in French."}]}}
            """))
        #expect(body.keys == ["contents", "systemInstruction"])
    }

    @Test func instructionsAloneBecomeTheUserTurn() throws {
        let body = try geminiBody(chat([.text(.system, "Say hi."), .text(.user, "")]))
        #expect(JSONValue.object(body) == json(#"{"contents":[{"role":"user","parts":[{"text":"Say hi."}]}]}"#))
    }

    @Test func requestShapeAndHeaders() throws {
        let spec = try gemini.makeRequest(chat([.text(.user, "x")]), target: geminiTarget(model: "models/gemini-2.5-flash"))
        #expect(spec.method == "POST")
        #expect(spec.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(spec.header("x-goog-api-key") == geminiKey)
        #expect(spec.header("authorization") == nil)
        #expect(spec.header("accept") == "application/json")
        #expect(spec.header("content-type") == "application/json")

        let stream = try gemini.makeRequest(chat([.text(.user, "x")]) { $0.stream = true }, target: geminiTarget())
        #expect(stream.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        #expect(stream.header("accept") == "text/event-stream")
    }

    @Test func toolRoundTripWithIdsNamesAndParallelCalls() throws {
        let signed = SignedToolCallID.embed(ToolCall(id: "call_a1", name: "get_weather", arguments: "",
                                                     signature: ProviderSignature(family: .gemini, value: "SIG-A")))
        let call = chat([
            .text(.user, "Weather in Paris and Rome?"),
            ChatMessage(role: .assistant, parts: [
                .text(TextPart("Checking.")),
                // The client echoed the id with the signature inside it (an OpenAI client has no field for it).
                .toolCall(ToolCall(id: signed, name: "get_weather", arguments: #"{"city":"Paris"}"#)),
                // Gemini issued this id itself: it goes back in functionCall.id and functionResponse.id.
                .toolCall(ToolCall(id: "gx7Kp2", name: "get_time", arguments: #"{"city":"Rome"}"#)),
            ]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: signed, content: [.text(TextPart(#"{"temp_c":18}"#))]))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "gx7Kp2", content: [.text(TextPart("14:05"))]))]),
            .text(.user, "And tomorrow?"),
        ])
        let body = try geminiBody(call)
        #expect(body["contents"] == json("""
            [{"role":"user","parts":[{"text":"Weather in Paris and Rome?"}]},
             {"role":"model","parts":[
               {"text":"Checking."},
               {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"SIG-A"},
               {"functionCall":{"id":"gx7Kp2","name":"get_time","args":{"city":"Rome"}}}]},
             {"role":"user","parts":[
               {"functionResponse":{"name":"get_weather","response":{"output":{"temp_c":18}}}},
               {"functionResponse":{"id":"gx7Kp2","name":"get_time","response":{"output":"14:05"}}},
               {"text":"And tomorrow?"}]}]
            """))
    }

    @Test func toolSignatureOnTheCallItselfIsReattached() throws {
        let call = chat([
            .text(.user, "q"),
            ChatMessage(role: .assistant, parts: [
                .toolCall(ToolCall(id: "call_1", name: "f", arguments: "{}", signature: ProviderSignature(family: .gemini, value: "S1"))),
                .toolCall(ToolCall(id: "call_2", name: "f", arguments: "{}",
                                   signature: ProviderSignature(family: .anthropic, value: "not-for-gemini"))),
            ]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[1]["parts"]?.arrayValue)
        #expect(parts[0]["thoughtSignature"] == "S1")
        #expect(parts[1]["thoughtSignature"] == nil)
    }

    /// Gemini 3 rejects a model turn whose first functionCall has no signature; a call another family
    /// made gets Google's placeholder, and only the first call of the turn needs one.
    @Test func foreignFirstCallsCarryThePlaceholderSignature() throws {
        let call = chat([
            .text(.user, "q"),
            ChatMessage(role: .assistant, parts: [
                .toolCall(ToolCall(id: "toolu_1", name: "f", arguments: "{}")),
                .toolCall(ToolCall(id: "toolu_2", name: "f", arguments: "{}")),
            ]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "toolu_1", content: [.text(TextPart("a"))]))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "toolu_2", content: [.text(TextPart("b"))]))]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[1]["parts"]?.arrayValue)
        #expect(parts[0]["thoughtSignature"] == "skip_thought_signature_validator")
        #expect(parts[1]["thoughtSignature"] == nil)
    }

    @Test func urlSafeBase64FromGoogleClientsBecomesStandard() {
        #expect(Base64.standard("ab-_cd") == "ab+/cd==")
        #expect(Base64.standard("iVBORw0KGgo=") == "iVBORw0KGgo=")
        #expect(Base64.standard("abc") == "abc=")
        #expect(Base64.standard("iVBOR") == "iVBOR")
    }

    @Test func toolResultNameFromTheResultWhenNoCallIsKnown() throws {
        let call = chat([
            .text(.user, "q"),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "toolu_9", name: "lookup", content: [.text(TextPart("ok"))]))]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[0]["parts"]?.arrayValue)
        // One user turn: the function response first, so it directly follows the (earlier) calls.
        #expect(parts == [json(#"{"functionResponse":{"name":"lookup","response":{"output":"ok"}}}"#), json(#"{"text":"q"}"#)])
    }

    @Test func toolResultWithoutAnyNameIsA400() {
        let call = chat([ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "call_zz", content: []))])])
        #expect(throws: GatewayError.self) { try geminiBody(call) }
        do {
            _ = try geminiBody(call)
        } catch let error as GatewayError {
            #expect(error.status == 400)
            #expect(error.message.contains("call_zz"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func failedToolResultGoesUnderError() throws {
        let call = chat([
            ChatMessage(role: .assistant, parts: [.toolCall(ToolCall(id: "call_1", name: "f", arguments: "{}"))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "call_1", content: [.text(TextPart("boom"))], isError: true))]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[1]["parts"]?.arrayValue)
        #expect(parts[0]["functionResponse"]?["response"] == json(#"{"error":"boom"}"#))
    }

    /// litellm #23712: images inside tool results silently dropped on the way to Gemini.
    @Test func imagesInsideToolResultsAreKept() throws {
        let image = MediaPart(source: .base64(mediaType: "image/png", data: "iVBORw0KGgo="))
        let call = chat([
            ChatMessage(role: .assistant, parts: [
                .toolCall(ToolCall(id: "call_1", name: "screenshot", arguments: "{}")),
                .toolCall(ToolCall(id: "call_2", name: "screenshot", arguments: "{}")),
            ]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "call_1", content: [.text(TextPart("first")), .image(image)]))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "call_2", content: [
                .image(MediaPart(source: .url("https://example.com/b.webp", mediaType: nil)))]))]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[1]["parts"]?.arrayValue)
        #expect(parts == json("""
            [{"functionResponse":{"name":"screenshot","response":{"output":"first"}}},
             {"functionResponse":{"name":"screenshot","response":{"output":""}}},
             {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
             {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/b.webp"}}]
            """).arrayValue)
    }

    @Test func geminiThoughtsAreReplayedOthersAreNot() throws {
        let call = chat([
            .text(.user, "q"),
            ChatMessage(role: .assistant, parts: [
                .reasoning(ReasoningPart(text: "Let me think.", signature: ProviderSignature(family: .gemini, value: "T1"))),
                .reasoning(ReasoningPart(text: "Claude thought", signature: ProviderSignature(family: .anthropic, value: "A1"))),
                .reasoning(ReasoningPart(text: "unsigned summary")),
                .reasoning(ReasoningPart(text: "", signature: ProviderSignature(family: .gemini, value: "T2"))),
                .text(TextPart("Answer.")),
            ]),
        ])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[1]["parts"]?.arrayValue)
        #expect(parts == json("""
            [{"text":"Let me think.","thought":true,"thoughtSignature":"T1"},
             {"text":"Answer.","thoughtSignature":"T2"}]
            """).arrayValue)
    }

    @Test func userMedia() throws {
        let call = chat([ChatMessage(role: .user, parts: [
            .text(TextPart("look")),
            .image(MediaPart(source: .base64(mediaType: "image/jpeg", data: "/9j/4AAQ"))),
            .image(MediaPart(source: .url("https://example.com/cat.PNG?sig=1", mediaType: nil))),
            .image(MediaPart(source: .url("https://example.com/render", mediaType: nil))),
            .image(MediaPart(source: .url("gs://bucket/photo", mediaType: "image/heic"))),
            .audio(MediaPart(source: .base64(mediaType: "wav", data: "UklGR"))),
            .audio(MediaPart(source: .base64(mediaType: "mp3", data: "SUQz"))),
            .file(MediaPart(source: .base64(mediaType: "application/pdf", data: "JVBERi0="), filename: "a.pdf")),
            .file(MediaPart(source: .url("https://example.com/doc.pdf", mediaType: nil))),
        ])])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[0]["parts"]?.arrayValue)
        #expect(parts == json("""
            [{"text":"look"},
             {"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}},
             {"fileData":{"mimeType":"image/png","fileUri":"https://example.com/cat.PNG?sig=1"}},
             {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/render"}},
             {"fileData":{"mimeType":"image/heic","fileUri":"gs://bucket/photo"}},
             {"inlineData":{"mimeType":"audio/wav","data":"UklGR"}},
             {"inlineData":{"mimeType":"audio/mp3","data":"SUQz"}},
             {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}},
             {"fileData":{"mimeType":"application/pdf","fileUri":"https://example.com/doc.pdf"}}]
            """).arrayValue)
    }

    @Test func providerFileIDsFollowDropParams() throws {
        let call = chat([ChatMessage(role: .user, parts: [.text(TextPart("read")), .file(MediaPart(source: .fileID("file-abc")))])])
        #expect(throws: GatewayError.unsupportedParameter("file_id", provider: "gemini")) { try geminiBody(call) }
        let dropped = try geminiBody(call, target: geminiTarget(drop: true))
        #expect(dropped["contents"] == json(#"[{"role":"user","parts":[{"text":"read"}]}]"#))
    }

    @Test func generationConfig() throws {
        let call = chat([.text(.user, "x")]) {
            $0.maxTokens = 256
            $0.temperature = 0.7
            $0.topP = 0.95
            $0.topK = 40
            $0.stop = ["END", "STOP"]
            $0.candidateCount = 2
            $0.seed = 7
            $0.presencePenalty = 0.5
            $0.frequencyPenalty = -0.25
            $0.user = "end-user-1"  // advisory: dropped
        }
        let body = try geminiBody(call)
        #expect(body["generationConfig"] == json("""
            {"maxOutputTokens":256,"temperature":0.7,"topP":0.95,"topK":40,"stopSequences":["END","STOP"],
             "candidateCount":2,"seed":7,"presencePenalty":0.5,"frequencyPenalty":-0.25}
            """))
        #expect(!utf8(JSON.serialize(.object(body))).contains("end-user-1"))
    }

    @Test func responseFormats() throws {
        let object = try geminiBody(chat([.text(.user, "x")]) { $0.responseFormat = .jsonObject })
        #expect(object["generationConfig"] == json(#"{"responseMimeType":"application/json"}"#))

        let schema = json("""
            {"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
             "properties":{"city":{"$ref":"#/$defs/City"},"note":{"anyOf":[{"type":"string"},{"type":"null"}]}},
             "required":["city","note"],
             "$defs":{"City":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}
            """)
        let structured = try geminiBody(chat([.text(.user, "x")]) {
            $0.responseFormat = .jsonSchema(name: "answer", schema: schema, strict: true, description: nil)
        })
        #expect(structured["generationConfig"] == json("""
            {"responseMimeType":"application/json",
             "responseSchema":{"type":"OBJECT",
               "properties":{"city":{"type":"OBJECT","properties":{"name":{"type":"STRING"}},"required":["name"]},
                             "note":{"type":"STRING","nullable":true}},
               "required":["city","note"],"propertyOrdering":["city","note"]}}
            """))
        #expect(try geminiBody(chat([.text(.user, "x")]) { $0.responseFormat = .text })["generationConfig"] == nil)
    }

    @Test func toolsAndToolChoice() throws {
        let tools = [
            ToolDefinition(name: "get_weather", description: "Current weather",
                           parameters: json(#"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"#),
                           strict: true),
            ToolDefinition(name: "ping"),
            ToolDefinition(name: "noop", parameters: json(#"{"type":"object","properties":{}}"#)),
        ]
        let body = try geminiBody(chat([.text(.user, "x")]) { $0.tools = tools; $0.toolChoice = .auto })
        #expect(body["tools"] == json("""
            [{"functionDeclarations":[
              {"name":"get_weather","description":"Current weather",
               "parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}},"required":["city"]}},
              {"name":"ping","parameters":{"type":"OBJECT"}},
              {"name":"noop","parameters":{"type":"OBJECT"}}]}]
            """))
        #expect(body["toolConfig"] == json(#"{"functionCallingConfig":{"mode":"AUTO"}}"#))
    }

    @Test(arguments: [
        (ToolChoice.auto, #"{"mode":"AUTO"}"#),
        (ToolChoice.none, #"{"mode":"NONE"}"#),
        (ToolChoice.required, #"{"mode":"ANY"}"#),
        (ToolChoice.tool("f"), #"{"mode":"ANY","allowedFunctionNames":["f"]}"#),
    ])
    func toolChoiceModes(_ choice: ToolChoice, _ expected: String) throws {
        let body = try geminiBody(chat([.text(.user, "x")]) { $0.tools = [ToolDefinition(name: "f")]; $0.toolChoice = choice })
        #expect(body["toolConfig"]?["functionCallingConfig"] == json(expected))
    }

    @Test func toolChoiceWithoutToolsIsNotSent() throws {
        #expect(try geminiBody(chat([.text(.user, "x")]) { $0.toolChoice = .required })["toolConfig"] == nil)
    }

    @Test func parallelToolCallsFalseHasNoEquivalent() throws {
        let call = chat([.text(.user, "x")]) { $0.parallelToolCalls = false }
        #expect(throws: GatewayError.unsupportedParameter("parallel_tool_calls", provider: "gemini")) { try geminiBody(call) }
        #expect(try geminiBody(call, target: geminiTarget(drop: true))["generationConfig"] == nil)
        #expect(try geminiBody(chat([.text(.user, "x")]) { $0.parallelToolCalls = true }).keys == ["contents"])
    }

    @Test(arguments: [
        (ReasoningConfig(effort: "high"), #"{"thinkingBudget":4096,"includeThoughts":true}"#),
        (ReasoningConfig(effort: "low"), #"{"thinkingBudget":1024,"includeThoughts":true}"#),
        (ReasoningConfig(budgetTokens: 3000, includeThoughts: false), #"{"thinkingBudget":3000,"includeThoughts":false}"#),
        (ReasoningConfig(effort: "none"), #"{"thinkingBudget":0}"#),
        (ReasoningConfig(budgetTokens: 0), #"{"thinkingBudget":0}"#),
        (ReasoningConfig(includeThoughts: true), #"{"includeThoughts":true}"#),
    ])
    func thinking(_ reasoning: ReasoningConfig, _ expected: String) throws {
        let body = try geminiBody(chat([.text(.user, "x")]) { $0.reasoning = reasoning })
        #expect(body["generationConfig"]?["thinkingConfig"] == json(expected))
    }

    @Test func foreignExtrasNameTheParameterUnlessDropped() throws {
        let call = chat([.text(.user, "x")]) {
            $0.extras = [
                ProviderExtra(family: .openAI, name: "store", value: true, droppable: true),
                ProviderExtra(family: .openAI, name: "logprobs", value: true),
            ]
        }
        #expect(throws: GatewayError.unsupportedParameter("logprobs", provider: "gemini")) { try geminiBody(call) }
        let dropped = try geminiBody(call, target: geminiTarget(drop: true))
        #expect(dropped.keys == ["contents"])
        var advisoryOnly = call
        advisoryOnly.extras.removeLast()
        #expect(try geminiBody(advisoryOnly).keys == ["contents"])
    }

    @Test func geminiExtrasAreWrittenVerbatimAndNested() throws {
        let call = chat([.text(.user, "x")]) {
            $0.temperature = 0.2
            $0.tools = [ToolDefinition(name: "f")]
            $0.toolChoice = .auto
            $0.extras = [
                ProviderExtra(family: .gemini, name: "safetySettings",
                              value: json(#"[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}]"#),
                              droppable: true),
                ProviderExtra(family: .gemini, name: "cachedContent", value: "cachedContents/abc"),
                ProviderExtra(family: .gemini, name: "generationConfig.responseModalities", value: ["TEXT"]),
                ProviderExtra(family: .gemini, name: "toolConfig.retrievalConfig", value: json(#"{"latLng":{"latitude":1}}"#)),
                ProviderExtra(family: .gemini, name: "tools.googleSearch", value: .object([:])),
            ]
        }
        let body = try geminiBody(call)
        #expect(body["safetySettings"]?.arrayValue?.count == 1)
        #expect(body["cachedContent"] == "cachedContents/abc")
        #expect(body["generationConfig"] == json(#"{"temperature":0.2,"responseModalities":["TEXT"]}"#))
        #expect(body["toolConfig"] == json(#"{"functionCallingConfig":{"mode":"AUTO"},"retrievalConfig":{"latLng":{"latitude":1}}}"#))
        #expect(body["tools"] == json(#"[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT"}}]},{"googleSearch":{}}]"#))
    }

    @Test func invalidToolArgumentsBecomeAnEmptyObject() throws {
        let call = chat([ChatMessage(role: .assistant, parts: [
            .toolCall(ToolCall(id: "call_1", name: "f", arguments: "{not json")),
            .toolCall(ToolCall(id: "call_2", name: "g", arguments: "")),
            .toolCall(ToolCall(id: "call_3", name: "h", arguments: "[1]")),
        ])])
        let parts = try #require(try geminiBody(call)["contents"]?.arrayValue?[0]["parts"]?.arrayValue)
        #expect(parts.map { $0["functionCall"]?["args"] } == [json("{}"), json("{}"), json(#"{"value":[1]}"#)])
    }

    @Test func vertexUsesBearerAuthAndRolesEverywhere() throws {
        let call = chat([
            .text(.system, "s"),
            .text(.user, "q"),
            ChatMessage(role: .assistant, parts: [.toolCall(ToolCall(id: "call_1", name: "f", arguments: "{}"))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "call_1", content: [.text(TextPart("r"))]))]),
        ]) { $0.stream = true }
        let spec = try vertex.makeRequest(call, target: vertexTarget())
        #expect(spec.url == "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1"
                + "/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse")
        #expect(spec.header("authorization") == "Bearer ya29.ACCESS-TOKEN-abcdef")
        #expect(spec.header("x-goog-api-key") == nil)
        let contents = try #require(try bodyObject(spec)["contents"]?.arrayValue)
        #expect(contents.count == 3)
        #expect(contents.allSatisfy { $0["role"]?.stringValue != nil })
        #expect(contents.map { $0["role"] } == ["user", "model", "user"])
    }

    @Test func familyHeadersAndDeploymentHeaders() throws {
        let target = geminiTarget(headers: [("X-Goog-User-Project", "billing-proj"), ("Accept", "application/json")])
        let call = chat([.text(.user, "x")]) {
            $0.extraHeaders = [ProviderHeader(family: .gemini, name: "X-Server-Timeout", value: "60"),
                               ProviderHeader(family: .anthropic, name: "anthropic-beta", value: "x")]
        }
        let spec = try gemini.makeRequest(call, target: target)
        #expect(spec.header("x-goog-user-project") == "billing-proj")
        #expect(spec.header("x-server-timeout") == "60")
        #expect(spec.header("anthropic-beta") == nil)
        #expect(spec.headers.allSatisfy { $0.0 == $0.0.lowercased() })
    }
}
