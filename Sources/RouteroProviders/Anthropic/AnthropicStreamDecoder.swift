import RouteroCore

/// Anthropic Messages SSE → canonical stream events (reference 4.4, 6.4), however the bytes are split.
///
/// | Anthropic event | canonical events |
/// |---|---|
/// | `message_start` | ``ChatStreamEvent/start(id:model:usage:)`` with the input usage |
/// | `content_block_start` tool_use | ``ChatStreamEvent/toolCallStart(index:id:name:signature:)``, index counting tool calls from 0 |
/// | `content_block_start` redacted_thinking | ``ChatStreamEvent/redactedReasoning(_:)`` |
/// | `text_delta` / `thinking_delta` / `signature_delta` | `.text` / `.reasoning` / `.reasoningSignature` (Anthropic-signed) |
/// | `input_json_delta` | ``ChatStreamEvent/toolCallArguments(index:fragment:)`` (empty fragments too) |
/// | `message_delta` | ``ChatStreamEvent/finish(_:stopSequence:)`` then ``ChatStreamEvent/usage(_:)`` (cumulative, merged with `message_start`'s) |
/// | `message_stop` | ``ChatStreamEvent/end`` |
/// | `error` | ``ChatStreamEvent/error(_:)`` with the mapped error |
/// | `ping`, `content_block_stop`, unknown events | nothing (new event types must not break old gateways) |
///
/// Anthropic numbers content blocks across all kinds (thinking, text, tool_use), so block indices are
/// mapped to tool-call indices (known bug Portkey #1275). For a `json_schema` call the forced
/// `json_tool_call` block streams as answer text and its `tool_use` stop reads as `stop`.
struct AnthropicStreamDecoder: ChatStreamDecoder {
    let adapter: AnthropicAdapter
    let target: UpstreamTarget
    /// The request forced `json_tool_call` for structured output.
    let jsonTool: Bool

    private var parser = SSEParser()
    /// Anthropic block index → canonical tool-call index.
    private var toolIndexByBlock: [Int: Int] = [:]
    /// Block indices of the forced json tool, whose input is the answer text.
    private var jsonBlocks: Set<Int> = []
    private var usage = AnthropicUsageCounts(nil)
    private var finished = false

    init(adapter: AnthropicAdapter, target: UpstreamTarget, jsonTool: Bool) {
        self.adapter = adapter
        self.target = target
        self.jsonTool = jsonTool
    }

    var bufferedBytes: Int { parser.bufferedBytes }

    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = []
        for event in parser.feed(bytes) { try handle(event, into: &events) }
        return events
    }

    mutating func finish() throws(GatewayError) -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = []
        for event in parser.finish() { try handle(event, into: &events) }
        return events
    }

    private mutating func handle(_ event: SSEEvent, into events: inout [ChatStreamEvent]) throws(GatewayError) {
        // Keep-alives carry nothing to read, whatever their data (the SDK skips empty data too).
        if event.event == "ping" || event.data.allSatisfy(\.isWhitespace) { return }
        guard let payload = try? JSON.parse(event.data), let object = payload.objectValue else {
            throw .upstreamInvalidStream(provider: adapter.profile.id, detail: "an event's data is not a JSON object")
        }
        switch object["type"]?.stringValue ?? event.event {
        case "message_start":
            let message = object["message"]?.objectValue
            usage = AnthropicUsageCounts(message?["usage"]?.objectValue)
            events.append(.start(id: message?["id"]?.stringValue ?? "", model: message?["model"]?.stringValue ?? target.model,
                                 usage: message?["usage"] == nil ? nil : usage.canonical))
        case "content_block_start":
            guard let index = object["index"]?.intValue, let block = object["content_block"]?.objectValue else { return }
            blockStart(index: index, block: block, into: &events)
        case "content_block_delta":
            guard let index = object["index"]?.intValue, let delta = object["delta"]?.objectValue else { return }
            blockDelta(index: index, delta: delta, into: &events)
        case "message_delta":
            if !finished, let reason = object["delta"]?["stop_reason"]?.stringValue {
                finished = true
                var finish = AnthropicVocabulary.finishReason(reason)
                if finish == .toolCalls, !jsonBlocks.isEmpty, toolIndexByBlock.isEmpty { finish = .stop }
                events.append(.finish(finish, stopSequence: object["delta"]?["stop_sequence"]?.stringValue))
            }
            if let counts = object["usage"]?.objectValue {
                usage.merge(AnthropicUsageCounts(counts))
                events.append(.usage(usage.canonical))
            }
        case "message_stop":
            events.append(.end)
        case "error":
            events.append(.error(adapter.streamError(event.data, target: target)))
        default:
            break  // ping, content_block_stop, and event types newer than this decoder
        }
    }

    private mutating func blockStart(index: Int, block: JSONObject, into events: inout [ChatStreamEvent]) {
        switch block["type"]?.stringValue {
        case "text":
            if let text = block["text"]?.stringValue, !text.isEmpty { events.append(.text(text)) }
        case "thinking":
            if let text = block["thinking"]?.stringValue, !text.isEmpty { events.append(.reasoning(text)) }
            if let signature = block["signature"]?.stringValue, !signature.isEmpty {
                events.append(.reasoningSignature(ProviderSignature(family: .anthropic, value: signature)))
            }
        case "redacted_thinking":
            events.append(.redactedReasoning(block["data"]?.stringValue ?? ""))
        case "tool_use":
            let name = block["name"]?.stringValue ?? ""
            // A start that already carries input (some Anthropic-compatible servers send it whole here
            // instead of as deltas) is emitted as that call's first fragment.
            let input = block["input"]?.objectValue.flatMap { $0.isEmpty ? nil : JSON.string(.object($0)) }
            if jsonTool, name == AnthropicAdapter.jsonToolName {
                jsonBlocks.insert(index)
                if let input { events.append(.text(input)) }
                return
            }
            let toolIndex = toolIndexByBlock.count
            toolIndexByBlock[index] = toolIndex
            let (id, signature) = SignedToolCallID.extract(block["id"]?.stringValue ?? "")
            events.append(.toolCallStart(index: toolIndex, id: id, name: name, signature: signature))
            if let input { events.append(.toolCallArguments(index: toolIndex, fragment: input)) }
        default:
            break  // server tools and their results have no canonical form
        }
    }

    private func blockDelta(index: Int, delta: JSONObject, into events: inout [ChatStreamEvent]) {
        switch delta["type"]?.stringValue {
        case "text_delta":
            if let text = delta["text"]?.stringValue, !text.isEmpty { events.append(.text(text)) }
        case "thinking_delta":
            if let text = delta["thinking"]?.stringValue, !text.isEmpty { events.append(.reasoning(text)) }
        case "signature_delta":
            if let signature = delta["signature"]?.stringValue {
                events.append(.reasoningSignature(ProviderSignature(family: .anthropic, value: signature)))
            }
        case "input_json_delta":
            let fragment = delta["partial_json"]?.stringValue ?? ""
            if jsonBlocks.contains(index) {
                if !fragment.isEmpty { events.append(.text(fragment)) }
            } else if let toolIndex = toolIndexByBlock[index] {
                events.append(.toolCallArguments(index: toolIndex, fragment: fragment))
            }
        default:
            break  // citations_delta and newer delta types
        }
    }
}
