public import RouteroCore

/// Makes a stream end the way OpenAI's does when the client asked for usage
/// (`stream_options.include_usage`): after the finish chunk, one chunk with `choices: []` and the
/// upstream's `usage`, then `[DONE]`.
///
/// Providers that report usage elsewhere (``StreamUsagePlacement``) get their usage moved: out of
/// the finish chunk's top level (set to `null`, as OpenAI's content chunks carry it) or out of
/// `choices[i].usage` (removed), into a synthesized usage chunk that copies the stream's `id`,
/// `object`, `created`, `model` and `system_fingerprint`. Only chunks that carry usage are
/// re-serialized; every other event passes through as received.
public struct StreamUsageNormalizer: Sendable {
    let placement: StreamUsagePlacement
    private var pending: JSONObject?
    private var upstreamSentUsageChunk = false

    /// - Parameter placement: where this provider puts usage; ``StreamUsagePlacement/separateChunk``
    ///   needs no normalizer.
    public init(placement: StreamUsagePlacement) {
        self.placement = placement
    }

    /// The events to send for one upstream event (the held usage chunk goes out before `[DONE]`).
    public mutating func process(_ event: SSEEvent) -> [SSEEvent] {
        if event.isDone { return flush() + [event] }
        // Cheap test first: most chunks carry no usage at all.
        guard event.data.utf8.count < 1 << 20, UTF8Search.contains(event.data, "\"usage\""),
              let value = try? JSON.parse(event.data), var chunk = value.objectValue,
              var choices = chunk["choices"]?.arrayValue else { return [event] }
        if choices.isEmpty {
            if let usage = chunk["usage"], !usage.isNull {
                upstreamSentUsageChunk = true
                pending = nil
            }
            return [event]
        }
        var usage: JSONValue?
        switch placement {
        case .separateChunk:
            return [event]
        case .finishChunk:
            if let found = chunk["usage"], !found.isNull {
                usage = found
                chunk["usage"] = .null
            }
        case .insideChoice:
            for index in choices.indices {
                guard var choice = choices[index].objectValue, let found = choice["usage"] else { continue }
                if !found.isNull { usage = found }
                choice["usage"] = nil
                choices[index] = .object(choice)
            }
            chunk["choices"] = .array(choices)
        }
        guard let usage else { return [event] }
        if !upstreamSentUsageChunk { pending = Self.usageChunk(like: chunk, usage: usage) }
        var rewritten = event
        rewritten.data = JSON.string(.object(chunk))
        return [rewritten]
    }

    /// The held usage chunk, if any: called before `[DONE]`, and by a relay that ends a stream
    /// whose upstream omitted `[DONE]`.
    public mutating func flush() -> [SSEEvent] {
        defer { pending = nil }
        guard let pending, !upstreamSentUsageChunk else { return [] }
        return [SSEEvent(data: JSON.string(.object(pending)))]
    }

    static func usageChunk(like chunk: JSONObject, usage: JSONValue) -> JSONObject {
        var out = JSONObject()
        for key in ["id", "object", "created", "model", "system_fingerprint"] {
            if let value = chunk[key] { out[key] = value }
        }
        if out["object"] == nil { out["object"] = "chat.completion.chunk" }
        out["choices"] = .array([])
        out["usage"] = usage
        return out
    }
}

extension OpenAICompatibleAdapter {
    /// The stream rewriter this provider needs for a request, or nil when its stream already
    /// ends the OpenAI way (or the client did not ask for usage).
    public func streamUsageNormalizer(includeUsage: Bool) -> StreamUsageNormalizer? {
        guard includeUsage, profile.quirks.streamUsage != .separateChunk else { return nil }
        return StreamUsageNormalizer(placement: profile.quirks.streamUsage)
    }
}
