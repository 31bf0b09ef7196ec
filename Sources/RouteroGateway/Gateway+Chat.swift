import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting
import RouteroState
import RouteroSystem
import Glibc

extension Gateway {
    /// Every chat entry point (OpenAI, Azure, Anthropic, Gemini): parse in the client's format,
    /// route, consult the cache, then try the plan's deployments in order until one answers.
    /// Nothing is sent to the client before an upstream has answered, so a failed attempt can
    /// still go elsewhere.
    func serveChat(_ x: inout Exchange, frontEnd: any ChatFrontEnd, facts: InboundRequestFacts) throws(GatewayError) {
        let body = try readJSONObject(&x)
        let native = try frontEnd.decodeNative(body, request: facts)
        x.note("format", native.family.rawValue)
        x.note("model", native.model)
        x.note("stream", native.stream ? "true" : "false")
        let plan = usageOrdered(try router.plan(model: native.model))
        x.note("route", plan.routeKey)
        var session = ChatSession(frontEnd: frontEnd, native: native)

        // The cache holds OpenAI chat.completion answers (CachePolicy); other formats bypass it.
        var cacheKey: String?
        if let cache, !native.stream, native.family == .openAI {
            if cacheOptOut(x, native.body) {
                x.note("cache", "bypass")
            } else {
                let key = cache.key(scope: (x.caller ?? .anonymous).scope, routeKey: plan.routeKey, body: native.body)
                switch cache.lookup(key) {
                case .hit(let hit):
                    x.note("cache", "hit")
                    x.sendBody(200, hit.body, contentType: hit.contentType, extraHeaders: [("x-routero-cache", "hit")])
                    return
                case .miss:
                    cacheKey = key
                case .unavailable(let reason):
                    x.note("cache", "unavailable")
                    Log.debug("cache lookup skipped", [("id", x.requestID), ("reason", reason)])
                }
            }
        }

        let limits = try admitClient(&x, session: &session, plan: plan)
        defer { limits.finish() }
        var failover = failoverMachine(for: plan)
        while let step = failover.next(now: Monotonic.now()) {
            if step.delaySeconds > 0, !wait(step.delaySeconds, x) {
                x.note("client", "disconnected")
                x.status = 499
                return
            }
            let target = step.target
            if let refusal = limits.admitDeployment(target) { failover.failed(refusal, now: Monotonic.now()); continue }
            x.note("attempt", "\(step.attempt):\(target.deploymentID)")
            x.answeredBy = (target.deploymentID, target.profile.id, step.attempt)
            let outcome = attempt(&x, session: &session, target: target, cacheKey: cacheKey)
            switch outcome {
            case .delivered(let response, let usage):
                limits.delivered(usage)
                if let cacheKey, let cache, let response,
                   CachePolicy.storable(response, maxBytes: config.cache.maxEntryBytes) {
                    if let failure = cache.store(cacheKey, response) {
                        Log.debug("cache store skipped", [("id", x.requestID), ("reason", failure)])
                    }
                } else if cacheKey != nil {
                    x.note("cache_store", "skipped")
                }
                return
            case .clientGone:
                x.note("client", "disconnected")
                x.status = 499
                return
            case .failed(let error):
                failover.failed(error, now: Monotonic.now())
                Log.info("upstream attempt failed", [
                    ("id", x.requestID), ("deployment", target.deploymentID), ("status", String(error.status)),
                    ("error", error.code ?? error.type), ("decision", failover.decisions.last ?? ""),
                ])
            }
        }
        x.answeredBy = nil
        throw failover.lastError ?? .internalError("no deployment could be tried")
    }

    /// The failover state machine for `plan`, with the group's configured fallbacks and retries.
    func failoverMachine(for plan: RoutePlan) -> FailoverMachine {
        let routing = config.routing
        let group = plan.group
        let fallbacks = routing.fallbacks.first { $0.model == group }?.fallbacks ?? routing.defaultFallbacks
        let context = routing.contextWindowFallbacks.first { $0.model == group }?.fallbacks ?? []
        let policyFallbacks = routing.contentPolicyFallbacks.first { $0.model == group }?.fallbacks ?? []
        var policy = RetryPolicy()
        if let n = routing.numRetries { policy.sameDeploymentRetries = n }
        let router = self.router
        return FailoverMachine(plan: plan, policy: policy, fallbacks: group == nil ? [] : fallbacks,
                               contextWindowFallbacks: context, contentPolicyFallbacks: policyFallbacks, resolve: { try? router.plan(model: $0) })
    }

    /// Waits `seconds` before a retry, watching the client; false when it left.
    private func wait(_ seconds: Double, _ x: Exchange) -> Bool {
        let until = Monotonic.now() + seconds
        while Monotonic.now() < until {
            if x.request.clientGone { return false }
            usleep(UInt32(min(0.05, max(0.001, until - Monotonic.now())) * 1_000_000))
        }
        return true
    }

    /// The request body as a JSON object, within `server.max_body_bytes`.
    func readJSONObject(_ x: inout Exchange) throws(GatewayError) -> JSONObject {
        let bytes: [UInt8]
        switch x.request.readBody(limit: config.server.maxBodyBytes) {
        case .complete(let body): bytes = body
        case .tooLarge(let limit): throw .payloadTooLarge(limit: limit)
        }
        let value: JSONValue
        do {
            value = try JSON.parse(bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard let object = value.objectValue else { throw .invalidRequest("The request body must be a JSON object.") }
        return object
    }

    /// LiteLLM-compatible per-request opt-out: `Cache-Control: no-cache|no-store` or a body field
    /// `"cache": {"no-cache": true}` (the field itself is never forwarded upstream).
    private func cacheOptOut(_ x: Exchange, _ body: JSONObject) -> Bool {
        if let cc = x.request.header("cache-control")?.lowercased(),
           cc.contains("no-cache") || cc.contains("no-store") { return true }
        if let controls = body["cache"]?.objectValue {
            if controls["no-cache"]?.boolValue == true || controls["no-store"]?.boolValue == true { return true }
        }
        return false
    }
}
