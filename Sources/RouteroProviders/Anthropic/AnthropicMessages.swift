import RouteroCore

/// Canonical messages → Anthropic `system` and `messages` (reference 6.2, "OpenAI → Anthropic").
///
/// 1. System and developer messages are hoisted into `system`, in order: a string (each message's
///    text, messages separated by a blank line) unless some part carries `cache_control`, then one
///    text block per part so the breakpoints stay where the client put them.
/// 2. User parts become text, image and document blocks; audio is an unsupported parameter.
/// 3. Assistant parts keep their order: reasoning only when Anthropic signed it (thinking with its
///    signature, redacted thinking) — another family's reasoning is never replayed, its signature
///    means nothing here — then text (empty text skipped), refusals as text, and tool calls as
///    `tool_use` with the arguments parsed into `input`.
/// 4. Tool messages become `tool_result` blocks in a user turn; consecutive ones share that turn, and
///    the next user message's content follows in the same turn.
/// 5. Consecutive same-role turns are merged, and in every user turn the `tool_result` blocks move
///    to the front (Anthropic requires them before any other content of the turn).
/// 6. The first turn must be `user` (Claude on Vertex rejects anything else): a history that starts
///    with the assistant, or has no turns at all, gets a minimal placeholder user turn
///    (``placeholderText``) in front. A trailing assistant turn stays: it is a prefill.
/// 7. Tool ids are made safe for Anthropic's `[A-Za-z0-9_-]` by ``AnthropicToolID/sanitized(_:)``,
///    after ``SignedToolCallID/extract(_:)`` has removed a Gemini signature the gateway embedded.
struct AnthropicMessageEncoder {
    /// The text of the user turn inserted when a history does not start with one: one character,
    /// the least that Anthropic accepts as non-empty content and the least that reads as a question.
    static let placeholderText = "."

    /// The instruction appended to `system` for `response_format: json_object` (Anthropic has no JSON
    /// mode switch; reference 6.1).
    static let jsonObjectInstruction = "Respond only with a JSON object."

    let policy: ParameterPolicy

    /// One Anthropic turn under construction.
    struct Turn {
        var role: String
        var blocks: [JSONValue]
    }

    /// `system` (nil when there are no instructions) and `messages` for `messages`.
    func encode(_ messages: [ChatMessage], jsonObjectInstruction: Bool) throws(GatewayError)
        -> (system: JSONValue?, messages: [JSONValue]) {
        var instructions: [[TextPart]] = []
        var turns: [Turn] = []
        for message in messages {
            switch message.role {
            case .system, .developer:
                instructions.append(try instructionParts(message))
            case .user:
                append(try userBlocks(message.parts), role: "user", to: &turns)
            case .assistant:
                append(try assistantBlocks(message.parts), role: "assistant", to: &turns)
            case .tool:
                append(try toolBlocks(message.parts), role: "user", to: &turns)
            }
        }
        for index in turns.indices where turns[index].role == "user" {
            let results = turns[index].blocks.filter(Self.isToolResult)
            if !results.isEmpty { turns[index].blocks = results + turns[index].blocks.filter { !Self.isToolResult($0) } }
        }
        if turns.first?.role != "user" {
            turns.insert(Turn(role: "user", blocks: [AnthropicBlocks.text(TextPart(Self.placeholderText))]), at: 0)
        }
        let system = Self.system(instructions, jsonObjectInstruction: jsonObjectInstruction)
        return (system, turns.map { .object(["role": .string($0.role), "content": .array($0.blocks)]) })
    }

    // MARK: system

    private func instructionParts(_ message: ChatMessage) throws(GatewayError) -> [TextPart] {
        var parts: [TextPart] = []
        for part in message.parts {
            guard case .text(let text) = part else {
                throw .invalidRequest("Anthropic system prompts hold text only; move images and files to a user message.",
                                      param: "messages")
            }
            parts.append(text)
        }
        return parts
    }

    static func system(_ instructions: [[TextPart]], jsonObjectInstruction: Bool) -> JSONValue? {
        let extra = jsonObjectInstruction ? [TextPart(Self.jsonObjectInstruction)] : []
        if instructions.joined().contains(where: { $0.cacheControl != nil }) {
            let blocks = (instructions.joined() + extra).filter { !$0.text.isEmpty }.map(AnthropicBlocks.text)
            return blocks.isEmpty ? nil : .array(blocks)
        }
        let texts = (instructions + [extra]).map { $0.map(\.text).joined() }.filter { !$0.isEmpty }
        return texts.isEmpty ? nil : .string(texts.joined(separator: "\n\n"))
    }

    // MARK: turns

    private func append(_ blocks: [JSONValue], role: String, to turns: inout [Turn]) {
        guard !blocks.isEmpty else { return }  // an empty turn would be rejected; its neighbours merge instead
        if turns.last?.role == role { turns[turns.count - 1].blocks += blocks }
        else { turns.append(Turn(role: role, blocks: blocks)) }
    }

