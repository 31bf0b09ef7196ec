import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini responses → canonical")
struct GeminiResponseTests {
    func parse(_ text: String, target: UpstreamTarget = geminiTarget()) throws -> ChatResult {
        try gemini.parseResponse(Array(text.utf8), for: chat([]), target: target)
    }

    @Test func textThoughtsAndUsageGolden() throws {
        let result = try parse("""
            {"candidates":[{"index":0,"finishReason":"STOP",
               "content":{"role":"model","parts":[{"text":"Thinking about it...","thought":true},
                                                  {"text":"It is "},{"text":"18°C."}]},
               "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}]}],
             "usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":8,"thoughtsTokenCount":64,
               "cachedContentTokenCount":100,"toolUsePromptTokenCount":5,"totalTokenCount":197},
             "modelVersion":"gemini-2.5-flash-001","responseId":"AdVRaMm"}
            """)
        var expected = ChatResult(id: "AdVRaMm", model: "gemini-2.5-flash-001", parts: [
            .reasoning(ReasoningPart(text: "Thinking about it...")),
            .text(TextPart("It is 18°C.")),
        ], finishReason: .stop,
        usage: Usage(inputTokens: 125, outputTokens: 72, cacheReadTokens: 100, reasoningTokens: 64))
        expected.extras = []
        #expect(result == expected)
        #expect(result.usage?.totalTokens == 197)
    }

    /// litellm #21041 / #22900: Gemini says STOP for a turn that ends in calls; clients need tool_calls.
    @Test func functionCallsAreToolCallsWithIdsAndSignatures() throws {
        let body = """
            {"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[
               {"text":"Let me check."},
               {"functionCall":{"name":"get_weather","args":{"city":"Paris","units":["c"]}},"thoughtSignature":"CiIBVKhc"},
               {"functionCall":{"id":"fc-2","name":"get_time","args":{}}},
               {"functionCall":{"name":"ping"}}]}}],
             "responseId":"resp-1"}
            """
        let result = try parse(body)
        #expect(result.finishReason == .toolCalls)
        #expect(result.text == "Let me check.")
        let calls = result.toolCalls
        #expect(calls.count == 3)
        #expect(calls[0].name == "get_weather")
        #expect(calls[0].arguments == #"{"city":"Paris","units":["c"]}"#)
        #expect(calls[0].signature == ProviderSignature(family: .gemini, value: "CiIBVKhc"))
        #expect(calls[0].id.hasPrefix("call_") && calls[0].id.count == 29)
        #expect(calls[1].id == "fc-2")
        #expect(calls[1].signature == nil)
        #expect(calls[2].arguments == "{}")
        #expect(Set(calls.map(\.id)).count == 3)
        // Ids are derived from the response id: parsing the same answer twice gives the same ids.
        #expect(try parse(body).toolCalls.map(\.id) == calls.map(\.id))
        // The id an OpenAI client sees carries the signature back.
        #expect(SignedToolCallID.embed(calls[0]) == calls[0].id + "__thought__CiIBVKhc")
    }

