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

    /// When the relay must next look at the stream: the first-token or stall deadline, or the
    /// next keep-alive (only once the head is out, else a passed keep-alive time would spin the
    /// loop).
    struct Clocks: Sendable {
        let firstContentDeadline: Double
        let stallSeconds: Double
        let keepAliveSeconds: Double

        func next(_ s: RelayState.Stream, headCommitted: Bool) -> Double {
            let contentClock = s.pipe.carriedContent ? s.lastActivity + stallSeconds : firstContentDeadline
            let keepAliveClock = headCommitted ? s.lastWrite + keepAliveSeconds : .infinity
            return min(contentClock, keepAliveClock)
        }
    }

    func run(_ x: inout Exchange) async -> AttemptOutcome {
        if !resuming {
            x.status = 200
            x.request.setHead(status: 200, headers: [
                ("Content-Type", contentType),
                ("Cache-Control", "no-cache"),
                ("X-Accel-Buffering", "no"),  // per-response guard, even if a location forgot fastcgi_buffering off
            ] + x.baseHeaders)
        }
        // The pipe and its clocks live in `state`: while this thread sleeps, the loop thread may
        // relay chunks through them (``RelayState``).
        let state = RelayState(pipe: pipe, request: x.request, maxEventBytes: Self.maxEventBytes)
        func writes() -> Int { state.with { $0.writes } }

        func send(_ bytes: [UInt8], _ x: inout Exchange) -> Bool {
            if bytes.isEmpty { return true }
            let now = Monotonic.now()
            state.with { $0.writes += 1; $0.lastWrite = now }
            if x.firstByteAt == nil { x.firstByteAt = now }
            return x.request.write(bytes)
        }

        func clientGone(_ x: inout Exchange) -> AttemptOutcome {
            transfer.cancel()
            note(&x, writes(), "client_gone")
            return .clientGone
        }

        /// The whole answer reached the client; what it received is reported (and cached).
        func delivered(_ x: inout Exchange) -> AttemptOutcome {
            note(&x, writes(), "done")
            // The transcript decodes the whole stream again: only for a consumer of it.
            guard onComplete != nil || recordUsage else { return .delivered(response: nil, usage: nil) }
            let transcript = state.with { $0.pipe.transcript }
            onComplete?(&x, transcript)
            return .delivered(response: nil, usage: recordUsage ? transcript?.usage : nil)
        }

        /// A fault: a failed attempt while the client has nothing from this leg, else an
        /// interruption for the executor to continue or end.
        func fault(_ x: inout Exchange, _ error: GatewayError, end: String) -> AttemptOutcome {
            transfer.cancel()
            let writes = writes()
            note(&x, writes, end)
            let clientHasBytes = resuming ? writes > 0 : x.request.headCommitted
            guard clientHasBytes else {
                if !resuming { x.status = 0 }
                return .failed(error)
            }
            return .interrupted(error, pipe: state.with { $0.pipe })
        }

        func upstreamFault(_ code: String, _ message: String) -> GatewayError {
            GatewayError(status: 502, type: "server_error", code: code, message: "\(provider): \(message)", retryable: true)
        }

        func feedFault(_ x: inout Exchange, _ error: GatewayError) -> AttemptOutcome {
            fault(&x, error, end: error.code == "upstream_invalid_stream" ? "invalid_stream" : "upstream_error")
        }

        func tooLarge(_ x: inout Exchange) -> AttemptOutcome {
            fault(&x, upstreamFault("upstream_event_too_large", "an upstream event exceeded \(Self.maxEventBytes) bytes"),
                  end: "event_too_large")
        }

        let clocks = Clocks(firstContentDeadline: firstContentDeadline, stallSeconds: stallSeconds,
                            keepAliveSeconds: keepAliveSeconds)
        while true {
            // Sleep until the nearest clock. Once the head is out, chunks that arrive meanwhile
            // are relayed by the loop thread (what it could not finish is taken over here first),
            // and they move the clocks: the wait asks for them again when its deadline comes.
            let parked = x.request.headCommitted
            let deadline = state.nextClock(clocks, headCommitted: parked)
            if parked { state.park() }
            let renew: (@Sendable () -> Double)? = parked ? { @Sendable [state, clocks] in state.nextClock(clocks, headCommitted: true) } : nil
            let event = await transfer.next(until: deadline, client: x.request,
                                            inline: parked ? state.inlineConsumer : nil, renew: renew)
            if parked {
                let (unwritten, left) = state.unpark()
                if !send(unwritten, &x) { return clientGone(&x) }
                switch left {
                case .feedFailed(let error)?: return feedFault(&x, error)
                case .upstreamError(let error)?: return fault(&x, error, end: "upstream_error")
                case .eventTooLarge?: return tooLarge(&x)
                case .clientGone?: return clientGone(&x)
                case nil: break
                }
            }
            guard let event else {
                let now = Monotonic.now()
                let (carried, lastActivity, lastWrite) = state.with { ($0.pipe.carriedContent, $0.lastActivity, $0.lastWrite) }
                if x.request.clientGone {
                    // A client that closes as soon as it has read the answer's end (the SDKs do)
                    // can be seen leaving before the upstream's own end arrives: every write
                    // succeeded, so the answer was delivered, not abandoned.
                    if state.with({ $0.pipe.answerComplete }) {
                        transfer.cancel()
                        return delivered(&x)
                    }
                    return clientGone(&x)
                }
                if !carried, now > firstContentDeadline {
                    return fault(&x, .upstreamTimeout(provider: provider), end: "first_token_timeout")
                }
                if carried, now - lastActivity > stallSeconds {
                    return fault(&x, upstreamFault("upstream_stream_stalled", "the upstream stream went silent for \(Int(stallSeconds)) s"),
                                 end: "stalled")
                }
                if now - lastWrite > keepAliveSeconds, x.request.headCommitted {
                    let keepAlive = state.with { s in
                        s.lastWrite = now
                        return s.pipe.keepAlive()
                    }
                    if !x.request.write(keepAlive) { transfer.cancel(); return .clientGone }
                }
                continue
            }
            state.with { $0.lastActivity = Monotonic.now() }
            switch event {
            case .body(let bytes):
                let out: PipeOutput
                do {
                    out = try state.with { (s: inout RelayState.Stream) throws(GatewayError) in try s.pipe.feed(bytes) }
                } catch {
                    return feedFault(&x, error)
                }
                if !send(out.bytes, &x) { return clientGone(&x) }
                if let error = out.upstreamError {
                    return fault(&x, error, end: "upstream_error")
                }
                if state.with({ $0.pipe.bufferedBytes }) > Self.maxEventBytes { return tooLarge(&x) }
            case .end:
                let ending: (tail: [UInt8], complete: Bool)
                do {
                    ending = try state.with { (s: inout RelayState.Stream) throws(GatewayError) in try s.pipe.finish() }
                } catch {
                    return fault(&x, error, end: "invalid_stream")
                }
                _ = send(ending.tail, &x)
                guard ending.complete else {
                    return fault(&x, upstreamFault("upstream_stream_incomplete", "the upstream stream ended before the response was complete"),
                                 end: "truncated")
                }
                return delivered(&x)
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
