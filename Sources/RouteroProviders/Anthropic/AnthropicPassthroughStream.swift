import RouteroCore

/// Relays an Anthropic stream to an Anthropic client: re-framed with ``SSEParser`` so no event goes
/// out half-way, every event forwarded unchanged (name, data and id kept) except that the message of
/// an `error` event is sanitized (upstream text may echo keys or internal URLs). The stream is
/// complete once `message_stop` has been relayed.
///
/// An `error` event or an event whose data is not JSON is not forwarded: ``feed(_:)`` throws the
/// mapped error, so the gateway ends the stream with it or continues the answer elsewhere.
struct AnthropicPassthroughStream: PassthroughStream {
    let target: UpstreamTarget
    private var parser = SSEParser()
    private(set) var complete = false

    init(target: UpstreamTarget) {
        self.target = target
    }

    var bufferedBytes: Int { parser.bufferedBytes }

    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        try relay(parser.feed(bytes))
    }

    mutating func finish() -> (tail: [UInt8], complete: Bool) {
        // A bad last event leaves the stream incomplete, which the gateway reports as truncated.
        guard let tail = try? relay(parser.finish()) else { return ([], false) }
        return (tail, complete)
    }

    /// `event: error` with the Anthropic envelope; the error's type follows its status as an Anthropic
    /// client would receive it (the gateway's 503 `overloaded` as 529 `overloaded_error`).
    mutating func fail(_ error: GatewayError) -> [UInt8] {
        AnthropicVocabulary.streamErrorEvent(error)
    }

    private mutating func relay(_ events: [SSEEvent]) throws(GatewayError) -> [UInt8] {
        var out: [UInt8] = []
        for event in events {
            guard let payload = try? JSON.parse(event.data) else {
                throw .upstreamInvalidStream(provider: target.profile.id, detail: "an event's data is not JSON")
            }
            let type = payload["type"]?.stringValue ?? event.event
            if type == "message_stop" { complete = true }
            if type == "error" {
                throw AnthropicAdapter(profile: target.profile).streamError(event.data, target: target)
            }
            out += event.encoded()
        }
        return out
    }
}
