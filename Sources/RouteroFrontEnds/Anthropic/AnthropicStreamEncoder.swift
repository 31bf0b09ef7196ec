import RouteroCore
import RouteroProviders

/// Canonical stream events → Anthropic's exact event sequence (reference 4.4, 6.4 "OpenAI → Anthropic"):
///
/// `message_start` (id, model, `input_tokens` from the start usage or 0) and an early `ping`; then
/// the content blocks, numbered 0, 1, 2… over all kinds: a text block opened by the first text, a
/// thinking block by reasoning (its `signature_delta` just before its `content_block_stop`), a
/// redacted_thinking block whole, a tool_use block per tool call with one `input_json_delta` per
/// fragment. The open block is closed before another opens. At the end: `content_block_stop` for the
/// open block, one `message_delta` (stop reason, stop sequence, cumulative usage) and `message_stop`.
///
/// The `message_delta` is held until ``ChatStreamEvent/end`` or ``close()``: OpenAI reports usage in a
/// chunk after the finish, and Anthropic clients read usage only from `message_delta`.
///
/// Reasoning follows the non-streaming rules (``AnthropicResponseEncoder``): when the client asked for
/// thinking it streams live (unsigned reasoning closes with no signature); otherwise a reasoning block
/// is held until its signature shows whether Anthropic signed it, and dropped if not.
///
/// Argument fragments for a tool call whose block is no longer open (providers that interleave
/// parallel calls' arguments) are sent with that call's own block index: Anthropic's SDKs accumulate
/// deltas by index, so nothing is lost, where reopening a block is impossible.
struct AnthropicStreamEncoder: ChatStreamEncoder {
    private enum Block: Equatable {
        case none
        case text
        case thinking
        case tool(call: Int)
    }

    let fallbackModel: String
    let streamsUnsignedReasoning: Bool

    private var started = false
    private var done = false
    private var nextIndex = 0
    private var open = Block.none
    private var openIndex = 0
    /// Canonical tool-call index → Anthropic block index.
    private var toolBlocks: [Int: Int] = [:]
    /// Reasoning text awaiting a signature (only when unsigned reasoning is not streamed).
    private var heldReasoning: String?
    private var finish: FinishReason?
    private var stopSequence: String?
    private var usage: Usage?

    init(native: NativeChat) {
        fallbackModel = native.model
        streamsUnsignedReasoning = AnthropicResponseEncoder(native: native).clientAskedForThinking
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        guard !done else { return [] }
        switch event {
        case .start(let id, let model, let usage):
            return started ? [] : messageStart(id: id, model: model, usage: usage)
        case .text(let text):
            guard !text.isEmpty else { return [] }
            var out = ensureStarted()
            heldReasoning = nil
            if open != .text { out += closeOpen() + openBlock(.text, ["type": "text", "text": ""]) }
            return out + textDelta(openIndex, text)
        case .reasoning(let text):
            guard !text.isEmpty else { return [] }
            var out = ensureStarted()
            guard streamsUnsignedReasoning else {
                // Held, and the open block left open: if no Anthropic signature follows, nothing happened.
                heldReasoning = (heldReasoning ?? "") + text
                return out
            }
            if open != .thinking { out += closeOpen() + openThinking() }
            return out + delta(openIndex, ["type": "thinking_delta", "thinking": .string(text)])
        case .reasoningSignature(let signature):
            return reasoningSignature(signature)
        case .redactedReasoning(let data):
            heldReasoning = nil
            return ensureStarted() + closeOpen() + openBlock(.none, ["type": "redacted_thinking", "data": .string(data)])
                + stopBlock(nextIndex - 1)
        case .toolCallStart(let index, let id, let name, let signature):
            heldReasoning = nil
            var out = ensureStarted() + closeOpen()
            toolBlocks[index] = nextIndex
            out += openBlock(.tool(call: index), [
                "type": "tool_use", "id": .string(SignedToolCallID.embed(ToolCall(id: id, name: name, arguments: "",
                                                                               signature: signature))),
                "name": .string(name), "input": .object([:]),
            ])
            return out
        case .toolCallArguments(let index, let fragment):
            guard !fragment.isEmpty, let block = toolBlocks[index] else { return [] }
            return delta(block, ["type": "input_json_delta", "partial_json": .string(fragment)])
        case .finish(let reason, let sequence):
            finish = reason
            stopSequence = sequence
            heldReasoning = nil
            return ensureStarted() + closeOpen()
        case .usage(let usage):
            self.usage = usage
            return []
        case .error(let error):
            return fail(error)
        case .end:
            return closing()
        }
    }

