import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroFrontEnds
import RouteroSystem
import RouteroProviders
import RouteroState

/// How one attempt at one deployment ended.
enum AttemptOutcome {
    /// A response went to the client (success, a passed-through error stream, or an in-stream
    /// error). `response` is the complete 200 answer of a non-streaming call, for the cache.
    case delivered(response: CachedResponse?)
    /// Nothing was sent; another deployment may be tried if the error is retryable.
    case failed(GatewayError)
    case clientGone
}

/// How often a waiting request thread looks at its client when the FastCGI front cannot signal a
/// disconnect (see `UpstreamTransfer.next(until:client:)`): the disconnect-to-abort latency then.
let clientPollSeconds = 0.25

extension Gateway {
    /// Sends the request to `target` and relays the answer in the client's format. When the
    /// client and the provider speak the same family the native body passes through; otherwise the
    /// canonical call is encoded for the provider and its answer translated back.
    func attempt(_ x: inout Exchange, session: inout ChatSession, target planned: UpstreamTarget, cacheKey: String?) -> AttemptOutcome {
        let target: UpstreamTarget
        do {
            target = try withCredentials(planned, x: x)
        } catch {
            return .failed(error)
        }
        let adapter = ChatAdapters.adapter(for: target)
        let native = session.native
        let passthrough = adapter.family == native.family
        let spec: UpstreamRequestSpec
        var call: ChatCall?
        do {
            if passthrough {
                spec = try adapter.makeNativeRequest(native, target: target)
            } else {
                let canonical = try session.canonical()
                call = canonical
                spec = try adapter.makeRequest(canonical, target: target)
            }
        } catch {
            return .failed(error)
        }
        x.note("translate", passthrough ? "none" : "\(native.family.rawValue)>\(adapter.family.rawValue)")
        let transfer = upstream.start(UpstreamHTTPRequest(
            method: spec.method, url: spec.url, headers: spec.headers + [(Self.viaHeader, viaValue(x))], body: spec.body,
            connectTimeoutSeconds: config.server.connectTimeoutSeconds, httpVersion: upstreamHTTPVersion))
        let provider = target.profile.id
        // LiteLLM semantics: `stream_timeout` bounds a streaming call until the upstream answers,
        // `timeout` a whole non-streaming call; both fall back to the server-wide timeout.
        let timeout = (native.stream ? target.streamTimeoutSeconds : nil) ?? target.timeoutSeconds
            ?? config.server.upstreamTimeoutSeconds
        let deadline = Monotonic.now() + timeout

        // 1. Wait for the upstream's status line; the client sees nothing yet.
        var status = 0
        var headers: [(String, String)] = []
        waitHead: while true {
            guard let event = transfer.next(until: deadline, client: x.request) else {
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
            if let call {
                pipe = TranslatingPipe(decoder: adapter.makeStreamDecoder(for: call, target: target),
                                       encoder: session.frontEnd.makeStreamEncoder(for: native))
            } else {
                let record = ChatCall(model: native.model, messages: [])
                pipe = PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: target),
                                       keepAliveBytes: session.frontEnd.makeStreamEncoder(for: native).keepAlive(),
                                       makeDecoder: { adapter.makeStreamDecoder(for: record, target: target) })
            }
            let relay = StreamRelay(transfer: transfer, pipe: pipe, provider: provider,
                                    contentType: session.frontEnd.streamContentType(for: native),
                                    idleTimeout: config.server.upstreamTimeoutSeconds)
            return relay.run(&x)
        }
        // 3b. Whole bodies are collected within the deadline, then sent in one flush.
        var body: [UInt8]
        switch collect(transfer, x: x, limit: config.server.maxResponseBytes, deadline: deadline, provider: provider) {
        case .complete(let b): body = b
        case .stopped(let outcome): return outcome
        }
        var sentType = contentType
        if let call {
            do {
                let result = try adapter.parseResponse(body, for: call, target: target)
                body = session.frontEnd.encodeResponse(result, for: native)
                sentType = "application/json"
            } catch {
                return .failed(error)
            }
        }
        // A streaming request answered with a plain body is passed on as is; the cache never
        // applies to streams, so it gets no cache header.
        let cacheState = cacheKey != nil ? "miss" : (cache == nil ? "off" : "bypass")
        let extra = native.stream ? [] : [("x-routero-cache", cacheState)]
        x.note("upstream_status", String(status))
        x.sendBody(status, body, contentType: sentType, extraHeaders: extra)
        return .delivered(response: status == 200 ? CachedResponse(contentType: sentType, body: body) : nil)
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