    private static func isToolResult(_ block: JSONValue) -> Bool {
        block["type"]?.stringValue == "tool_result"
    }

    func userBlocks(_ parts: [ContentPart]) throws(GatewayError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        for part in parts {
            switch part {
            case .text(let text):
                if !text.text.isEmpty { blocks.append(AnthropicBlocks.text(text)) }  // empty text blocks are rejected
            case .image(let media):
                blocks.append(try AnthropicBlocks.image(media))
            case .file(let media):
                blocks.append(try AnthropicBlocks.document(media))
            case .audio:
                try policy.unsupported("input_audio")
            case .toolResult(let result):
                blocks.append(try toolResult(result))
            case .refusal(let text):
                if !text.isEmpty { blocks.append(AnthropicBlocks.text(TextPart(text))) }
            case .toolCall, .reasoning:
                break  // assistant material in a user turn: nothing Anthropic could read there
            }
        }
        return blocks
    }

    func assistantBlocks(_ parts: [ContentPart]) throws(GatewayError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        for part in parts {
            switch part {
            case .reasoning(let reasoning):
                if let signature = reasoning.signature, signature.family == .anthropic {
                    blocks.append(AnthropicBlocks.thinking(reasoning.text, signature: signature.value))
                } else if let data = reasoning.redacted {
                    blocks.append(AnthropicBlocks.redactedThinking(data))
                }
            case .text(let text):
                if !text.text.isEmpty { blocks.append(AnthropicBlocks.text(text)) }
            case .refusal(let text):
                if !text.isEmpty { blocks.append(AnthropicBlocks.text(TextPart(text))) }
            case .toolCall(let call):
                blocks.append(AnthropicBlocks.toolUse(id: AnthropicToolID.wire(call.id), name: call.name,
                                                      arguments: call.arguments))
            case .image, .file, .audio:
                Log.warning("dropped media in an assistant message: Anthropic assistant turns hold no media")
            case .toolResult:
                break
            }
        }
        return blocks
    }

    private func toolBlocks(_ parts: [ContentPart]) throws(GatewayError) -> [JSONValue] {
        var results: [JSONValue] = [], rest: [ContentPart] = []
        for part in parts {
            if case .toolResult(let result) = part { results.append(try toolResult(result)) } else { rest.append(part) }
        }
        return results + (try userBlocks(rest))
    }

    /// A `tool_result` block: `content` a string when the result is plain text, else text, image and
    /// document blocks (images inside tool results are kept, known bug litellm #23712).
    func toolResult(_ result: ToolResult) throws(GatewayError) -> JSONValue {
        var block: JSONObject = ["type": "tool_result", "tool_use_id": .string(AnthropicToolID.wire(result.callID))]
        let plain = result.content.allSatisfy {
            if case .text(let text) = $0 { return text.cacheControl == nil }
            return false
        }
        if plain {
            let text = result.text
            if !text.isEmpty { block["content"] = .string(text) }
        } else {
            var content: [JSONValue] = []
            for part in result.content {
                switch part {
                case .text(let text): if !text.text.isEmpty { content.append(AnthropicBlocks.text(text)) }
                case .image(let media): content.append(try AnthropicBlocks.image(media))
                case .file(let media): content.append(try AnthropicBlocks.document(media))
                case .audio: try policy.unsupported("input_audio")
                case .refusal(let text): if !text.isEmpty { content.append(AnthropicBlocks.text(TextPart(text))) }
                case .toolCall, .toolResult, .reasoning: break
                }
            }
            if !content.isEmpty { block["content"] = .array(content) }
        }
        if result.isError { block["is_error"] = true }
        if let cache = result.cacheControl { block["cache_control"] = cache }
        return .object(block)
    }
}

/// Tool-call ids as Anthropic accepts them: `[A-Za-z0-9_-]+`.
package enum AnthropicToolID {
    /// The id to send for a canonical call id: a Gemini signature the gateway embedded is removed
    /// first, then the id is made safe with ``sanitized(_:)``.
    package static func wire(_ id: String) -> String {
        sanitized(SignedToolCallID.extract(id).id)
    }

    /// `id` unchanged when it is already safe; otherwise every other character becomes `_` and 12 hex
    /// digits of the id's SHA-256 are appended, so two ids that differ only in unsafe characters stay
    /// distinct. A pure function of the id: the `tool_use` and its `tool_result` map alike in every
    /// request of a conversation, with no state kept between requests.
    package static func sanitized(_ id: String) -> String {
        if !id.isEmpty, id.utf8.allSatisfy(isSafe) { return id }
        let cleaned = String(decoding: id.utf8.map { isSafe($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
        let digest = String(SHA256.hex(SHA256.hash(Array(id.utf8))).prefix(12))
        return (cleaned.isEmpty ? "toolu" : cleaned) + "_" + digest
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
