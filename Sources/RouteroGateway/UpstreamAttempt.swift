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

extension Gateway {
    /// Sends the request to `target` and relays the answer in the client's format. When the
    /// client and the provider speak the same family the native body passes through; otherwise the
    /// canonical call is encoded for the provider and its answer translated back.
    func attempt(_ x: inout Exchange, session: inout ChatSession, target planned: UpstreamTarget, cacheWrite: CacheWrite?,
                 leg: ContinuationLeg? = nil) async -> AttemptOutcome {
        let target: UpstreamTarget
        do {
            target = try withCredentials(planned, x: x)
        } catch {
            return .failed(error)
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
            return .failed(error)
        }
        if leg == nil {
            x.note("translate", passthrough ? "none" : "\(native.family.rawValue)>\(adapter.family.rawValue)")
        }
        let transfer = upstream.start(UpstreamHTTPRequest(
            method: spec.method, url: spec.url, headers: spec.headers + [(Self.viaHeader, viaValue(x))], body: spec.body,
            connectTimeoutSeconds: config.server.connectTimeoutSeconds, httpVersion: upstreamHTTPVersion))
        let provider = target.profile.id
        // LiteLLM semantics: `stream_timeout` bounds a streaming call until the upstream answers,
        // `timeout` a whole non-streaming call; both fall back to the server-wide timeout.
        let timeout = (native.stream ? target.streamTimeoutSeconds ?? config.routing.streamTimeoutSeconds : nil)
            ?? target.timeoutSeconds ?? config.server.upstreamTimeoutSeconds
        let deadline = min(Monotonic.now() + timeout, budgetDeadline(x))

        // 1. Wait for the upstream's status line; the client sees nothing yet.
        // Time on the upstream is not the gateway's own (x-routero-overhead-ms): counted up to the
        // head for a stream, up to the whole body otherwise, and all of a failed attempt.
        let sentAt = Monotonic.now()
        var counted = false
        func countWait(_ x: inout Exchange) {
            if !counted { x.waited += Monotonic.now() - sentAt; counted = true }
        }
        defer { countWait(&x) }
        var status = 0
        var headers: [(String, String)] = []
        waitHead: while true {
            guard let event = await transfer.next(until: deadline, client: x.request) else {
                if x.request.clientGone { transfer.cancel(); return .clientGone }
                if Monotonic.now() > deadline { transfer.cancel(); return .failed(.upstreamTimeout(provider: provider)) }
                continue
            }
            switch event {
            case .head(let s, let h): status = s; headers = h; break waitHead
            case .failed(let failure): return .failed(map(failure, provider: provider))
            case .body, .end: return .failed(.internalError("upstream transfer produced a body before its head"))
            }
        }

        if native.stream { countWait(&x) }
        let contentType = headers.first { $0.0 == "content-type" }?.1 ?? "application/json"
        // 2. Upstream errors are collected, sanitized and mapped; still nothing sent.
        if !(200...299).contains(status) {
            let body: [UInt8]
            // An error body only feeds a message: its first MiB is plenty.
            switch collect(transfer, x: x, limit: 1 << 20, truncate: true, deadline: deadline, provider: provider) {
            case .complete(let b): body = b
            case .stopped(let outcome): return outcome
            }
            return .failed(adapter.mapError(status: status, headers: headers, body: body, target: target))
        }
        // 3a. Streams are relayed event by event. (An OpenAI-compatible server that answers a stream
        // request with a plain body is passed on as is, below.)
        if native.stream && (!passthrough || native.family != .openAI
                             || contentType.lowercased().hasPrefix("text/event-stream")) {
            let pipe: any StreamPipe
            if let leg {
                pipe = TranslatingPipe(decoder: adapter.makeStreamDecoder(for: leg.call, target: target), encoder: leg.encoder,
                                       continuing: leg.received, splice: leg.splice)
            } else if let call {
                pipe = TranslatingPipe(decoder: adapter.makeStreamDecoder(for: call, target: target),
                                       encoder: session.frontEnd.makeStreamEncoder(for: native))
            } else {
                let record = ChatCall(model: native.model, messages: [])
                pipe = PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: target),
                                       keepAliveBytes: session.frontEnd.makeStreamEncoder(for: native).keepAlive(),
                                       family: native.family,
                                       makeDecoder: { adapter.makeStreamDecoder(for: record, target: target) })
            }
            var relay = StreamRelay(transfer: transfer, pipe: pipe, provider: provider,
                                    contentType: session.frontEnd.streamContentType(for: native),
                                    firstContentDeadline: deadline,
                                    stallSeconds: config.routing.streamStallTimeoutSeconds)
            relay.recordUsage = rateLimitsWantUsage
            relay.resuming = leg != nil
            if let cacheWrite {
                let session = session
                relay.onComplete = { x, transcript in
                    self.storeInCache(&x, cacheWrite, response: nil, transcript: transcript, session: session)
                }
            }
            return await relay.run(&x)
        }
        if leg != nil {
            // A whole body cannot be spliced into the client's open stream.
            transfer.cancel()
            return .failed(.upstreamInvalidStream(provider: provider, detail: "a continuation was answered without a stream"))
        }
        // 3b. Whole bodies are collected within the deadline, then sent in one flush.
        var body: [UInt8]
        switch collect(transfer, x: x, limit: config.server.maxResponseBytes, deadline: deadline, provider: provider) {
        case .complete(let b): body = b
        case .stopped(let outcome): return outcome
        }
        countWait(&x)
        var sentType = contentType
        var usage: Usage?
        if let call {
            do {
                let result = try adapter.parseResponse(body, for: call, target: target)
                body = session.frontEnd.encodeResponse(result, for: native)
                usage = result.usage
                sentType = "application/json"
            } catch {
                return .failed(error)
            }
        }
        // A streaming request answered with a plain body is passed on as is (and not cached).
        x.note("upstream_status", String(status))
        x.sendBody(status, body, contentType: sentType)
        if call == nil, rateLimitsWantUsage { usage = UsageScan.usage(in: body) }
        return .delivered(response: status == 200 ? CachedResponse(contentType: sentType, body: body) : nil, usage: usage)
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
