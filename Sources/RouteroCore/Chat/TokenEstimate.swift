/// A provider-neutral estimate of a request's input tokens, for count-tokens calls whose provider has
/// no counting endpoint (OpenAI-compatible servers).
///
/// The rule (documented in deploy/CONFIG.md): one token per 4 UTF-8 bytes of text, rounded up, for
/// every text part, tool result, tool call (name and arguments) and tool definition (name,
/// description and the JSON of its schema); plus 4 tokens per message for the role framing; plus
/// 85 tokens per image and 1,000 per file or audio part (OpenAI's low-detail image price and a flat
/// charge for documents, since their size in tokens depends on content the gateway does not render).
public enum TokenEstimate {
    public static func inputTokens(_ call: ChatCall) -> Int {
        var bytes = 0
        var fixed = 0
        func add(_ part: ContentPart) {
            switch part {
            case .text(let t): bytes += t.text.utf8.count
            case .refusal(let r): bytes += r.utf8.count
            case .image: fixed += 85
            case .audio, .file: fixed += 1000
            case .toolCall(let c): bytes += c.name.utf8.count + c.arguments.utf8.count
            case .toolResult(let r): r.content.forEach(add)
            case .reasoning(let r): bytes += r.text.utf8.count
            }
        }
        for message in call.messages {
            fixed += 4
            message.parts.forEach(add)
        }
        for tool in call.tools {
            bytes += tool.name.utf8.count + (tool.description?.utf8.count ?? 0)
            if let schema = tool.parameters { bytes += JSON.serialize(schema).count }
        }
        return tokens(bytes: bytes) + fixed
    }

    /// The text rule alone: one token per 4 UTF-8 bytes, rounded up (e.g. the output a broken
    /// stream had delivered before its provider reported usage).
    public static func tokens(in text: String) -> Int { tokens(bytes: text.utf8.count) }

    static func tokens(bytes: Int) -> Int { (bytes + 3) / 4 }
}
