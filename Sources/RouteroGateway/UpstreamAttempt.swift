import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroFrontEnds
import RouteroSystem
import RouteroProviders
import RouteroRouting
import RouteroState

/// How one attempt at one deployment ended.
enum AttemptOutcome {
    /// A response went to the client (success, a passed-through error stream, or an in-stream
    /// error). `response` is the complete 200 answer of a non-streaming call, for the cache.
    /// `usage` is the answer's token usage when known (reconciles rate-limit reservations).
    case delivered(response: CachedResponse?, usage: Usage? = nil)
    /// Nothing was sent; another deployment may be tried if the error is retryable.
    case failed(GatewayError)
    case clientGone
    /// The client's stream is open and broke off after it carried bytes; `pipe` wrote them. The
    /// executor continues it on another deployment or ends it with the error.
    case interrupted(GatewayError, pipe: any StreamPipe)
}

/// One continuation leg of a broken stream: the request asking for the rest of the answer, and the
/// client's stream state it carries on from.
struct ContinuationLeg {
    var call: ChatCall
    var encoder: any ChatStreamEncoder
    var received: StreamTranscript
    var splice: ContinuationSplice
}

/// How often a waiting request thread looks at its client when the FastCGI front cannot signal a
/// disconnect (see `UpstreamTransfer.next(until:client:)`): the disconnect-to-abort latency then.
let clientPollSeconds = 0.25

/// An attempt whose request is on the wire: what the steps after it need (a class: see ChatRun).
final class SentAttempt {
    let target: UpstreamTarget
    let adapter: any ChatAdapter
    /// The canonical call sent (nil when the native body passed through).
    let call: ChatCall?
    let transfer: UpstreamTransfer
    let deadline: Double
    let sentAt: Double
    private var counted = false

    init(target: UpstreamTarget, adapter: any ChatAdapter, call: ChatCall?, transfer: UpstreamTransfer, deadline: Double) {
        self.target = target
        self.adapter = adapter
        self.call = call
        self.transfer = transfer
        self.deadline = deadline
        sentAt = Monotonic.now()
    }

    var provider: String { target.profile.id }
    var passthrough: Bool { call == nil }

    /// Time on the upstream is not the gateway's own (x-routero-overhead-ms): counted up to the
    /// head for a stream, up to the whole body otherwise, and all of a failed attempt. Once.
    func countWait(_ x: inout Exchange) {
        if !counted { x.waited += Monotonic.now() - sentAt; counted = true }
    }
}

/// What follows an upstream's head: an outcome already, or a stream to relay.
enum AfterHead {
    case outcome(AttemptOutcome)
    case relay(StreamRelay)
}

extension Gateway {
    /// Sends the request to `target` and relays the answer in the client's format. When the
    /// client and the provider speak the same family the native body passes through; otherwise the
    /// canonical call is encoded for the provider and its answer translated back.
    ///
    /// Only the waits are here; the work between them is in synchronous steps. An async
    /// function's frame is allocated per call from the task's heap and lives as long as the call,
    /// that is as long as the stream: with the steps inline this one was 16 KiB per held stream,
    /// all fresh pages while streams open (see `Tests/bench/async_frames.py`).
    @inline(never)
    func attempt(_ x: inout Exchange, session: inout ChatSession, target planned: UpstreamTarget, cacheWrite: CacheWrite?,
                 leg: ContinuationLeg? = nil) async -> AttemptOutcome {
        let sent: SentAttempt
        switch send(&x, session: &session, target: planned, leg: leg) {
        case .success(let s): sent = s
        case .failure(let error): return .failed(error)
        }
        defer { sent.countWait(&x) }
        // 1. Wait for the upstream's status line; the client sees nothing yet.
        while true {
            guard let event = await sent.transfer.next(until: sent.deadline, client: x.request) else {
                if let stop = headWaitStopped(x, sent) { return stop }
                continue
            }
            switch event {
            case .head(let status, let headers):
                switch afterHead(&x, sent, session: session, cacheWrite: cacheWrite, leg: leg, status: status, headers: headers) {
                case .outcome(let outcome): return outcome
                case .relay(let relay): return await relay.run(&x)
                }
            case .failed(let failure): return .failed(map(failure, provider: sent.provider))
            case .body, .end: return .failed(.internalError("upstream transfer produced a body before its head"))
            }
        }
    }

