import Testing
import RouteroCore
import RouteroProviders
import RouteroFrontEnds

func geminiNative(_ body: String = #"{"contents":[{"parts":[{"text":"x"}]}]}"#, stream: Bool = false, sse: Bool = true) -> NativeChat {
    NativeChat(family: .gemini, body: object(body), model: "gemini-2.5-flash", stream: stream, sseFraming: sse)
}

let thoughtsWanted = #"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}"#

@Suite("Gemini front-end: canonical answers and errors → Gemini wire")
struct GeminiFrontEndResponseTests {
    let result: ChatResult = {
        var result = ChatResult(id: "chatcmpl-1", model: "gpt-4o-2024-08-06", parts: [
            .reasoning(ReasoningPart(text: "Thinking.", signature: ProviderSignature(family: .anthropic, value: "A"))),
            .text(TextPart("Checking.")),
            .toolCall(ToolCall(id: "call_a", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
            .toolCall(ToolCall(id: "call_b", name: "get_time", arguments: "")),
        ], finishReason: .toolCalls, usage: Usage(inputTokens: 20, outputTokens: 15, cacheReadTokens: 4, reasoningTokens: 5))
        result.created = 1_700_000_000
        return result
    }()

    @Test func responseGolden() {
        let body = utf8(geminiFrontEnd.encodeResponse(result, for: geminiNative()))
        #expect(body == #"{"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"Checking."},{"functionCall":{"id":"call_a","name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"id":"call_b","name":"get_time","args":{}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":10,"thoughtsTokenCount":5,"cachedContentTokenCount":4,"totalTokenCount":35},"modelVersion":"gpt-4o-2024-08-06","responseId":"chatcmpl-1"}"#)
    }

    @Test func thoughtsOnlyWhenAskedFor() throws {
        let body = try JSON.parse(geminiFrontEnd.encodeResponse(result, for: geminiNative(thoughtsWanted)))
        let parts = try #require(body["candidates"]?.arrayValue?[0]["content"]?["parts"]?.arrayValue)
        // Anthropic's signature never reaches a Gemini client.
        #expect(parts[0] == json(#"{"text":"Thinking.","thought":true}"#))
    }

    @Test func geminiSignaturesTravelToGeminiClients() throws {
        let signed = ChatResult(id: "r", model: "m", parts: [
            .reasoning(ReasoningPart(text: "", signature: ProviderSignature(family: .gemini, value: "TS"))),
            .text(TextPart("Hi")),
            .toolCall(ToolCall(id: "g1", name: "f", arguments: "{}", signature: ProviderSignature(family: .gemini, value: "FS"))),
        ], finishReason: .toolCalls)
        let body = try JSON.parse(geminiFrontEnd.encodeResponse(signed, for: geminiNative()))
        #expect(body["candidates"]?.arrayValue?[0]["content"]?["parts"] == json("""
            [{"text":"Hi","thoughtSignature":"TS"},{"functionCall":{"id":"g1","name":"f","args":{}},"thoughtSignature":"FS"}]
            """))
    }

    @Test(arguments: [
        (FinishReason.stop, "STOP"), (.length, "MAX_TOKENS"), (.toolCalls, "STOP"), (.contentFilter, "SAFETY"), (.pause, "STOP"),
    ])
    func finishReasons(_ reason: FinishReason, _ wire: String) throws {
        let body = try JSON.parse(geminiFrontEnd.encodeResponse(
            ChatResult(id: "r", model: "m", parts: [.text(TextPart("x"))], finishReason: reason), for: geminiNative()))
        #expect(body["candidates"]?.arrayValue?[0]["finishReason"] == .string(wire))
    }

    @Test func filteredAnswerWithNoContent() {
        let body = utf8(geminiFrontEnd.encodeResponse(ChatResult(id: "r", model: "m", parts: [], finishReason: .contentFilter),
                                                      for: geminiNative()))
        #expect(body == #"{"candidates":[{"index":0,"finishReason":"SAFETY"}],"modelVersion":"m","responseId":"r"}"#)
    }

    @Test(arguments: [
        (400, "INVALID_ARGUMENT"), (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"), (404, "NOT_FOUND"),
        (413, "INVALID_ARGUMENT"), (429, "RESOURCE_EXHAUSTED"), (500, "INTERNAL"), (502, "UNAVAILABLE"),
        (503, "UNAVAILABLE"), (504, "DEADLINE_EXCEEDED"),
    ])
    func errorEnvelope(_ status: Int, _ rpc: String) throws {
        let error = GatewayError(status: status, type: "t", message: "went \"wrong\"")
        let body = try JSON.parse(geminiFrontEnd.errorBody(error))
        #expect(body == .object(["error": .object(["code": JSONValue(status), "message": "went \"wrong\"", "status": .string(rpc)])]))
        #expect(geminiFrontEnd.status(for: error) == status)
    }

    @Test func retryAfterBecomesRetryInfo() {
        let body = utf8(geminiFrontEnd.errorBody(.rateLimited("slow down", retryAfterSeconds: 7)))
        #expect(body == #"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}"#)
    }

    @Test func streamContentTypes() {
        #expect(geminiFrontEnd.streamContentType(for: geminiNative(stream: true, sse: true)) == "text/event-stream")
        #expect(geminiFrontEnd.streamContentType(for: geminiNative(stream: true, sse: false)) == "application/json")
    }
}
