import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroSystem
import RouteroProviders
import RouteroState

/// Relays an upstream OpenAI-format SSE stream to the client, one flush per upstream read.
///
/// Events are re-framed by a real SSE parser (so an event split across reads is never sent
/// half-way) and forwarded unchanged, except where the provider's usage placement needs the
/// ``StreamUsageNormalizer``. The stream never ends silently: it ends with the upstream's
/// `data: [DONE]`, or — when the upstream broke off, timed out or closed before a `finish_reason`
/// — with an OpenAI-shaped error event, which the official SDKs raise as an `APIError`. A stream
/// that fails before any byte reached the client is not answered at all: the attempt fails
/// (retryable) and the next deployment is tried, as for a failure before the head.
struct StreamRelay {
    let transfer: UpstreamTransfer
    let adapter: OpenAICompatibleAdapter
    let target: UpstreamTarget
    let idleTimeout: Double
    var usage: StreamUsageNormalizer?
    /// Upstream silence after which a comment line keeps nginx and client proxies from timing out.
    let keepAliveSeconds = 15.0

    private static let doneEvent = Array("data: [DONE]\n\n".utf8)
    /// The largest single event accepted from an upstream (a chunk is normally well under 64 KiB).
    static let maxEventBytes = 16 << 20
    private static let keepAlive = Array(": keep-alive\n\n".utf8)

    func run(_ x: inout Exchange) -> AttemptOutcome {
        x.status = 200
        x.request.setHead(status: 200, headers: [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),  // per-response guard, even if a location forgot fastcgi_buffering off
        ] + x.baseHeaders)
        var parser = SSEParser()
        var usage = self.usage
        var sawDone = false
        var sawFinish = false
        var events = 0
        var lastActivity = Monotonic.now()
        var lastWrite = lastActivity

        func forward(_ batch: [SSEEvent], _ x: inout Exchange) -> Bool {
            if batch.isEmpty { return true }
            var out: [UInt8] = []
            for upstreamEvent in batch {
                for event in usage?.process(upstreamEvent) ?? [upstreamEvent] {
                    if event.data == "[DONE]" { sawDone = true }
                    if !sawFinish, Self.finishes(event.data) { sawFinish = true }
                    if event.data.contains("\"error\"") {
                        var cleaned = event
                        cleaned.data = adapter.sanitize(event.data, target: target)
                        out += cleaned.encoded()
                    } else {
                        out += event.encoded()
                    }
                    events += 1
                }
            }
            lastWrite = Monotonic.now()
            return x.request.write(out)
        }

        /// Ends the stream on an upstream fault: in-band once the client has bytes, otherwise
        /// as a failed attempt that the next deployment may take over.
        func fail(_ x: inout Exchange, _ code: String, _ message: String, end: String) -> AttemptOutcome {
            note(&x, events, end)
            guard x.request.headCommitted else {
                x.status = 0
                return .failed(GatewayError(status: 502, type: "server_error", code: code, message: message, retryable: true))
            }
            endWithError(&x, code, message)
            return .delivered(response: nil)
        }

        while true {
            guard let event = transfer.next(timeout: clientPollSeconds) else {
                let now = Monotonic.now()
                if x.request.clientGone { transfer.cancel(); note(&x, events, "client_gone"); return .clientGone }
                if now - lastActivity > idleTimeout {
                    transfer.cancel()
                    return fail(&x, "upstream_timeout",
                                "\(target.profile.id): the upstream stream went silent for \(Int(idleTimeout)) s",
                                end: "idle_timeout")
                }
                if now - lastWrite > keepAliveSeconds {
                    lastWrite = now
                    if !x.request.write(Self.keepAlive) { transfer.cancel(); return .clientGone }
                }
                continue
            }
            lastActivity = Monotonic.now()
            switch event {
            case .body(let bytes):
                if !forward(parser.feed(bytes), &x) { transfer.cancel(); note(&x, events, "client_gone"); return .clientGone }
                if parser.bufferedBytes > Self.maxEventBytes {
                    transfer.cancel()
                    return fail(&x, "upstream_event_too_large",
                                "\(target.profile.id): an upstream event exceeded \(Self.maxEventBytes) bytes",
                                end: "event_too_large")
                }
            case .end:
                _ = forward(parser.finish(), &x)
                if sawDone {
                    note(&x, events, "done")
                } else if sawFinish {
                    // Some OpenAI-compatible servers omit the sentinel after a finished choice.
                    var tail: [UInt8] = []
                    for event in usage?.flush() ?? [] { tail += event.encoded() }
                    x.request.write(tail + Self.doneEvent)
                    note(&x, events, "done_added")
                } else {
                    return fail(&x, "upstream_stream_incomplete",
                                "\(target.profile.id): the upstream stream ended before the response was complete",
                                end: "truncated")
                }
                return .delivered(response: nil)
            case .failed(let failure):
                _ = forward(parser.finish(), &x)
                return fail(&x, "upstream_stream_interrupted",
                            "\(target.profile.id): the upstream stream broke off (\(failure.kind.rawValue))",
                            end: "interrupted")
            case .head:
                continue
            }
        }
    }

    /// True when a chunk carries a non-null `finish_reason` in any choice.
    ///
    /// Every OpenAI chunk has the key (`"finish_reason":null` until the last one), so this scans
    /// the bytes for a value other than `null` instead of parsing each chunk's JSON.
    static func finishes(_ data: String) -> Bool {
        let key = Array("\"finish_reason\"".utf8)
        let bytes = Array(data.utf8)
        var i = 0
        while i + key.count <= bytes.count {
            guard bytes[i] == key[0], Array(bytes[i..<i + key.count]) == key else { i += 1; continue }
            var j = i + key.count
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { i = j; continue }  // a value, not a key
            j += 1
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            if j < bytes.count, bytes[j] != UInt8(ascii: "n") { return true }
            i = j
        }
        return false
    }

    private func endWithError(_ x: inout Exchange, _ code: String, _ message: String) {
        let error = GatewayError(status: 502, type: "server_error", code: code, message: message)
        let event = SSEEvent(event: nil, data: JSON.string(.object(["error": .object(error.errorObject)])), id: nil)
        x.request.write(event.encoded())
        x.note("stream_error", code)
    }

    private func note(_ x: inout Exchange, _ events: Int, _ end: String) {
        x.note("events", String(events))
        x.note("stream_end", end)
    }
}