    @Test func signatureOnAPlainTextPartSignsReasoning() throws {
        let result = try parse(#"{"candidates":[{"finishReason":"STOP","content":{"parts":[{"text":"Hi","thoughtSignature":"S"}]}}],"responseId":"r"}"#)
        #expect(result.parts == [.reasoning(ReasoningPart(text: "", signature: ProviderSignature(family: .gemini, value: "S"))),
                                 .text(TextPart("Hi"))])
    }

    @Test(arguments: [
        ("STOP", FinishReason.stop), ("FINISH_REASON_UNSPECIFIED", .stop), ("OTHER", .stop),
        ("MAX_TOKENS", .length), ("CONTINUATION", .length),
        ("SAFETY", .contentFilter), ("RECITATION", .contentFilter), ("LANGUAGE", .contentFilter),
        ("BLOCKLIST", .contentFilter), ("PROHIBITED_CONTENT", .contentFilter), ("SPII", .contentFilter),
        ("IMAGE_SAFETY", .contentFilter), ("IMAGE_PROHIBITED_CONTENT", .contentFilter), ("IMAGE_RECITATION", .contentFilter),
        ("MALFORMED_FUNCTION_CALL", .stop), ("UNEXPECTED_TOOL_CALL", .stop), ("TOO_MANY_TOOL_CALLS", .stop),
        ("NO_IMAGE", .stop), ("IMAGE_OTHER", .stop), ("SOMETHING_NEW", .stop),
    ])
    func finishReasons(_ wire: String, _ expected: FinishReason) throws {
        let result = try parse(#"{"candidates":[{"finishReason":"\#(wire)","content":{"parts":[{"text":"x"}]}}],"responseId":"r"}"#)
        #expect(result.finishReason == expected)
        #expect(GeminiVocabulary.finishReason(wire, hasToolCalls: false) == expected)
    }

    @Test func toolCallsDoNotHideLengthOrFilter() {
        #expect(GeminiVocabulary.finishReason("MAX_TOKENS", hasToolCalls: true) == .length)
        #expect(GeminiVocabulary.finishReason("SAFETY", hasToolCalls: true) == .contentFilter)
        #expect(GeminiVocabulary.finishReason("STOP", hasToolCalls: true) == .toolCalls)
    }

    @Test func blockedPromptIsAnEmptyFilteredAnswer() throws {
        let result = try parse("""
            {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"HIGH"}]},
             "usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"b1"}
            """)
        #expect(result.parts.isEmpty)
        #expect(result.finishReason == .contentFilter)
        #expect(result.usage == Usage(inputTokens: 9, outputTokens: 0))
        #expect(result.id == "b1")
    }

    @Test func filteredCandidateWithoutContent() throws {
        let result = try parse(#"{"candidates":[{"finishReason":"SAFETY","index":0}],"responseId":"r"}"#)
        #expect(result.parts.isEmpty)
        #expect(result.finishReason == .contentFilter)
    }

    @Test func missingIdsAndModel() throws {
        let result = try parse(#"{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}"#,
                               target: geminiTarget(model: "gemini-2.0-flash"))
        #expect(result.id.hasPrefix("gemini-"))
        #expect(result.model == "gemini-2.0-flash")
        #expect(result.usage == nil)
    }

    @Test func mediaOutputIsKept() throws {
        let result = try parse(#"{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBOR"}}]},"finishReason":"STOP"}],"responseId":"r"}"#)
        #expect(result.parts == [.image(MediaPart(source: .base64(mediaType: "image/png", data: "iVBOR")))])
    }

    @Test(arguments: ["not json", "[1,2]", #"{"foo":1}"#, #""text""#])
    func notAResponse(_ body: String) {
        #expect(throws: GatewayError.self) { try parse(body) }
        do { _ = try parse(body) } catch let error as GatewayError {
            #expect(error.status == 502)
            #expect(error.code == "upstream_invalid_response")
        } catch { Issue.record("\(error)") }
    }

    @Test func errorEnvelopeWithA200IsMapped() {
        do {
            _ = try parse(#"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}"#)
            Issue.record("accepted")
        } catch let error as GatewayError {
            #expect(error.status == 429)
            #expect(error.code == "RESOURCE_EXHAUSTED")
        } catch { Issue.record("\(error)") }
    }

    @Test func usageReverseMapping() {
        let metadata = GeminiVocabulary.usageMetadata(Usage(inputTokens: 120, outputTokens: 72, cacheReadTokens: 100, reasoningTokens: 64))
        #expect(JSONValue.object(metadata) == json(#"{"promptTokenCount":120,"candidatesTokenCount":8,"thoughtsTokenCount":64,"cachedContentTokenCount":100,"totalTokenCount":192}"#))
        #expect(JSONValue.object(GeminiVocabulary.usageMetadata(Usage(inputTokens: 3, outputTokens: 4)))
                == json(#"{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7}"#))
    }
}
