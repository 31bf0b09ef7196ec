/// Why generation stopped, in family-neutral terms (reference 6.5).
public enum FinishReason: String, Sendable, Equatable {
    /// A natural end or a stop sequence.
    case stop
    /// The token cap.
    case length
    /// The model called tools and waits for their results.
    case toolCalls = "tool_calls"
    /// A safety system stopped or withheld the answer.
    case contentFilter = "content_filter"
    /// Anthropic `pause_turn`: a long server-tool turn paused; resend to continue.
    case pause = "pause_turn"
}

/// Token counts, all optional except the two totals.
public struct Usage: Sendable, Equatable {
    /// All input tokens, cached ones included (OpenAI `prompt_tokens`).
    public var inputTokens: Int
    /// All generated tokens, reasoning included (OpenAI `completion_tokens`).
    public var outputTokens: Int
    /// Input tokens read from a prompt cache.
    public var cacheReadTokens: Int?
    /// Input tokens written to a prompt cache (Anthropic `cache_creation_input_tokens`).
    public var cacheWriteTokens: Int?
    /// Generated tokens spent on reasoning.
    public var reasoningTokens: Int?

    /// Creates usage counts.
    public init(inputTokens: Int, outputTokens: Int, cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil,
                reasoningTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
    }

    /// Input plus output.
    public var totalTokens: Int { inputTokens + outputTokens }
}

/// The canonical non-streaming answer (one choice; `n > 1` only travels on the OpenAI passthrough path).
public struct ChatResult: Sendable, Equatable {
    /// The provider's response id (`chatcmpl-…`, `msg_…`, Gemini `responseId`).
    public var id: String
    /// The model that answered, as the provider names it.
    public var model: String
    /// Unix seconds, when the provider says.
    public var created: Int?
    /// The assistant's content in order: reasoning, text, refusals, tool calls.
    public var parts: [ContentPart]
    /// Why it stopped; nil when the provider did not say.
    public var finishReason: FinishReason?
    /// The stop sequence that ended the answer, when known.
    public var stopSequence: String?
    /// Token counts, when reported.
    public var usage: Usage?
    /// Response fields only the source family has (Azure `content_filter_results`, `system_fingerprint`).
    public var extras: [ProviderExtra] = []

    /// Creates a result.
    public init(id: String, model: String, created: Int? = nil, parts: [ContentPart], finishReason: FinishReason?,
                stopSequence: String? = nil, usage: Usage? = nil) {
        self.id = id
        self.model = model
        self.created = created
        self.parts = parts
        self.finishReason = finishReason
        self.stopSequence = stopSequence
        self.usage = usage
    }

    /// The text parts joined.
    public var text: String { parts.compactMap(\.text).joined() }

    /// The tool calls, in order.
    public var toolCalls: [ToolCall] {
        parts.compactMap { if case .toolCall(let c) = $0 { c } else { nil } }
    }
}
