import Glibc
import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting
import RouteroState

/// Where an answer goes in the cache once it is complete.
struct CacheWrite {
    let key: String
    /// The request's own `cache.ttl`, else the configured one.
    let ttl: Int?
}

extension Gateway {
    /// What the cache did for a chat request.
    enum CacheOutcome {
        /// A cached answer was sent (whole, or replayed as a stream).
        case served
        /// Not cached: the answer is to be stored there when complete.
        case store(CacheWrite)
        /// The cache does not take part (off, another format, opted out, Redis unreachable).
        case skip
    }

    /// Consults the response cache (OpenAI-format chat, streaming or not) under the request's own
    /// controls (``CacheControls``).
    func consultCache(_ x: inout Exchange, native: NativeChat, frontEnd: any ChatFrontEnd, plan: RoutePlan)
        throws(GatewayError) -> CacheOutcome
    {
        guard native.family == .openAI else { return .skip }
        let controls = try CacheControls(cacheControlHeader: x.request.header("cache-control"), body: native.body["cache"])
        guard let cache else {
            x.cacheState = "off"
            return .skip
        }
        if controls.noCache && controls.noStore {
            x.cacheState = "bypass"
            return .skip
        }
        let key = cache.key(scope: (x.caller ?? .anonymous).scope, routeKey: plan.routeKey, body: native.body,
                            partition: controls.namespace)
        let write = controls.noStore ? nil : CacheWrite(key: key, ttl: controls.ttlSeconds)
        if controls.noCache {
            x.cacheState = "bypass"
            return write.map(CacheOutcome.store) ?? .skip
        }
        switch cache.lookup(key, maxAgeSeconds: controls.maxAgeSeconds, now: Int(time(nil))) {
        case .hit(let entry):
            if native.stream {
                guard replay(&x, entry, native: native, frontEnd: frontEnd) else { break }
            } else {
                x.cacheState = "hit"
                x.sendBody(200, entry.body, contentType: entry.contentType)
            }
            x.note("cache", "hit")
            return .served
        case .miss:
            break
        case .unavailable(let reason):
            x.note("cache", "unavailable")
            x.cacheState = "unavailable"
            Log.debug("cache lookup skipped", [("id", x.requestID), ("reason", reason)])
            return .skip
        }
        x.cacheState = write == nil ? "bypass" : "miss"
        return write.map(CacheOutcome.store) ?? .skip
    }

    /// A cached `chat.completion` replayed as the stream the client asked for: the same id, text,
    /// reasoning, tool calls, finish and usage, framed by the client's own stream encoder.
    private func replay(_ x: inout Exchange, _ entry: CachedResponse, native: NativeChat, frontEnd: any ChatFrontEnd) -> Bool {
        guard let result = try? OpenAIResponseDecoder(provider: "cache").decode(entry.body) else { return false }
        var encoder = frontEnd.makeStreamEncoder(for: native)
        var bytes: [UInt8] = []
        for event in result.streamEvents() { bytes += encoder.encode(event) }
        x.cacheState = "hit"
        x.status = 200
        x.request.setHead(status: 200, headers: [("Content-Type", frontEnd.streamContentType(for: native)),
                                                 ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")] + x.baseHeaders)
        x.request.write(bytes)
        return true
    }

    /// Stores a complete answer (`response` for a whole body; a stream's `transcript` otherwise).
    func storeInCache(_ x: inout Exchange, _ write: CacheWrite, response: CachedResponse?,
                      transcript: StreamTranscript?, session: ChatSession) {
        guard let cache else { return }
        var entry = response
        if entry == nil, let transcript, transcript.ended || transcript.finishReason != nil {
            entry = CachedResponse(contentType: "application/json",
                                   body: session.frontEnd.encodeResponse(transcript.result(), for: session.native))
        }
        guard var entry, CachePolicy.storable(entry, maxBytes: config.cache.maxEntryBytes),
              transcript?.finishReason != .contentFilter else {
            x.note("cache_store", "skipped")
            return
        }
        entry.storedAt = Int(time(nil))
        if let failure = cache.store(write.key, entry, ttl: write.ttl) {
            Log.debug("cache store skipped", [("id", x.requestID), ("reason", failure)])
        }
    }
}
