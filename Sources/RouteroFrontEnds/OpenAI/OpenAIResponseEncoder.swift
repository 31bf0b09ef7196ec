public import RouteroCore
import RouteroProviders

/// Canonical result → `chat.completion` body for an OpenAI client.
///
/// Reasoning goes out as `reasoning_content` (the field DeepSeek, vLLM and LiteLLM use) and, when it
/// carries Anthropic signatures, as LiteLLM's `thinking_blocks` so the client can send it back
/// unchanged. Tool-call ids carry Gemini thought signatures (``SignedToolCallID``).
enum OpenAIResponseEncoder {
    static func encode(_ result: ChatResult, created: Int) -> JSONObject {
        var message: JSONObject = ["role": "assistant"]
        let text = result.text
        let calls = result.toolCalls
        message["content"] = text.isEmpty && (!calls.isEmpty || result.finishReason == .contentFilter) ? .null : .string(text)
        let refusal = result.parts.compactMap { if case .refusal(let r) = $0 { r } else { nil } }.joined()
        message["refusal"] = refusal.isEmpty ? .null : .string(refusal)
        let reasoning = result.parts.compactMap { if case .reasoning(let r) = $0 { r } else { nil } }
        let reasoningText = reasoning.map(\.text).joined()
        if !reasoningText.isEmpty { message["reasoning_content"] = .string(reasoningText) }
        let blocks = thinkingBlocks(reasoning)
        if !blocks.isEmpty { message["thinking_blocks"] = .array(blocks) }
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.map { call in
                ["id": .string(SignedToolCallID.embed(call)), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        var choice: JSONObject = ["index": 0, "message": .object(message), "logprobs": .null]
        choice["finish_reason"] = result.finishReason.map { .string(OpenAIVocabulary.finishReason($0)) } ?? .null
        var body: JSONObject = [
            "id": .string(result.id.isEmpty ? "chatcmpl-routero" : result.id), "object": "chat.completion",
            "created": JSONValue(result.created ?? created), "model": .string(result.model),
            "choices": [.object(choice)],
        ]
        if let usage = result.usage { body["usage"] = OpenAIVocabulary.usage(usage) }
        return body
    }

    /// Anthropic-signed reasoning as LiteLLM's `thinking_blocks`.
    static func thinkingBlocks(_ reasoning: [ReasoningPart]) -> [JSONValue] {
        reasoning.compactMap { r in
            if let data = r.redacted { return ["type": "redacted_thinking", "data": .string(data)] }
            guard let signature = r.signature, signature.family == .anthropic else { return nil }
            return ["type": "thinking", "thinking": .string(r.text), "signature": .string(signature.value)]
        }
    }
}
