public import RouteroCore

/// Relays an OpenAI-format SSE stream to an OpenAI client: events re-framed by a real SSE parser
/// (never sent half-way) and forwarded unchanged, except where the provider's usage placement needs
/// the ``StreamUsageNormalizer`` and where an in-stream error's text needs sanitizing.
///
/// Complete once `[DONE]` arrived; a stream that ends after a `finish_reason` without the sentinel
/// (some compatible servers) is completed here with the held usage and `[DONE]`.
///
/// An event that is not a whole JSON object (a chunk cut in half, garbage) or that is the
/// provider's in-band error is not forwarded: ``feed(_:)`` throws, so the gateway can end the
/// stream with its own error event or continue it elsewhere, and no broken chunk reaches the client.
public struct OpenAIPassthroughStream: PassthroughStream {
    let target: UpstreamTarget
    private var parser = SSEParser()
    private var usage: StreamUsageNormalizer?
    private var sawFinish = false
    public private(set) var complete = false

    private static let doneEvent = Array("data: [DONE]\n\n".utf8)

    /// - Parameter includeUsage: the client's `stream_options.include_usage`.
    public init(target: UpstreamTarget, includeUsage: Bool) {
        self.target = target
        self.usage = OpenAICompatibleAdapter(profile: target.profile).streamUsageNormalizer(includeUsage: includeUsage)
    }

    public var bufferedBytes: Int { parser.bufferedBytes }

    public mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        try forward(parser.feed(bytes))
    }

    public mutating func finish() -> (tail: [UInt8], complete: Bool) {
        // A bad last event leaves the stream incomplete, which the gateway reports as truncated.
        guard var tail = try? forward(parser.finish()) else { return ([], false) }
        if !complete, sawFinish {
            for event in usage?.flush() ?? [] { tail += event.encoded() }
            tail += Self.doneEvent
            complete = true
        }
        return (tail, complete)
    }

    public mutating func fail(_ error: GatewayError) -> [UInt8] {
        OpenAIVocabulary.streamErrorEvent(error)
    }

    private mutating func forward(_ batch: [SSEEvent]) throws(GatewayError) -> [UInt8] {
        var out: [UInt8] = []
        for upstreamEvent in batch {
            let mentionsError = Self.mentionsError(upstreamEvent)
            try check(upstreamEvent, mentionsError: mentionsError)
            guard usage != nil else {
                // No usage to move (OpenAI itself and most compatible servers): the event goes out
                // as it came, so the one scan for `"error"` above serves the sanitizing too.
                emit(upstreamEvent, mentionsError: mentionsError, into: &out)
                continue
            }
            for event in usage?.process(upstreamEvent) ?? [] {
                emit(event, mentionsError: Self.mentionsError(event), into: &out)
            }
        }
        return out
    }

    private mutating func emit(_ event: SSEEvent, mentionsError: Bool, into out: inout [UInt8]) {
        if event.isDone { complete = true }
        if !sawFinish, Self.finishes(event.data) { sawFinish = true }
        guard mentionsError else { return event.encode(into: &out) }
        var sanitized = event
        sanitized.data = UpstreamErrors.sanitize(event.data, target: target)
        sanitized.encode(into: &out)
    }

    private static func mentionsError(_ event: SSEEvent) -> Bool {
        !event.isDone && UTF8Search.contains(event.data, "\"error\"")
    }

    /// Throws for an event that must not reach the client: not JSON, or the provider's error.
    private func check(_ event: SSEEvent, mentionsError: Bool) throws(GatewayError) {
        if event.isDone || event.data.isEmpty { return }
        guard JSONShape.isWholeObject(event.data) else {
            throw .upstreamInvalidStream(provider: target.profile.id, detail: "a chunk is not a JSON object")
        }
        guard mentionsError, let root = (try? JSON.parse(event.data))?.objectValue, root["error"]?.objectValue != nil,
              root["choices"] == nil else { return }
        throw UpstreamErrors.mapStreamError(body: Array(event.data.utf8), target: target)
    }

    /// True when a chunk carries a non-null `finish_reason` in any choice.
    ///
    /// Every OpenAI chunk has the key (`"finish_reason":null` until the last one), so this scans
    /// the bytes for a value other than `null` instead of parsing each chunk's JSON.
    public static func finishes(_ data: String) -> Bool {
        let bytes = data.utf8.span
        let key = finishReasonKey.span
        var from = 0
        while let at = UTF8Search.firstIndex(of: key, in: bytes, from: from) {
            var j = at + key.count
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { from = j; continue }  // a value, not a key
            j += 1
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            if j < bytes.count, bytes[j] != UInt8(ascii: "n") { return true }
            from = j
        }
        return false
    }

    private static let finishReasonKey = Array("\"finish_reason\"".utf8)
}
