import Testing
import RouteroCore
import RouteroFrontEnds
import RouteroProviders

/// OpenAI in → canonical → OpenAI out keeps the request's meaning; OpenAI answers and streams
/// translate to canonical and back without losing tool calls, reasoning or usage.
struct OpenAIRoundTripTests {
    let frontEnd = OpenAIChatFrontEnd()

    func native(_ json: String) throws -> NativeChat {
        let body = try #require(try JSON.parse(json).objectValue)
        return try frontEnd.decodeNative(body, request: InboundRequestFacts())
    }

    @Test func toolLoopDecodesToTypedParts() throws {
        let chat = try native(#"""
        {"model":"m","messages":[{"role":"system","content":"be terse"},
         {"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
         {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"18C"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
         "tool_choice":"required","max_tokens":50,"stop":"END","logit_bias":{"1":2},"store":true}
        """#)
        let call = try frontEnd.canonical(chat)
        #expect(call.messages.map(\.role) == [.system, .user, .assistant, .tool])
        #expect(call.messages[1].parts[1] == .image(MediaPart(source: .base64(mediaType: "image/png", data: "AAAA"), detail: "low")))
        #expect(call.messages[2].toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(call.messages[3].parts == [.toolResult(ToolResult(callID: "call_1", name: "get_weather", content: [.text(TextPart("18C"))]))])
        #expect(call.toolChoice == .required)
        #expect(call.maxTokens == 50)
        #expect(call.stop == ["END"])
        #expect(call.extras.map(\.name) == ["logit_bias", "store"])
        #expect(call.foreignExtras(for: .anthropic).map(\.name) == ["logit_bias"])
    }

    @Test func geminiSignaturesRideInToolCallIDs() throws {
        let result = ChatResult(id: "r", model: "gemini", parts: [
            .toolCall(ToolCall(id: "call_a", name: "f", arguments: "{}", signature: ProviderSignature(family: .gemini, value: "c2ln"))),
        ], finishReason: .toolCalls)
        let body = try #require(try JSON.parse(frontEnd.encodeResponse(result, for: try native(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#))).objectValue)
        let id = try #require(body["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first?["id"]?.stringValue)
        #expect(id == "call_a__thought__c2ln")
        let back = try frontEnd.canonical(try native(#"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"f","arguments":"{}"}}]}]}"#))
        #expect(back.messages[0].toolCalls.first?.signature == ProviderSignature(family: .gemini, value: "c2ln"))
        #expect(back.messages[0].toolCalls.first?.id == "call_a")
    }

    @Test func canonicalEncodesForACompatibleProviderWithQuirks() throws {
        let profile = try #require(ProviderCatalog.profile(named: "groq"))
        let target = UpstreamTarget(profile: profile, model: "llama", apiKey: "k")
        var call = ChatCall(model: "x", messages: [.text(.system, "s"), .text(.user, "hi")])
        call.maxTokens = 10
        call.stream = true
        let spec = try OpenAICompatibleAdapter(profile: profile).makeRequest(call, target: target)
        let body = try #require(try JSON.parse(spec.body).objectValue)
        #expect(body["max_tokens"] == 10)  // groq's quirk renames max_completion_tokens
        #expect(body["stream_options"]?["include_usage"] == true)
        #expect(body["model"] == "llama")
        #expect(spec.url == "https://api.groq.com/openai/v1/chat/completions")
    }

    @Test func foreignParametersAreRefusedUnlessDropped() throws {
        let profile = try #require(ProviderCatalog.profile(named: "openai"))
        var call = ChatCall(model: "x", messages: [.text(.user, "hi")])
        call.extras = [ProviderExtra(family: .anthropic, name: "container", value: "c")]
        call.topK = 5
        #expect(throws: GatewayError.self) {
            try OpenAICompatibleAdapter(profile: profile).makeRequest(call, target: UpstreamTarget(profile: profile, model: "gpt-4o"))
        }
        let dropping = UpstreamTarget(profile: profile, model: "gpt-4o", dropUnsupportedParams: true)
        let body = try JSON.parse(try OpenAICompatibleAdapter(profile: profile).makeRequest(call, target: dropping).body)
        #expect(body["container"] == nil && body["top_k"] == nil)
    }

    /// A recorded OpenAI stream with two parallel tool calls, fed at every split point, decodes to the
    /// same events and re-encodes to a stream whose tool indices and arguments are intact.
    @Test func streamWithParallelToolsSurvivesEverySplit() throws {
        let transcript = #"""
        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"content":"Héllo"},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}

        data: [DONE]


        """#
        let bytes = Array(transcript.utf8)
        let profile = try #require(ProviderCatalog.profile(named: "openai"))
        let target = UpstreamTarget(profile: profile, model: "gpt")
        func decode(splitAt split: Int) throws -> [ChatStreamEvent] {
            var decoder = OpenAIStreamDecoder(target: target)
            return try decoder.feed(Array(bytes[..<split])) + decoder.feed(Array(bytes[split...])) + decoder.finish()
        }
        let whole = try decode(splitAt: 0)
        #expect(whole == [
            .start(id: "c1", model: "gpt", usage: nil), .text("Héllo"),
            .toolCallStart(index: 0, id: "call_a", name: "f", signature: nil), .toolCallArguments(index: 0, fragment: #"{"a":"#),
            .toolCallStart(index: 1, id: "call_b", name: "g", signature: nil), .toolCallArguments(index: 1, fragment: "{}"),
            .toolCallArguments(index: 0, fragment: "1}"), .finish(.toolCalls, stopSequence: nil),
            .usage(Usage(inputTokens: 3, outputTokens: 4)), .end,
        ])
        for split in 1..<bytes.count { #expect(try decode(splitAt: split) == whole, "split at \(split)") }

        var transcriptRecord = StreamTranscript()
        whole.forEach { transcriptRecord.apply($0) }
        #expect(transcriptRecord.toolCalls.map(\.arguments) == [#"{"a":1}"#, "{}"])

        var encoder = frontEnd.makeStreamEncoder(for: try native(#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}"#))
        var out: [UInt8] = []
        for event in whole { out += encoder.encode(event) }
        var parser = SSEParser()
        let events = parser.feed(out)
        #expect(events.last?.isDone == true)
        let chunks = events.dropLast().compactMap { try? JSON.parse($0.data).objectValue }
        #expect(chunks.filter { $0["choices"]?.arrayValue?.first?["delta"]?["role"] != nil }.count == 1)
        #expect(chunks.last?["usage"]?["total_tokens"] == 7)
        #expect(chunks.last?["choices"] == .array([]))
        #expect(chunks.compactMap { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue } == ["tool_calls"])
    }
}
