/// The canonical chat request: what every entry format decodes into and every adapter encodes from
/// when the client's family and the provider's differ.
///
/// Fields no family-neutral property expresses travel in ``extras``, addressed to the family that
/// named them; nothing a client sent is silently lost.
public struct ChatCall: Sendable, Equatable {
    /// The model string the client sent (a group, `provider/model` or a bare name).
    public var model: String
    /// The conversation, instructions included (system/developer messages keep their position).
    public var messages: [ChatMessage]
    /// Functions the model may call.
    public var tools: [ToolDefinition] = []
    /// Tool-choice policy; nil leaves the provider's default.
    public var toolChoice: ToolChoice?
    /// `false` forbids several calls in one turn (Anthropic `disable_parallel_tool_use`).
    public var parallelToolCalls: Bool?
    /// Answer shape.
    public var responseFormat: ResponseFormat?
    /// Cap on generated tokens (reasoning included).
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    /// Stop sequences.
    public var stop: [String] = []
    public var seed: Int?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    /// OpenAI `n` / Gemini `candidateCount`.
    public var candidateCount: Int?
    /// Reasoning budget or effort.
    public var reasoning: ReasoningConfig?
    /// An end-user id (OpenAI `user`, Anthropic `metadata.user_id`).
    public var user: String?
    /// Whether the client asked for a stream.
    public var stream: Bool = false
    /// OpenAI `stream_options.include_usage`: the client wants a final usage chunk.
    public var includeUsage: Bool = false
    /// Fields only one family understands.
    public var extras: [ProviderExtra] = []
    /// Request headers only one family understands (`anthropic-beta`), as (family, name, value).
    public var extraHeaders: [ProviderHeader] = []

    /// Creates a request with the required parts.
    public init(model: String, messages: [ChatMessage]) {
        self.model = model
        self.messages = messages
    }

    /// The extras addressed to `family`.
    public func extras(for family: WireFamily) -> [ProviderExtra] {
        extras.filter { $0.family == family }
    }

    /// The extras a `family` encoder cannot send: addressed to another family and not advisory.
    public func foreignExtras(for family: WireFamily) -> [ProviderExtra] {
        extras.filter { $0.family != family && !$0.droppable }
    }
}

/// A request header addressed to one family (forwarded only to that family's upstreams).
public struct ProviderHeader: Sendable, Equatable {
    public var family: WireFamily
    public var name: String
    public var value: String

    /// Creates a header; `name` is stored lowercase.
    public init(family: WireFamily, name: String, value: String) {
        self.family = family
        self.name = name.lowercased()
        self.value = value
    }
}