    mutating func fail(_ error: GatewayError) -> [UInt8] {
        guard !done else { return [] }
        done = true
        return AnthropicVocabulary.streamErrorEvent(error)
    }

    mutating func close() -> [UInt8] {
        done ? [] : closing()
    }

    func keepAlive() -> [UInt8] {
        Self.event("ping", ["type": "ping"])
    }

    // MARK: pieces

    private mutating func reasoningSignature(_ signature: ProviderSignature) -> [UInt8] {
        var out = ensureStarted()
        guard signature.family == .anthropic else {
            // Another family's signature is not Anthropic material: the block ends unsigned.
            heldReasoning = nil
            if open == .thinking { out += closeOpen() }
            return out
        }
        if open != .thinking {
            let held = heldReasoning
            heldReasoning = nil
            out += closeOpen() + openThinking()
            if let held, !held.isEmpty { out += delta(openIndex, ["type": "thinking_delta", "thinking": .string(held)]) }
        }
        out += delta(openIndex, ["type": "signature_delta", "signature": .string(signature.value)])
        return out + closeOpen()
    }

    private mutating func ensureStarted() -> [UInt8] {
        started ? [] : messageStart(id: "", model: "", usage: nil)
    }

    private mutating func messageStart(id: String, model: String, usage: Usage?) -> [UInt8] {
        started = true
        if self.usage == nil { self.usage = usage }  // the final counts, unless a later usage event replaces them
        var usageObject = AnthropicUsageCounts.object(for: usage)
        usageObject["output_tokens"] = JSONValue(usage?.outputTokens ?? 0)
        if usage?.cacheReadTokens == nil { usageObject["cache_read_input_tokens"] = nil }
        if usage?.cacheWriteTokens == nil { usageObject["cache_creation_input_tokens"] = nil }
        let message: JSONObject = [
            "id": .string(AnthropicResponseEncoder.messageID(id)), "type": "message", "role": "assistant",
            "model": .string(model.isEmpty ? fallbackModel : model), "content": .array([]),
            "stop_reason": .null, "stop_sequence": .null, "usage": .object(usageObject),
        ]
        return Self.event("message_start", ["type": "message_start", "message": .object(message)])
            + Self.event("ping", ["type": "ping"])
    }

    private mutating func openThinking() -> [UInt8] {
        openBlock(.thinking, ["type": "thinking", "thinking": "", "signature": ""])
    }

    /// `content_block_start` at the next index; `kind` `.none` for blocks that are closed at once.
    private mutating func openBlock(_ kind: Block, _ block: JSONObject) -> [UInt8] {
        let index = nextIndex
        nextIndex += 1
        open = kind
        openIndex = index
        return Self.event("content_block_start",
                          ["type": "content_block_start", "index": JSONValue(index), "content_block": .object(block)])
    }

    private mutating func closeOpen() -> [UInt8] {
        guard open != .none else { return [] }
        open = .none
        return stopBlock(openIndex)
    }

    private func stopBlock(_ index: Int) -> [UInt8] {
        Self.event("content_block_stop", ["type": "content_block_stop", "index": JSONValue(index)])
    }

    /// A `text_delta`, the event a stream is mostly made of, written without building a JSON tree.
    private func textDelta(_ index: Int, _ text: String) -> [UInt8] {
        var out = Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":\(index),\"delta\":{\"type\":\"text_delta\",\"text\":".utf8)
        out.reserveCapacity(out.count + text.utf8.count + 8)
        JSON.writeString(text, into: &out)
        out += Array("}}\n\n".utf8)
        return out
    }

    private func delta(_ index: Int, _ delta: JSONObject) -> [UInt8] {
        Self.event("content_block_delta", ["type": "content_block_delta", "index": JSONValue(index), "delta": .object(delta)])
    }

    private mutating func closing() -> [UInt8] {
        var out = ensureStarted() + closeOpen()
        heldReasoning = nil
        let stopReason = AnthropicVocabulary.stopReason(finish, stopSequence: stopSequence, hasToolCalls: !toolBlocks.isEmpty)
        let delta: JSONObject = [
            "stop_reason": .string(stopReason),
            "stop_sequence": stopReason == "stop_sequence" ? stopSequence.map(JSONValue.string) ?? .null : .null,
        ]
        out += Self.event("message_delta", ["type": "message_delta", "delta": .object(delta),
                                            "usage": .object(AnthropicUsageCounts.object(for: usage))])
        out += Self.event("message_stop", ["type": "message_stop"])
        done = true
        return out
    }

    private static func event(_ name: String, _ data: JSONObject) -> [UInt8] {
        SSEEvent.json(.object(data), event: name)
    }
}
