import Testing
import RouteroCore
import RouteroProviders
import RouteroFrontEnds

/// Parses JSON test text (fixtures are valid by construction).
func json(_ text: String) -> JSONValue {
    do { return try JSON.parse(text) } catch { Issue.record("fixture is not JSON: \(error)"); return .null }
}

func object(_ text: String) -> JSONObject { json(text).objectValue ?? [:] }

func utf8(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

let geminiFrontEnd = GeminiFrontEnd()

/// The canonical call for a Gemini client body.
func canonical(_ body: String, model: String = "models/gemini-2.5-flash", stream: Bool = false) throws -> ChatCall {
    let native = try geminiFrontEnd.decodeNative(object(body), request: InboundRequestFacts(pathModel: model, streamFromPath: stream))
    return try geminiFrontEnd.canonical(native)
}

@Suite("Gemini front-end: client requests → canonical")
struct GeminiFrontEndRequestTests {
    @Test func nativeFactsComeFromTheURL() throws {
        let body = object(#"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#)
        let native = try geminiFrontEnd.decodeNative(body, request: InboundRequestFacts(
            pathModel: "models/gemini-2.5-pro", streamFromPath: true, sseFraming: false))
        #expect(native.family == .gemini)
        #expect(native.model == "gemini-2.5-pro")
        #expect(native.stream)
        #expect(!native.sseFraming)
        #expect(native.body == body)
        #expect(try geminiFrontEnd.decodeNative(body, request: InboundRequestFacts(pathModel: "tunedModels/t1")).model == "tunedModels/t1")
    }

    @Test(arguments: [
        #"{}"#, #"{"contents":[]}"#, #"{"contents":{}}"#, #"{"contents":["text"]}"#,
        #"{"contents":[{"parts":{"text":"x"}}]}"#,
    ])
    func contentsAreValidatedLikeGoogle(_ body: String) {
        do {
            _ = try geminiFrontEnd.decodeNative(object(body), request: InboundRequestFacts(pathModel: "m"))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == "contents")
        }
    }

    @Test func theModelMustBeInThePath() {
        #expect(throws: GatewayError.self) {
            try geminiFrontEnd.decodeNative(object(#"{"contents":[{"parts":[{"text":"x"}]}]}"#), request: InboundRequestFacts())
        }
    }

    @Test func conversationGolden() throws {
        let call = try canonical("""
            {"systemInstruction":{"parts":[{"text":"You are terse."},{"text":"Use metric."}]},
             "contents":[
               {"role":"user","parts":[{"text":"Weather in Paris and Rome?"},
                                       {"inlineData":{"mimeType":"image/png","data":"iVBOR"}},
                                       {"inline_data":{"mime_type":"audio/wav","data":"UklGR"}},
                                       {"fileData":{"mimeType":"application/pdf","fileUri":"gs://b/doc.pdf"}}]},
               {"role":"model","parts":[
                  {"text":"Thinking.","thought":true,"thoughtSignature":"T1"},
                  {"text":"Checking."},
                  {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"S1"},
                  {"functionCall":{"id":"fc-rome","name":"get_weather","args":{"city":"Rome"}}}]},
               {"role":"user","parts":[
                  {"functionResponse":{"id":"fc-rome","name":"get_weather","response":{"output":{"temp_c":21}}}},
                  {"functionResponse":{"name":"get_weather","response":{"output":"18C"}}},
                  {"text":"Thanks"}]}]}
            """)
        let paris = GeminiIDs.toolCall(seed: "gemini-history:1:0:get_weather")
        #expect(call.model == "gemini-2.5-flash")
        #expect(call.messages == [
            ChatMessage(role: .system, parts: [.text(TextPart("You are terse.")), .text(TextPart("Use metric."))]),
            ChatMessage(role: .user, parts: [
                .text(TextPart("Weather in Paris and Rome?")),
                .image(MediaPart(source: .base64(mediaType: "image/png", data: "iVBOR"))),
                .audio(MediaPart(source: .base64(mediaType: "audio/wav", data: "UklGR"))),
                .file(MediaPart(source: .url("gs://b/doc.pdf", mediaType: "application/pdf"))),
            ]),
            ChatMessage(role: .assistant, parts: [
                .reasoning(ReasoningPart(text: "Thinking.", signature: ProviderSignature(family: .gemini, value: "T1"))),
                .text(TextPart("Checking.")),
                .toolCall(ToolCall(id: paris, name: "get_weather", arguments: #"{"city":"Paris"}"#,
                                   signature: ProviderSignature(family: .gemini, value: "S1"))),
                .toolCall(ToolCall(id: "fc-rome", name: "get_weather", arguments: #"{"city":"Rome"}"#)),
            ]),
            // Paired by id first, then by name with the oldest unanswered call.
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: "fc-rome", name: "get_weather",
                                                                    content: [.text(TextPart(#"{"temp_c":21}"#))]))]),
            ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: paris, name: "get_weather",
                                                                    content: [.text(TextPart("18C"))]))]),
            ChatMessage(role: .user, parts: [.text(TextPart("Thanks"))]),
        ])
    }

    @Test func generatedCallIDsAreStableAcrossRequests() throws {
        let body = #"{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}},{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":1}}},{"functionResponse":{"name":"f","response":{"output":2}}}]}]}"#
        let first = try canonical(body), second = try canonical(body)
        #expect(first == second)
        let calls = first.messages[1].toolCalls
        #expect(calls.count == 2 && calls[0].id != calls[1].id)
        let answered = first.messages.compactMap { message -> String? in
            if case .toolResult(let result)? = message.parts.first { result.callID } else { nil }
        }
        #expect(answered == calls.map(\.id))
    }

    @Test func functionResponseShapes() throws {
        let call = try canonical("""
            {"contents":[{"role":"user","parts":[
               {"functionResponse":{"name":"a","response":{"error":{"code":"ENOENT"}}}},
               {"functionResponse":{"name":"b","response":{"result":"x","extra":1}}},
               {"functionResponse":{"name":"c","response":{"output":"shot"},
                  "parts":[{"inlineData":{"mimeType":"image/jpeg","data":"/9j/"}}]}}]}]}
            """)
        let results = call.messages.compactMap { message -> ToolResult? in
            if case .toolResult(let result)? = message.parts.first { result } else { nil }
        }
        #expect(results.count == 3)
        #expect(results[0].isError && results[0].text == #"{"code":"ENOENT"}"#)
        #expect(!results[1].isError && results[1].text == #"{"result":"x","extra":1}"#)
        #expect(results[2].content == [.text(TextPart("shot")), .image(MediaPart(source: .base64(mediaType: "image/jpeg", data: "/9j/")))])
        // No call to pair with: a stable generated id.
        #expect(results.allSatisfy { $0.callID.hasPrefix("call_") })
    }

    @Test func generationConfigReadBackwards() throws {
        let call = try canonical("""
            {"contents":[{"parts":[{"text":"x"}]}],
             "generationConfig":{"temperature":0.7,"topP":0.95,"topK":40,"maxOutputTokens":1024,"stopSequences":["END"],
               "candidateCount":1,"seed":7,"presencePenalty":0.1,"frequencyPenalty":0.2,
               "thinkingConfig":{"thinkingBudget":2048,"includeThoughts":true}}}
            """, stream: true)
        #expect(call.temperature == 0.7)
        #expect(call.topP == 0.95)
        #expect(call.topK == 40)
        #expect(call.maxTokens == 1024)
        #expect(call.stop == ["END"])
        #expect(call.candidateCount == 1)
        #expect(call.seed == 7)
        #expect(call.presencePenalty == 0.1)
        #expect(call.frequencyPenalty == 0.2)
        #expect(call.reasoning == ReasoningConfig(budgetTokens: 2048, includeThoughts: true))
        #expect(call.stream && call.includeUsage)
        #expect(call.extras.isEmpty)

        let snake = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generation_config":{"max_output_tokens":"64","stop_sequences":"STOP","thinking_config":{"thinking_budget":-1,"thinking_level":"LOW"}}}"#)
        #expect(snake.maxTokens == 64)
        #expect(snake.stop == ["STOP"])
        #expect(snake.reasoning == ReasoningConfig(effort: "low"))
    }

    @Test func badConfigValuesAre400s() {
        #expect(throws: GatewayError.self) {
            try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"temperature":"hot"}}"#)
        }
        #expect(throws: GatewayError.self) {
            try canonical(#"{"contents":[{"role":"system","parts":[{"text":"x"}]}]}"#)
        }
    }

    @Test func structuredOutput() throws {
        let gemini = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING","nullable":true}}}}}"#)
        #expect(gemini.responseFormat == .jsonSchema(name: "response",
                                                     schema: json(#"{"type":"object","properties":{"a":{"type":["string","null"]}}}"#),
                                                     strict: nil, description: nil))
        let plain = json(#"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}"#)
        let jsonSchema = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":\#(plain)}}"#)
        #expect(jsonSchema.responseFormat == .jsonSchema(name: "response", schema: plain, strict: nil, description: nil))
        let object = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json"}}"#)
        #expect(object.responseFormat == .jsonObject)
        let enumMode = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"text/x.enum","responseSchema":{"type":"STRING","enum":["a"]}}}"#)
        #expect(enumMode.responseFormat == nil)
        #expect(enumMode.extras.map(\.name) == ["generationConfig.responseMimeType", "generationConfig.responseSchema"])
        #expect(enumMode.foreignExtras(for: .openAI).count == 2)
    }

    @Test func toolsAndToolConfig() throws {
        let call = try canonical("""
            {"contents":[{"parts":[{"text":"x"}]}],
             "tools":[{"functionDeclarations":[
                 {"name":"a","description":"A","parameters":{"type":"OBJECT","properties":{"q":{"type":"STRING"}},"required":["q"]}},
                 {"name":"b","parametersJsonSchema":{"type":"object","properties":{"n":{"type":"integer"}}}},
                 {"name":"c"}]},
               {"googleSearch":{}}],
             "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["a","b"]},"retrievalConfig":{"languageCode":"en"}}}
            """)
        #expect(call.tools == [
            ToolDefinition(name: "a", description: "A",
                           parameters: json(#"{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}"#)),
            ToolDefinition(name: "b", parameters: json(#"{"type":"object","properties":{"n":{"type":"integer"}}}"#)),
        ])
        #expect(call.toolChoice == .required)
        #expect(call.extras == [ProviderExtra(family: .gemini, name: "tools.googleSearch", value: .object([:])),
                                ProviderExtra(family: .gemini, name: "toolConfig.retrievalConfig", value: json(#"{"languageCode":"en"}"#))])
    }

    @Test(arguments: [
        (#"{"mode":"ANY","allowedFunctionNames":["f"]}"#, ToolChoice.tool("f")),
        (#"{"mode":"ANY"}"#, .required),
        (#"{"mode":"NONE"}"#, ToolChoice.none),
        (#"{"mode":"AUTO"}"#, .auto),
        (#"{"mode":"VALIDATED"}"#, .auto),
    ])
    func toolChoiceModes(_ config: String, _ expected: ToolChoice) throws {
        let call = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":\#(config)}}"#)
        #expect(call.toolChoice == expected)
    }

    @Test func extrasAndTheirDroppability() throws {
        let call = try canonical("""
            {"contents":[{"parts":[{"text":"x"}]}],
             "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
             "labels":{"team":"a"},"cachedContent":"cachedContents/c1","x_new_field":1,
             "generationConfig":{"responseModalities":["TEXT"],"mediaResolution":"MEDIA_RESOLUTION_LOW","responseLogprobs":true}}
            """)
        let extras = call.extras.map { ($0.name, $0.droppable) }
        #expect(extras.map(\.0) == ["safetySettings", "labels", "cachedContent", "x_new_field",
                                    "generationConfig.responseModalities", "generationConfig.mediaResolution",
                                    "generationConfig.responseLogprobs"])
        #expect(extras.map(\.1) == [true, true, false, false, true, true, false])
        #expect(call.foreignExtras(for: .anthropic).map(\.name) == ["cachedContent", "x_new_field", "generationConfig.responseLogprobs"])

        let images = try canonical(#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"]}}"#)
        #expect(images.extras.map(\.droppable) == [false])
    }

    /// A Gemini client's request through the canonical model and back to a Gemini upstream keeps
    /// what Gemini needs: roles, signatures, the calls' names and order, and its own extras.
    @Test func roundTripBackToGemini() throws {
        let body = """
            {"systemInstruction":{"parts":[{"text":"s"}]},
             "contents":[
               {"role":"user","parts":[{"text":"q"}]},
               {"role":"model","parts":[{"text":"t","thought":true,"thoughtSignature":"T"},
                                        {"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"S"}]},
               {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":{"ok":true}}}}]}],
             "safetySettings":[],
             "generationConfig":{"temperature":0.5,"responseModalities":["TEXT"]}}
            """
        let call = try canonical(body)
        let profile = ProviderProfile(id: "gemini", defaultBaseURL: "https://generativelanguage.googleapis.com", quirks: .openAI,
                                      family: .gemini)
        let target = UpstreamTarget(profile: profile, model: "gemini-2.5-flash", apiKey: "k")
        let spec = try GeminiAdapter(profile: profile).makeRequest(call, target: target)
        let sent = try #require(try JSON.parse(spec.body).objectValue)
        #expect(sent["contents"] == json("""
            [{"role":"user","parts":[{"text":"q"}]},
             {"role":"model","parts":[{"text":"t","thought":true,"thoughtSignature":"T"},
                                      {"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"S"}]},
             {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":{"ok":true}}}}]}]
            """))
        #expect(sent["systemInstruction"] == json(#"{"parts":[{"text":"s"}]}"#))
        #expect(sent["safetySettings"] == [])
        #expect(sent["generationConfig"] == json(#"{"temperature":0.5,"responseModalities":["TEXT"]}"#))
    }

    @Test func countTokensBodies() throws {
        let plain = try GeminiCountTokens.decode(object(#"{"contents":[{"parts":[{"text":"a"}]}]}"#), model: "models/gemini-2.5-flash")
        #expect(plain.model == "gemini-2.5-flash")
        #expect(plain.messages == [.text(.user, "a")])
        let wrapped = try GeminiCountTokens.decode(object("""
            {"generateContentRequest":{"model":"models/other","systemInstruction":{"parts":[{"text":"s"}]},
              "contents":[{"role":"user","parts":[{"text":"b"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}]}}
            """), model: "gemini-2.5-pro")
        #expect(wrapped.model == "gemini-2.5-pro")
        #expect(wrapped.messages == [.text(.system, "s"), .text(.user, "b")])
        #expect(wrapped.tools.map(\.name) == ["f"])
        #expect(throws: GatewayError.self) { try GeminiCountTokens.decode(object("{}"), model: "m") }
        #expect(utf8(GeminiCountTokens.encodeResponse(totalTokens: 31)) == #"{"totalTokens":31}"#)
    }
}
