package import RouteroCore

/// Anthropic's token counts as reported, before they become canonical ``Usage`` (reference 6.7).
///
/// Anthropic's `input_tokens` excludes cached input, and a stream reports counts in two places
/// (`message_start` and the cumulative `message_delta`), so the raw fields are kept apart until the end.
package struct AnthropicUsageCounts: Sendable, Equatable {
    package var input: Int?
    package var output: Int?
    package var cacheRead: Int?
    package var cacheCreation: Int?
    /// `output_tokens_details.thinking_tokens`, when reported.
    package var thinking: Int?

    /// Reads an Anthropic `usage` object; absent or non-integer fields stay nil.
    package init(_ object: JSONObject?) {
        input = object?["input_tokens"]?.intValue
        output = object?["output_tokens"]?.intValue
        cacheRead = object?["cache_read_input_tokens"]?.intValue
        cacheCreation = object?["cache_creation_input_tokens"]?.intValue
        thinking = object?["output_tokens_details"]?["thinking_tokens"]?.intValue
    }

    /// Counts from `later` replace these where `later` reports them (`message_delta` values are
    /// cumulative totals; fields it omits keep their `message_start` value, as the SDK does).
    package mutating func merge(_ later: AnthropicUsageCounts) {
        input = later.input ?? input
        output = later.output ?? output
        cacheRead = later.cacheRead ?? cacheRead
        cacheCreation = later.cacheCreation ?? cacheCreation
        thinking = later.thinking ?? thinking
    }

    /// Canonical usage: all input (uncached + cache reads + cache writes), output, and the cache split.
    package var canonical: Usage {
        Usage(inputTokens: (input ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0), outputTokens: output ?? 0,
              cacheReadTokens: cacheRead, cacheWriteTokens: cacheCreation, reasoningTokens: thinking)
    }

    /// The Anthropic `usage` object for canonical usage (reference 6.7, reverse): `input_tokens` is the
    /// uncached remainder, never negative.
    package static func object(for usage: Usage?) -> JSONObject {
        let read = usage?.cacheReadTokens ?? 0, write = usage?.cacheWriteTokens ?? 0
        return [
            "input_tokens": JSONValue(max(0, (usage?.inputTokens ?? 0) - read - write)),
            "cache_creation_input_tokens": JSONValue(write),
            "cache_read_input_tokens": JSONValue(read),
            "output_tokens": JSONValue(usage?.outputTokens ?? 0),
        ]
    }
}
