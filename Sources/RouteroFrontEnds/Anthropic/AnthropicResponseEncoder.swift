import RouteroCore
import RouteroProviders

/// A canonical answer as an Anthropic message (reference 6.3, 6.5, 6.7):
/// `{"id":"msg_…","type":"message","role":"assistant","model","content":[…],"stop_reason",
/// "stop_sequence","usage":{…}}`.
///
/// Content, in the answer's order:
/// - reasoning Anthropic signed → `thinking` with its signature; redacted reasoning →
///   `redacted_thinking`;
/// - reasoning from another family (no Anthropic signature) → a `thinking` block with an **empty**
///   signature, and only when the client asked for thinking (reference 6.4 step 4). The SDKs type the
///   signature as a plain string, so `""` parses everywhere; it is the honest "unsigned" value (the
///   same one Anthropic's own `content_block_start` carries) and the gateway never invents one. When
///   such a block comes back in a later request, it reads as unsigned reasoning and is not replayed to
///   an Anthropic upstream, which would reject it;
/// - text (and refusals, as text) → `text`;
/// - tool calls → `tool_use` with `input` the parsed arguments and the id
///   ``SignedToolCallID/embed(_:)`` gives (a Gemini thought signature travels in it).
struct AnthropicResponseEncoder {
    let native: NativeChat

    /// Whether the client's request turned thinking on (`enabled` or `adaptive`).
    var clientAskedForThinking: Bool {
        let type = native.body["thinking"]?["type"]?.stringValue
        return type == "enabled" || type == "adaptive"
    }

    func message(_ result: ChatResult) -> JSONObject {
        var content: [JSONValue] = []
        for part in result.parts {
            switch part {
            case .reasoning(let reasoning):
                if let signature = reasoning.signature, signature.family == .anthropic {
                    content.append(AnthropicBlocks.thinking(reasoning.text, signature: signature.value))
                } else if let data = reasoning.redacted {
                    content.append(AnthropicBlocks.redactedThinking(data))
                } else if clientAskedForThinking, !reasoning.text.isEmpty {
                    content.append(AnthropicBlocks.thinking(reasoning.text, signature: ""))
                }
            case .text(let text):
                if !text.text.isEmpty { content.append(AnthropicBlocks.text(TextPart(text.text))) }
            case .refusal(let text):
                if !text.isEmpty { content.append(AnthropicBlocks.text(TextPart(text))) }
            case .toolCall(let call):
                content.append(AnthropicBlocks.toolUse(id: SignedToolCallID.embed(call), name: call.name,
                                                       arguments: call.arguments))
            case .image, .audio, .file, .toolResult:
                break  // not answer content Anthropic can express
            }
        }
        let stopReason = AnthropicVocabulary.stopReason(result.finishReason, stopSequence: result.stopSequence,
                                                        hasToolCalls: !result.toolCalls.isEmpty)
        return [
            "id": .string(Self.messageID(result.id)),
            "type": "message",
            "role": "assistant",
            "model": .string(result.model.isEmpty ? native.model : result.model),
            "content": .array(content),
            "stop_reason": .string(stopReason),
            "stop_sequence": stopReason == "stop_sequence" ? result.stopSequence.map(JSONValue.string) ?? .null : .null,
            "usage": .object(AnthropicUsageCounts.object(for: result.usage)),
        ]
    }

    /// `msg_<id>` for another family's id (`msg_chatcmpl-…`), an Anthropic id unchanged, and a fresh
    /// random id when the provider gave none (Anthropic clients treat the id as opaque but present).
    static func messageID(_ id: String) -> String {
        if id.hasPrefix("msg_") { return id }
        if !id.isEmpty { return "msg_" + id }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        return "msg_" + String(decoding: (0..<24).map { _ in alphabet[Int(generator.next() % 62)] }, as: UTF8.self)
    }
}
