/// Who a message is from.
public enum ChatRole: String, Sendable, Equatable {
    case system, developer, user, assistant, tool

    /// System and developer messages are both instructions to the model.
    public var isInstruction: Bool { self == .system || self == .developer }
}

/// One conversation turn: a role and typed parts in order.
///
/// OpenAI's shapes map one to one: assistant `tool_calls` become trailing ``ContentPart/toolCall``
/// parts; a `tool` message is one ``ContentPart/toolResult`` part with role ``ChatRole/tool``.
public struct ChatMessage: Sendable, Equatable {
    /// The author.
    public var role: ChatRole
    /// The content, in order.
    public var parts: [ContentPart]
    /// OpenAI's optional participant `name`.
    public var name: String?

    /// Creates a message.
    public init(role: ChatRole, parts: [ContentPart], name: String? = nil) {
        self.role = role
        self.parts = parts
        self.name = name
    }

    /// A message whose content is one text part.
    public static func text(_ role: ChatRole, _ text: String) -> ChatMessage {
        ChatMessage(role: role, parts: [.text(TextPart(text))])
    }

    /// The text parts joined with no separator (how OpenAI-compatible servers read an array of text parts).
    public var text: String { parts.compactMap(\.text).joined() }

    /// The tool calls in this message.
    public var toolCalls: [ToolCall] {
        parts.compactMap { if case .toolCall(let c) = $0 { c } else { nil } }
    }
}
