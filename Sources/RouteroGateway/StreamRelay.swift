import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroSystem
import RouteroProviders

/// Relays an upstream stream to the client through a ``StreamPipe``, one flush per upstream read.
///
/// A stream that fails before any byte reached the client is not answered at all: the attempt
/// fails and the next deployment is tried, as for a failure before the head. One that fails after
/// the client has bytes (the upstream broke off, stalled, sent garbage or an error, or closed
/// before the answer was complete) comes back ``AttemptOutcome/interrupted(_:pipe:)`` with the
/// pipe that wrote it: the executor continues it elsewhere or ends it with an error event in the
/// client's format, which the official SDKs raise. It never ends silently.
///
/// Two clocks: until content reaches the client, `firstContentDeadline` (the time-to-first-token
/// bound, `stream_timeout`); after it, `stallSeconds` of upstream silence.
struct StreamRelay {
    let transfer: UpstreamTransfer
    var pipe: any StreamPipe
    let provider: String
    let contentType: String
    /// Monotonic time by which content must have reached the client.
    let firstContentDeadline: Double
    /// Upstream silence tolerated once content flows.
    let stallSeconds: Double
    /// The client's stream is already open: this is a continuation leg (no head is sent).
    var resuming = false
    /// Called with what the client received when the stream completed (the cache stores it).
    var onComplete: ((inout Exchange, StreamTranscript?) -> Void)?
    /// Report the answer's usage when the stream ends (rate limits reconcile with it).
    var recordUsage = false
    /// Upstream silence after which a keep-alive keeps nginx and client proxies from timing out.
    let keepAliveSeconds = 15.0

    /// The largest single event accepted from an upstream (a chunk is normally well under 64 KiB).
    static let maxEventBytes = 16 << 20

    func run(_ x: inout Exchange) -> AttemptOutcome {
        var pipe = self.pipe
        if !resuming {
            x.status = 200
            x.request.setHead(status: 200, headers: [
                ("Content-Type", contentType),
                ("Cache-Control", "no-cache"),
                ("X-Accel-Buffering", "no"),  // per-response guard, even if a location forgot fastcgi_buffering off
            ] + x.baseHeaders)
        }
        var writes = 0
        var lastActivity = Monotonic.now()
        var lastWrite = lastActivity

        func send(_ bytes: [UInt8], _ x: inout Exchange) -> Bool {
            if bytes.isEmpty { return true }
            writes += 1
            lastWrite = Monotonic.now()
            if x.firstByteAt == nil { x.firstByteAt = lastWrite }
            return x.request.write(bytes)
        }

        /// A fault: a failed attempt while the client has nothing from this leg, else an
        /// interruption for the executor to continue or end.
        func fault(_ x: inout Exchange, _ error: GatewayError, end: String) -> AttemptOutcome {
            transfer.cancel()
            note(&x, writes, end)
            let clientHasBytes = resuming ? writes > 0 : x.request.headCommitted
            guard clientHasBytes else {
                if !resuming { x.status = 0 }
                return .failed(error)
            }
            return .interrupted(error, pipe: pipe)
        }

        func upstreamFault(_ code: String, _ message: String) -> GatewayError {
            GatewayError(status: 502, type: "server_error", code: code, message: "\(provider): \(message)", retryable: true)
        }

        while true {
            // Sleep until the nearest clock: the first-token or stall deadline, or the next keep-alive
            // (only once the head is out, else a passed keep-alive time would spin the loop).
            let contentClock = pipe.carriedContent ? lastActivity + stallSeconds : firstContentDeadline
            let keepAliveClock = x.request.headCommitted ? lastWrite + keepAliveSeconds : .infinity
            guard let event = transfer.next(until: min(contentClock, keepAliveClock), client: x.request) else {
                let now = Monotonic.now()
                if x.request.clientGone { transfer.cancel(); note(&x, writes, "client_gone"); return .clientGone }
                if !pipe.carriedContent, now > firstContentDeadline {
                    return fault(&x, .upstreamTimeout(provider: provider), end: "first_token_timeout")
                }
                if pipe.carriedContent, now - lastActivity > stallSeconds {
                    return fault(&x, upstreamFault("upstream_stream_stalled", "the upstream stream went silent for \(Int(stallSeconds)) s"),
                                 end: "stalled")
                }
                if now - lastWrite > keepAliveSeconds, x.request.headCommitted {
                    lastWrite = now
                    if !x.request.write(pipe.keepAlive()) { transfer.cancel(); return .clientGone }
                }
                continue
            }
            lastActivity = Monotonic.now()
            switch event {
            case .body(let bytes):
                let out: PipeOutput
                do {
                    out = try pipe.feed(bytes)
                } catch {
                    return fault(&x, error, end: error.code == "upstream_invalid_stream" ? "invalid_stream" : "upstream_error")
                }
                if !send(out.bytes, &x) { transfer.cancel(); note(&x, writes, "client_gone"); return .clientGone }
                if let error = out.upstreamError {
                    return fault(&x, error, end: "upstream_error")
                }
                if pipe.bufferedBytes > Self.maxEventBytes {
                    return fault(&x, upstreamFault("upstream_event_too_large", "an upstream event exceeded \(Self.maxEventBytes) bytes"),
                                 end: "event_too_large")
                }
            case .end:
                let ending: (tail: [UInt8], complete: Bool)
                do {
                    ending = try pipe.finish()
                } catch {
                    return fault(&x, error, end: "invalid_stream")
                }
                _ = send(ending.tail, &x)
                guard ending.complete else {
                    return fault(&x, upstreamFault("upstream_stream_incomplete", "the upstream stream ended before the response was complete"),
                                 end: "truncated")
                }
                note(&x, writes, "done")
                onComplete?(&x, pipe.transcript)
                return .delivered(response: nil, usage: recordUsage ? pipe.transcript?.usage : nil)
            case .failed(let failure):
                return fault(&x, upstreamFault("upstream_stream_interrupted", "the upstream stream broke off (\(failure.kind.rawValue))"),
                             end: "interrupted")
            case .head:
                continue
            }
        }
    }

    private func note(_ x: inout Exchange, _ writes: Int, _ end: String) {
        x.note(resuming ? "continuation_writes" : "writes", String(writes))
        x.note(resuming ? "continuation_end" : "stream_end", end)
    }
}
