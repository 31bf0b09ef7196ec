public import RouteroCore

/// How a Gemini stream is framed on the wire.
public enum GeminiStreamFraming: Sendable, Equatable {
    /// `?alt=sse`: one `data: <GenerateContentResponse>` event per chunk, no terminator.
    case sse
    /// No `alt`: one JSON array written progressively, `[{…}\n,\r\n{…}\n]`.
    case jsonArray
    /// Whichever the body turns out to be: a first non-blank byte `[` means the array framing, `{`
    /// a body that is one JSON object (read when the transport ends), anything else SSE.
    case detect
}

/// A Gemini stream (either framing) → canonical events (reference 6.4, upstream Gemini).
///
/// - The first chunk gives ``ChatStreamEvent/start(id:model:usage:)`` (`responseId`, `modelVersion`).
/// - Text parts are deltas → ``ChatStreamEvent/text(_:)``; `thought` parts → ``ChatStreamEvent/reasoning(_:)``;
///   a `thoughtSignature` on a thought or text part → ``ChatStreamEvent/reasoningSignature(_:)``
///   (after the thought's text, before plain text, so it signs the reasoning just streamed).
/// - A `functionCall` part arrives whole: ``ChatStreamEvent/toolCallStart(index:id:name:signature:)``
///   with the next index, then one ``ChatStreamEvent/toolCallArguments(index:fragment:)`` with all of `args`.
/// - `finishReason` → one ``ChatStreamEvent/finish(_:stopSequence:)`` (`tool_calls` when any call was
///   seen in the stream, whatever chunk carried it), followed by the latest `usageMetadata`; a later
///   chunk that changes the counts adds a last ``ChatStreamEvent/usage(_:)`` when the stream ends. A
///   candidate-less chunk with `promptFeedback.blockReason` finishes with `content_filter`.
/// - `{"error":…}` → ``ChatStreamEvent/error(_:)``, mapped like an HTTP error with that code.
/// - Gemini's SSE stream has no terminator: ``ChatStreamEvent/end`` comes when the transport ends,
///   and only after a finish reason was seen; the array framing ends at its `]`, under the same
///   condition. A stream cut before its finish reason therefore never ends, and the relay reports it
///   as truncated.
public struct GeminiStreamDecoder: ChatStreamDecoder {
    private enum Mode {
        /// ``GeminiStreamFraming/detect`` before the first non-blank byte.
        case undecided
        case sse
        case array
        /// A body that is one JSON object, not a stream (`{"error":…}` from a proxy, or an upstream
        /// that ignored the stream verb): read whole when the transport ends.
        case object
    }

    private var mode: Mode
    private var sse = SSEParser()
    private var array = JSONArrayStreamParser()
    private var state: GeminiStreamState
    /// Bytes held before the framing is known, or the whole body in ``Mode/object``.
    private var held: [UInt8] = []

    /// Creates a decoder for a stream of `target`.
    public init(target: UpstreamTarget, framing: GeminiStreamFraming = .detect) {
        switch framing {
        case .sse: mode = .sse
        case .jsonArray: mode = .array
        case .detect: mode = .undecided
        }
        self.state = GeminiStreamState(target: target)
    }

    /// Bytes held for an incomplete event or array element.
    public var bufferedBytes: Int {
        switch mode {
        case .sse: sse.bufferedBytes
        case .array: array.bufferedBytes
        case .undecided, .object: held.count
        }
    }

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [ChatStreamEvent] {
        var input = bytes
        if mode == .undecided {
            held += bytes
            guard let first = held.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
                return []
            }
            mode = first == UInt8(ascii: "[") ? .array : first == UInt8(ascii: "{") ? .object : .sse
            guard mode != .object else { return [] }
            input = held
            held = []
        }
        switch mode {
        case .sse:
            var events: [ChatStreamEvent] = []
            for event in sse.feed(input) { events += try state.events(forData: event.data) }
            return events
        case .array:
            let values: [JSONValue]
            do {
                values = try array.feedValues(input)
            } catch {
                throw .upstreamInvalidStream(provider: state.provider, detail: "not a JSON array stream: \(error)")
            }
            var events: [ChatStreamEvent] = []
            for value in values { events += try state.events(for: value) }
            if array.closed { events += state.end() }
            return events
        case .object:
            held += input
            return []
        case .undecided:
            return []
        }
    }

    /// The transport ended: a last unterminated SSE event (or the whole one-object body), the last
    /// counts, and ``ChatStreamEvent/end`` if the answer finished.
    public mutating func finish() throws(GatewayError) -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = []
        switch mode {
        case .sse:
            for event in sse.finish() { events += try state.events(forData: event.data) }
        case .object:
            guard let value = try? JSON.parse(held) else {
                throw .upstreamInvalidStream(provider: state.provider, detail: "the body is neither SSE nor JSON")
            }
            held = []
            events += try state.events(for: value)
        case .array, .undecided:
            break
        }
        return events + state.end()
    }
}

