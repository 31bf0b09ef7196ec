/// One piece of a message, typed. Messages of every family decode into these and encode from them.
public enum ContentPart: Sendable, Equatable {
    /// Plain text.
    case text(TextPart)
    /// An image (user turns, tool results).
    case image(MediaPart)
    /// Audio input (OpenAI `input_audio`, Gemini inline audio).
    case audio(MediaPart)
    /// A document or other file (PDF, plain text).
    case file(MediaPart)
    /// A call the assistant made (assistant turns only).
    case toolCall(ToolCall)
    /// The answer to a tool call (tool turns only).
    case toolResult(ToolResult)
    /// Model reasoning (Anthropic thinking, Gemini thought summaries, OpenAI-compatible `reasoning_content`).
    case reasoning(ReasoningPart)
    /// An assistant refusal (OpenAI `refusal`).
    case refusal(String)

    /// The text of a `.text` part, else nil.
    public var text: String? {
        if case .text(let t) = self { return t.text }
        return nil
    }
}

/// Text with its prompt-cache marker.
public struct TextPart: Sendable, Equatable {
    /// The text.
    public var text: String
    /// Anthropic `cache_control`, carried opaque (`{"type":"ephemeral"}`); only Anthropic reads it.
    public var cacheControl: JSONValue?

    /// Creates a text part.
    public init(_ text: String, cacheControl: JSONValue? = nil) {
        self.text = text
        self.cacheControl = cacheControl
    }
}

/// Where the bytes of an image, audio clip or file are.
public enum MediaSource: Sendable, Equatable {
    /// Inline base64 data with its media type (`image/png`, `audio/wav`, `application/pdf`).
    case base64(mediaType: String, data: String)
    /// A URL the provider fetches (`https://`, `gs://`, a Files-API URI); media type when known.
    case url(String, mediaType: String?)
    /// A provider file id (OpenAI `file_id`, Anthropic `file_id`): only meaningful to one provider.
    case fileID(String)
}

/// An image, audio clip or document.
public struct MediaPart: Sendable, Equatable {
    /// The bytes or their location.
    public var source: MediaSource
    /// OpenAI image `detail` (`auto|low|high`).
    public var detail: String?
    /// A file name (OpenAI `file.filename`, Anthropic document `title`).
    public var filename: String?
    /// Anthropic `cache_control`.
    public var cacheControl: JSONValue?

    /// Creates a media part.
    public init(source: MediaSource, detail: String? = nil, filename: String? = nil, cacheControl: JSONValue? = nil) {
        self.source = source
        self.detail = detail
        self.filename = filename
        self.cacheControl = cacheControl
    }

    /// `data:<media type>;base64,<data>` for inline sources, the URL for URL sources.
    public var dataURLOrURL: String? {
        switch source {
        case .base64(let type, let data): "data:\(type);base64,\(data)"
        case .url(let url, _): url
        case .fileID: nil
        }
    }

    /// Parses an OpenAI-style `data:<type>;base64,<data>` URL, else treats the string as a plain URL.
    public static func fromURL(_ url: String) -> MediaSource {
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
            if header.hasSuffix(";base64") {
                return .base64(mediaType: String(header.dropLast(7)), data: String(url[url.index(after: comma)...]))
            }
        }
        return .url(url, mediaType: nil)
    }
}

/// A tool call the assistant made.
public struct ToolCall: Sendable, Equatable {
    /// The call id (OpenAI `call_…`, Anthropic `toolu_…`, Gemini `functionCall.id` or a generated one).
    public var id: String
    /// The function name.
    public var name: String
    /// The arguments as JSON text, exactly as produced (concatenated stream deltas are never re-serialized).
    public var arguments: String
    /// Gemini's `thoughtSignature` on the call part, returned only to Gemini.
    public var signature: ProviderSignature?

    /// Creates a tool call.
    public init(id: String, name: String, arguments: String, signature: ProviderSignature? = nil) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.signature = signature
    }
}

/// The result of one tool call, with its own content (text, and images where the family allows).
public struct ToolResult: Sendable, Equatable {
    /// The id of the call this answers.
    public var callID: String
    /// The function name, when the source format names it (Gemini needs it; OpenAI does not send it).
    public var name: String?
    /// The result content; a plain string result is one text part.
    public var content: [ContentPart]
    /// Anthropic `is_error`.
    public var isError: Bool
    /// Anthropic `cache_control`.
    public var cacheControl: JSONValue?

    /// Creates a tool result.
    public init(callID: String, name: String? = nil, content: [ContentPart], isError: Bool = false,
                cacheControl: JSONValue? = nil) {
        self.callID = callID
        self.name = name
        self.content = content
        self.isError = isError
        self.cacheControl = cacheControl
    }

    /// The text parts joined, for families whose tool results are text only.
    public var text: String {
        content.compactMap(\.text).joined(separator: "\n")
    }
}

/// Model reasoning with the provider's opaque proof of it.
public struct ReasoningPart: Sendable, Equatable {
    /// The reasoning text (empty for redacted reasoning).
    public var text: String
    /// Anthropic thinking `signature` / Gemini `thoughtSignature`: replayed only to ``ProviderSignature/family``.
    public var signature: ProviderSignature?
    /// Anthropic `redacted_thinking.data`: encrypted reasoning, replayed only to Anthropic.
    public var redacted: String?

    /// Creates a reasoning part.
    public init(text: String, signature: ProviderSignature? = nil, redacted: String? = nil) {
        self.text = text
        self.signature = signature
        self.redacted = redacted
    }
}
