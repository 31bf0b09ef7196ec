import RouteroCore

/// Relays an Anthropic stream to an Anthropic client: re-framed with ``SSEParser`` so no event goes
/// out half-way, every event forwarded unchanged (name, data and id kept) except that the message of
/// an `error` event is sanitized (upstream text may echo keys or internal URLs). The stream is
/// complete once `message_stop` has been relayed.
struct AnthropicPassthroughStream: PassthroughStream {
    let target: UpstreamTarget
    private var parser = SSEParser()
    private(set) var complete = false

    init(target: UpstreamTarget) {
        self.target = target
    }

    var bufferedBytes: Int { parser.bufferedBytes }

    mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        relay(parser.feed(bytes))
    }

    mutating func finish() -> (tail: [UInt8], complete: Bool) {
        let tail = relay(parser.finish())
        return (tail, complete)
    }

    /// `event: error` with the Anthropic envelope; the error's type follows its status as an Anthropic
    /// client would receive it (the gateway's 503 `overloaded` as 529 `overloaded_error`).
    mutating func fail(_ error: GatewayError) -> [UInt8] {
        AnthropicVocabulary.streamErrorEvent(error)
    }

    private mutating func relay(_ events: [SSEEvent]) -> [UInt8] {
        var out: [UInt8] = []
        for var event in events {
            let payload = try? JSON.parse(event.data)
            let type = payload?["type"]?.stringValue ?? event.event
            if type == "message_stop" { complete = true }
            if type == "error", case .object(var root)? = payload, case .object(var error)? = root["error"],
               let message = error["message"]?.stringValue {
                error["message"] = .string(UpstreamErrors.sanitize(message, target: target))
                root["error"] = .object(error)
                event.data = JSON.string(.object(root))
            }
            out += event.encoded()
        }
        return out
    }
}