/// What a Gemini stream has said so far, whatever its framing.
struct GeminiStreamState {
    let target: UpstreamTarget
    private var started = false
    private var id = ""
    private var toolCalls = 0
    private var finished = false
    private var ended = false
    private var usage: Usage?
    private var sentUsage: Usage?

    init(target: UpstreamTarget) { self.target = target }

    var provider: String { target.profile.id }

    /// The events for one SSE `data:` payload.
    mutating func events(forData data: String) throws(GatewayError) -> [ChatStreamEvent] {
        let trimmed = data.drop { $0.isWhitespace }
        // Gemini sends no sentinel; a proxy that appends OpenAI's is tolerated.
        if trimmed.isEmpty || trimmed == "[DONE]" { return [] }
        guard let value = try? JSON.parse(data) else {
            throw .upstreamInvalidStream(provider: provider, detail: "an event is not JSON")
        }
        return try events(for: value)
    }

    /// The events for one `GenerateContentResponse` chunk.
    mutating func events(for value: JSONValue) throws(GatewayError) -> [ChatStreamEvent] {
        guard let object = value.objectValue else {
            throw .upstreamInvalidStream(provider: provider, detail: "a chunk is not a JSON object")
        }
        if object["error"]?.objectValue != nil { return [.error(GeminiErrors.inStream(object, target: target))] }
        var events: [ChatStreamEvent] = []
        if !started {
            started = true
            id = object["responseId"]?.stringValue ?? GeminiIDs.random(prefix: "gemini-")
            events.append(.start(id: id, model: object["modelVersion"]?.stringValue ?? target.model, usage: nil))
        }
        if let latest = GeminiVocabulary.usage(from: object["usageMetadata"]) { usage = latest }
        guard let candidate = object["candidates"]?.arrayValue?.first?.objectValue else {
            if object["promptFeedback"]?["blockReason"]?.stringValue != nil { events += finish(.contentFilter) }
            return events
        }
        for value in candidate["content"]?["parts"]?.arrayValue ?? [] {
            guard let part = value.objectValue else { continue }
            let signature = part["thoughtSignature"]?.stringValue.map { ProviderSignature(family: .gemini, value: $0) }
            if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true {
                    if !text.isEmpty { events.append(.reasoning(text)) }
                    if let signature { events.append(.reasoningSignature(signature)) }
                } else {
                    if let signature { events.append(.reasoningSignature(signature)) }
                    if !text.isEmpty { events.append(.text(text)) }
                }
            } else if let call = part["functionCall"]?.objectValue {
                let index = toolCalls
                toolCalls += 1
                let toolCall = GeminiParts.toolCall(call, signature: signature,
                                                    fallbackID: GeminiIDs.toolCall(seed: "\(id)#\(index)"))
                events.append(.toolCallStart(index: index, id: toolCall.id, name: toolCall.name, signature: signature))
                events.append(.toolCallArguments(index: index, fragment: toolCall.arguments))
            } else if let signature {
                events.append(.reasoningSignature(signature))
            } else if part["inlineData"] != nil || part["fileData"] != nil {
                Log.debug("gemini stream media part has no canonical event; skipped", [("provider", provider)])
            }
        }
        if let reason = candidate["finishReason"]?.stringValue, !reason.isEmpty {
            events += finish(GeminiVocabulary.finishReason(reason, hasToolCalls: toolCalls > 0))
        }
        return events
    }

    private mutating func finish(_ reason: FinishReason) -> [ChatStreamEvent] {
        guard !finished else { return [] }
        finished = true
        var events: [ChatStreamEvent] = [.finish(reason, stopSequence: nil)]
        if let usage {
            events.append(.usage(usage))
            sentUsage = usage
        }
        return events
    }

    /// The stream is over (transport end, or the array's `]`): counts not sent yet, then
    /// ``ChatStreamEvent/end`` when a finish reason was seen. Only the first call says anything.
    mutating func end() -> [ChatStreamEvent] {
        guard !ended else { return [] }
        ended = true
        var events: [ChatStreamEvent] = []
        if let usage, usage != sentUsage { events.append(.usage(usage)) }
        if finished { events.append(.end) }
        return events
    }
}
