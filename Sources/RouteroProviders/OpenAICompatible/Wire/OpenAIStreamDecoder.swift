public import RouteroCore

/// An OpenAI-compatible SSE stream → canonical events, for clients of another family.
///
/// Upstream tool-call indices are remapped to canonical ones in order of first appearance (some
/// servers start at 1 or reuse an index across choices); the first fragment of a call opens it and
/// later fragments only add arguments. Usage is read wherever a provider puts it (a `choices: []`
/// chunk, the finish chunk's top level, or `choices[0].usage`); Azure's annotation-only chunks are
/// skipped. `[DONE]` ends the stream; a server that omits it but sent a finish still completes.
public struct OpenAIStreamDecoder: ChatStreamDecoder {
    let target: UpstreamTarget
    private var parser = SSEParser()
    private var started = false
    private var finished = false
    private var ended = false
    private var toolIndex: [Int: Int] = [:]
    private var lastUsage: Usage?

    /// A decoder for `target`'s stream.
    public init(target: UpstreamTarget) {
        self.target = target
    }

    public var bufferedBytes: Int { parser.bufferedBytes }

    public mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [ChatStreamEvent] {
        var out: [ChatStreamEvent] = []
        for event in parser.feed(bytes) { try decode(event, into: &out) }
        return out
    }

    public mutating func finish() throws(GatewayError) -> [ChatStreamEvent] {
        var out: [ChatStreamEvent] = []
        for event in parser.finish() { try decode(event, into: &out) }
        if !ended, finished {
            flushUsage(&out)
            out.append(.end)
            ended = true
        }
        return out
    }

    private mutating func decode(_ event: SSEEvent, into out: inout [ChatStreamEvent]) throws(GatewayError) {
        if ended { return }
        if event.isDone {
            flushUsage(&out)
            out.append(.end)
            ended = true
            return
        }
        guard let chunk = (try? JSON.parse(event.data))?.objectValue else {
            throw .upstreamInvalidStream(provider: target.profile.id, detail: "an event is not JSON")
        }
        if let error = chunk["error"], !error.isNull {
            let body = JSON.serialize(.object(["error": error]))
            out.append(.error(UpstreamErrors.mapStreamError(body: body, target: target)))
            return
        }
        let choices = chunk["choices"]?.arrayValue ?? []
        if let usage = OpenAIVocabulary.usage(chunk["usage"]) { lastUsage = usage }
        guard let choice = choices.first?.objectValue else { return }
        if let usage = OpenAIVocabulary.usage(choice["usage"]) { lastUsage = usage }
        if !started {
            started = true
            out.append(.start(id: chunk["id"]?.stringValue ?? "", model: chunk["model"]?.stringValue ?? "", usage: nil))
        }
        // Only the first choice travels through translation (n > 1 is refused for other families).
        guard (choice["index"]?.intValue ?? 0) == 0 else { return }
        let delta = choice["delta"]?.objectValue ?? [:]
        if let reasoning = OpenAIVocabulary.reasoningText(delta), !reasoning.isEmpty { out.append(.reasoning(reasoning)) }
        if let text = delta["content"]?.stringValue, !text.isEmpty { out.append(.text(text)) }
        if let refusal = delta["refusal"]?.stringValue, !refusal.isEmpty { out.append(.text(refusal)) }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            guard let object = call.objectValue else { continue }
            let upstreamIndex = object["index"]?.intValue ?? 0
            let function = object["function"]?.objectValue ?? [:]
            let index: Int
            if let known = toolIndex[upstreamIndex] {
                index = known
            } else {
                index = toolIndex.count
                toolIndex[upstreamIndex] = index
                out.append(.toolCallStart(index: index, id: object["id"]?.stringValue ?? "call_\(index)",
                                          name: function["name"]?.stringValue ?? "", signature: nil))
            }
            if let fragment = function["arguments"]?.stringValue, !fragment.isEmpty {
                out.append(.toolCallArguments(index: index, fragment: fragment))
            }
        }
        if let reason = choice["finish_reason"]?.stringValue, !finished {
            finished = true
            var mapped = OpenAIVocabulary.finishReason(reason) ?? .stop
            // Some servers say "stop" after tool calls; the calls are what the client must act on.
            if mapped == .stop && !toolIndex.isEmpty { mapped = .toolCalls }
            out.append(.finish(mapped, stopSequence: nil))
        }
    }

    private mutating func flushUsage(_ out: inout [ChatStreamEvent]) {
        if let usage = lastUsage { out.append(.usage(usage)) }
        lastUsage = nil
    }
}