    /// Encodes the request for `planned` (native body, canonical call or continuation leg) and
    /// starts its transfer.
    @inline(never)
    private func send(_ x: inout Exchange, session: inout ChatSession, target planned: UpstreamTarget,
                      leg: ContinuationLeg?) -> Result<SentAttempt, GatewayError> {
        let target: UpstreamTarget
        do {
            target = try withCredentials(planned, x: x)
        } catch {
            return .failure(error)
        }
        let adapter = ChatAdapters.adapter(for: target)
        let native = session.native
        // A continuation leg is always translated: its request carries the delivered text.
        let passthrough = adapter.family == native.family && leg == nil
        let spec: UpstreamRequestSpec
        var call: ChatCall?
        do {
            if let leg {
                call = leg.call
                spec = try adapter.makeRequest(leg.call, target: target)
            } else if passthrough {
                spec = try adapter.makeNativeRequest(native, target: target)
            } else {
                let canonical = try session.canonical()
                call = canonical
                spec = try adapter.makeRequest(canonical, target: target)
            }
        } catch {
            return .failure(error)
        }
        if leg == nil {
            x.note("translate", passthrough ? "none" : "\(native.family.rawValue)>\(adapter.family.rawValue)")
        }
        let transfer = upstream.start(UpstreamHTTPRequest(
            method: spec.method, url: spec.url, headers: spec.headers + [(Self.viaHeader, viaValue(x))], body: spec.body,
            connectTimeoutSeconds: config.server.connectTimeoutSeconds, httpVersion: upstreamHTTPVersion))
        // LiteLLM semantics: `stream_timeout` bounds a streaming call until the upstream answers,
        // `timeout` a whole non-streaming call; both fall back to the server-wide timeout.
        let timeout = (native.stream ? target.streamTimeoutSeconds ?? config.routing.streamTimeoutSeconds : nil)
            ?? target.timeoutSeconds ?? config.server.upstreamTimeoutSeconds
        let deadline = min(Monotonic.now() + timeout, budgetDeadline(x))
        return .success(SentAttempt(target: target, adapter: adapter, call: call, transfer: transfer, deadline: deadline))
    }

    /// A head wait that woke with nothing: the outcome if the client left or the deadline passed.
    private func headWaitStopped(_ x: Exchange, _ sent: SentAttempt) -> AttemptOutcome? {
        if x.request.clientGone { sent.transfer.cancel(); return .clientGone }
        if Monotonic.now() > sent.deadline {
            sent.transfer.cancel()
            return .failed(.upstreamTimeout(provider: sent.provider))
        }
        return nil
    }

    /// Everything after the upstream's head: an error body mapped, a whole body relayed (both
    /// synchronous: they block this thread, as non-streaming waits do), or the stream's relay.
    @inline(never)
    private func afterHead(_ x: inout Exchange, _ sent: SentAttempt, session: ChatSession, cacheWrite: CacheWrite?,
                           leg: ContinuationLeg?, status: Int, headers: [(String, String)]) -> AfterHead {
        let native = session.native
        let (target, adapter, call, transfer, provider, deadline) =
            (sent.target, sent.adapter, sent.call, sent.transfer, sent.provider, sent.deadline)
        if native.stream { sent.countWait(&x) }
        let contentType = headers.first { $0.0 == "content-type" }?.1 ?? "application/json"
        // 2. Upstream errors are collected, sanitized and mapped; still nothing sent.
        if !(200...299).contains(status) {
            let body: [UInt8]
            // An error body only feeds a message: its first MiB is plenty.
            switch collect(transfer, x: x, limit: 1 << 20, truncate: true, deadline: deadline, provider: provider) {
            case .complete(let b): body = b
            case .stopped(let outcome): return .outcome(outcome)
            }
            return .outcome(.failed(adapter.mapError(status: status, headers: headers, body: body, target: target)))
        }
        // 3a. Streams are relayed event by event. (An OpenAI-compatible server that answers a stream
        // request with a plain body is passed on as is, below.)
        if native.stream && (!sent.passthrough || native.family != .openAI
                             || contentType.lowercased().hasPrefix("text/event-stream")) {
            return .relay(streamRelay(sent, session: session, cacheWrite: cacheWrite, leg: leg))
        }
        if leg != nil {
            // A whole body cannot be spliced into the client's open stream.
            transfer.cancel()
            return .outcome(.failed(.upstreamInvalidStream(provider: provider, detail: "a continuation was answered without a stream")))
        }
        // 3b. Whole bodies are collected within the deadline, then sent in one flush.
        var body: [UInt8]
        switch collect(transfer, x: x, limit: config.server.maxResponseBytes, deadline: deadline, provider: provider) {
        case .complete(let b): body = b
        case .stopped(let outcome): return .outcome(outcome)
        }
        sent.countWait(&x)
        var sentType = contentType
        var usage: Usage?
        if let call {
            do {
                let result = try adapter.parseResponse(body, for: call, target: target)
                body = session.frontEnd.encodeResponse(result, for: native)
                usage = result.usage
                sentType = "application/json"
            } catch {
                return .outcome(.failed(error))
            }
        }
        // A streaming request answered with a plain body is passed on as is (and not cached).
        x.note("upstream_status", String(status))
        x.sendBody(status, body, contentType: sentType)
        if call == nil, rateLimitsWantUsage { usage = UsageScan.usage(in: body) }
        return .outcome(.delivered(response: status == 200 ? CachedResponse(contentType: sentType, body: body) : nil, usage: usage))
    }

