import RouteroProviders
import Testing

/// The relay decides "finished, only [DONE] missing" vs "truncated" from the chunks it saw.
struct StreamFinishTests {
    @Test(arguments: [
        (#"{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}"#, false),
        (#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#, true),
        (#"{"choices":[{"index":0,"delta":{}, "finish_reason" : "length"}]}"#, true),
        (#"{"choices":[{"finish_reason":null},{"finish_reason":"tool_calls"}]}"#, true),
        (#"{"choices":[{"delta":{"content":"say \"finish_reason\": \"stop\""},"finish_reason":null}]}"#, false),
        (#"{"choices":[],"usage":{"total_tokens":3}}"#, false),
    ])
    func detectsANonNullFinishReason(_ chunk: String, _ finished: Bool) {
        #expect(OpenAIPassthroughStream.finishes(chunk) == finished)
    }
}
