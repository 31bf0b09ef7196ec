/// What a stream has carried so far, rebuilt from its events: the record of what the client received.
///
/// Encoders use it to answer questions such as "is a tool call open?"; the routing layer will use it to
/// continue a broken stream elsewhere; ``result()`` turns a whole stream into a ``ChatResult``.
public struct StreamTranscript: Sendable, Equatable {
    public private(set) var id = ""
    public private(set) var model = ""
    public private(set) var started = false
    /// Answer text so far.
    public private(set) var text = ""
    /// Completed and open reasoning blocks, in order.
    public private(set) var reasoning: [ReasoningPart] = []
    /// Tool calls by canonical index, arguments concatenated.
    public private(set) var toolCalls: [ToolCall] = []
    public private(set) var finishReason: FinishReason?
    public private(set) var stopSequence: String?
    public private(set) var usage: Usage?
    /// Whether the provider declared the stream complete.
    public private(set) var ended = false
    /// Whether any content (text, reasoning or a tool call) was carried.
    public var hasContent: Bool { !text.isEmpty || !reasoning.isEmpty || !toolCalls.isEmpty }
    private var reasoningOpen = false

    /// An empty transcript.
    public init() {}

    /// Records `event`.
    public mutating func apply(_ event: ChatStreamEvent) {
        switch event {
        case .start(let id, let model, let usage):
            started = true
            self.id = id
            self.model = model
            if let usage { self.usage = usage }
        case .text(let t):
            text += t
            reasoningOpen = false
        case .reasoning(let t):
            if reasoningOpen, !reasoning.isEmpty { reasoning[reasoning.count - 1].text += t }
            else { reasoning.append(ReasoningPart(text: t)); reasoningOpen = true }
        case .reasoningSignature(let s):
            if reasoningOpen, !reasoning.isEmpty { reasoning[reasoning.count - 1].signature = s }
            else { reasoning.append(ReasoningPart(text: "", signature: s)) }
            reasoningOpen = false
        case .redactedReasoning(let data):
            reasoning.append(ReasoningPart(text: "", redacted: data))
            reasoningOpen = false
        case .toolCallStart(let index, let id, let name, let signature):
            reasoningOpen = false
            while toolCalls.count <= index { toolCalls.append(ToolCall(id: "", name: "", arguments: "")) }
            toolCalls[index] = ToolCall(id: id, name: name, arguments: "", signature: signature)
        case .toolCallArguments(let index, let fragment):
            if index < toolCalls.count { toolCalls[index].arguments += fragment }
        case .finish(let reason, let sequence):
            finishReason = reason
            stopSequence = sequence
        case .usage(let u):
            usage = u
        case .error:
            break
        case .end:
            ended = true
        }
    }

    /// The whole answer as a non-streaming result.
    public func result() -> ChatResult {
        var parts: [ContentPart] = reasoning.map { .reasoning($0) }
        if !text.isEmpty { parts.append(.text(TextPart(text))) }
        parts += toolCalls.map { .toolCall($0) }
        return ChatResult(id: id, model: model, parts: parts, finishReason: finishReason, stopSequence: stopSequence,
                          usage: usage)
    }
}
