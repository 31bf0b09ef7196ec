import RouteroCore
import Testing

/// A cached answer replayed as a stream carries exactly what the answer held.
struct ChatResultStreamTests {
    @Test func streamEventsRebuildTheSameResult() {
        let result = ChatResult(
            id: "chatcmpl-1", model: "m",
            parts: [.reasoning(ReasoningPart(text: "think", signature: ProviderSignature(family: .anthropic, value: "sig"))),
                    .text(TextPart("Hello")),
                    .toolCall(ToolCall(id: "call_1", name: "f", arguments: #"{"a":1}"#)),
                    .toolCall(ToolCall(id: "call_2", name: "g", arguments: ""))],
            finishReason: .toolCalls, usage: Usage(inputTokens: 3, outputTokens: 5, reasoningTokens: 1))
        var transcript = StreamTranscript()
        result.streamEvents().forEach { transcript.apply($0) }
        #expect(transcript.ended)
        #expect(transcript.result() == result)
    }
}
