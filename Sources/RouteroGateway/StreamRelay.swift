import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroSystem
import RouteroProviders

/// Relays an upstream stream to the client through a ``StreamPipe``, one flush per upstream read.
///
/// The stream never ends silently: it ends with the format's own terminator, or — when the upstream
/// broke off, timed out, sent an error or closed before the answer was complete — with an error event
/// in the client's format, which the official SDKs raise. A stream that fails before any byte reached
/// the client is not answered at all: the attempt fails (retryable) and the next deployment is tried,
/// as for a failure before the head.
struct StreamRelay {
    let transfer: UpstreamTransfer
    var pipe: any StreamPipe
    let provider: String
    let contentType: String
    let idleTimeout: Double
    /// Upstream silence after which a keep-alive keeps nginx and client proxies from timing out.
    let keepAliveSeconds = 15.0

    /// The largest single event accepted from an upstream (a chunk is normally well under 64 KiB).
    static let maxEventBytes = 16 << 20

    func run(_ x: inout Exchange) -> AttemptOutcome {
        var pipe = self.pipe
        x.status = 200
        x.request.setHead(status: 200, headers: [
            ("Content-Type", contentType),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),  // per-response guard, even if a location forgot fastcgi_buffering off
        ] + x.baseHeaders)
        var writes = 0
        var lastActivity = Monotonic.now()
        var lastWrite = lastActivity

        func send(_ bytes: [UInt8], _ x: inout Exchange) -> Bool {
            if bytes.isEmpty { return true }
            writes += 1
            lastWrite = Monotonic.now()
            return x.request.write(bytes)
        }

        /// Ends the stream on a fault: in-band once the client has bytes, otherwise as a failed
        /// attempt that the next deployment may take over.
        func fail(_ x: inout Exchange, _ error: GatewayError, end: String) -> AttemptOutcome {
            note(&x, writes, end)
            guard x.request.headCommitted else {
                x.status = 0
                return .failed(error)
            }
            x.request.write(pipe.fail(error))
            x.note("stream_error", error.code ?? error.type)
            return .delivered(response: nil)
        }

        func upstreamFault(_ code: String, _ message: String) -> GatewayError {
            GatewayError(status: 502, type: "server_error", code: code, message: "\(provider): \(message)", retryable: true)
        }

        while true {
            guard let event = transfer.next(until: min(lastActivity + idleTimeout, x.request.headCommitted ? lastWrite + keepAliveSeconds : .infinity),
                                                client: x.request) else {
                let now = Monotonic.now()
                if x.request.clientGone { transfer.cancel(); note(&x, writes, "client_gone"); return .clientGone }
                if now - lastActivity > idleTimeout {
                    transfer.cancel()
                    return fail(&x, upstreamFault("upstream_timeout", "the upstream stream went silent for \(Int(idleTimeout)) s"),
                                end: "idle_timeout")
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
                    transfer.cancel()
                    return fail(&x, error, end: "invalid_stream")
                }
                if let error = out.upstreamError, !x.request.headCommitted {
                    // The provider refused in-band before the client saw anything: another deployment may answer.
                    transfer.cancel()
                    note(&x, writes, "upstream_error")
                    x.status = 0
                    return .failed(error)
                }
                if !send(out.bytes, &x) { transfer.cancel(); note(&x, writes, "client_gone"); return .clientGone }
                if out.upstreamError != nil {
                    transfer.cancel()
                    note(&x, writes, "upstream_error")
                    return .delivered(response: nil)
                }
                if pipe.bufferedBytes > Self.maxEventBytes {
                    transfer.cancel()
                    return fail(&x, upstreamFault("upstream_event_too_large", "an upstream event exceeded \(Self.maxEventBytes) bytes"),
                                end: "event_too_large")
                }
            case .end:
                let ending: (tail: [UInt8], complete: Bool)
                do {
                    ending = try pipe.finish()
                } catch {
                    return fail(&x, error, end: "invalid_stream")
                }
                _ = send(ending.tail, &x)
                guard ending.complete else {
                    return fail(&x, upstreamFault("upstream_stream_incomplete", "the upstream stream ended before the response was complete"),
                                end: "truncated")
                }
                note(&x, writes, "done")
                return .delivered(response: nil)
            case .failed(let failure):
                return fail(&x, upstreamFault("upstream_stream_interrupted", "the upstream stream broke off (\(failure.kind.rawValue))"),
                            end: "interrupted")
            case .head:
                continue
            }
        }
    }

    private func note(_ x: inout Exchange, _ writes: Int, _ end: String) {
        x.note("writes", String(writes))
        x.note("stream_end", end)
    }
}