    /// The relay of a stream answer: translated, continued, or passed through.
    private func streamRelay(_ sent: SentAttempt, session: ChatSession, cacheWrite: CacheWrite?,
                             leg: ContinuationLeg?) -> StreamRelay {
        let native = session.native
        let (target, adapter) = (sent.target, sent.adapter)
        let pipe: any StreamPipe
        if let leg {
            pipe = TranslatingPipe(decoder: adapter.makeStreamDecoder(for: leg.call, target: target), encoder: leg.encoder,
                                   continuing: leg.received, splice: leg.splice)
        } else if let call = sent.call {
            pipe = TranslatingPipe(decoder: adapter.makeStreamDecoder(for: call, target: target),
                                   encoder: session.frontEnd.makeStreamEncoder(for: native))
        } else {
            let record = ChatCall(model: native.model, messages: [])
            pipe = PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: target),
                                   keepAliveBytes: session.frontEnd.makeStreamEncoder(for: native).keepAlive(),
                                   family: native.family,
                                   makeDecoder: { adapter.makeStreamDecoder(for: record, target: target) })
        }
        var relay = StreamRelay(transfer: sent.transfer, pipe: pipe, provider: sent.provider,
                                contentType: session.frontEnd.streamContentType(for: native),
                                firstContentDeadline: sent.deadline,
                                stallSeconds: config.routing.streamStallTimeoutSeconds)
        relay.recordUsage = rateLimitsWantUsage
        relay.resuming = leg != nil
        if let cacheWrite {
            relay.onComplete = { x, transcript in
                self.storeInCache(&x, cacheWrite, response: nil, transcript: transcript, session: session)
            }
        }
        return relay
    }

    /// `target` with the access token its credential needs (Vertex service accounts, Entra apps).
    func withCredentials(_ target: UpstreamTarget, x: Exchange) throws(GatewayError) -> UpstreamTarget {
        var target = target
        switch target.credential {
        case .apiKey, .bearerToken: break
        case .googleServiceAccount(let json): target.apiKey = try accessTokens.token(serviceAccount: json, requestID: x.requestID)
        case .entraClient(let client): target.apiKey = try accessTokens.token(entra: client, requestID: x.requestID)
        }
        return target
    }

    func map(_ failure: UpstreamFailure, provider: String) -> GatewayError {
        switch failure.kind {
        case .timeout: .upstreamTimeout(provider: provider)
        default: .upstreamUnreachable(provider: provider, detail: failure.message)
        }
    }

    private enum Collected {
        case complete([UInt8])
        case stopped(AttemptOutcome)
    }

    /// Reads a whole upstream body, watching the client and the deadline.
    /// - Parameter truncate: past `limit`, keep the first `limit` bytes instead of failing.
    private func collect(_ transfer: UpstreamTransfer, x: Exchange, limit: Int, truncate: Bool = false,
                         deadline: Double, provider: String) -> Collected {
        var body: [UInt8] = []
        while true {
            guard let event = transfer.next(until: deadline, client: x.request) else {
                if x.request.clientGone { transfer.cancel(); return .stopped(.clientGone) }
                if Monotonic.now() > deadline {
                    transfer.cancel()
                    return .stopped(.failed(.upstreamTimeout(provider: provider)))
                }
                continue
            }
            switch event {
            case .body(let bytes):
                body += bytes
                if body.count > limit {
                    transfer.cancel()
                    if truncate { return .complete(Array(body.prefix(limit))) }
                    return .stopped(.failed(.upstreamResponseTooLarge(provider: provider, limit: limit)))
                }
            case .end: return .complete(body)
            case .failed(let failure): return .stopped(.failed(map(failure, provider: provider)))
            case .head: continue
            }
        }
    }
}
