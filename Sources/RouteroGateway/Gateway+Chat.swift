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
    func serveChat(_ x: inout Exchange, frontEnd: any ChatFrontEnd, facts: InboundRequestFacts) async throws(GatewayError) {
        let body = try readJSONObject(&x)
        let native = try frontEnd.decodeNative(body, request: facts)
        x.note("format", native.family.rawValue)
        x.note("model", native.model)
        x.note("stream", native.stream ? "true" : "false")
        let plan = usageOrdered(try router.plan(model: native.model))
        x.note("route", plan.routeKey)
        var session = ChatSession(frontEnd: frontEnd, native: native)

        // The cache holds OpenAI chat.completion answers (CachePolicy); other formats bypass it.
        var cacheWrite: CacheWrite?
        switch try consultCache(&x, native: native, frontEnd: frontEnd, plan: plan) {
        case .served: return
        case .store(let write): cacheWrite = write
        case .skip: break
        }

        let limits = try admitClient(&x, session: &session, plan: plan)
        defer { limits.finish() }
        let requested = try requestFallbacks(native)
        if let requested { x.note("request_fallbacks", requested.joined(separator: ",")) }
        let routing = routeRequest(plan, stream: native.stream, x: &x)
        var failover = routing.failover(failoverMachine(for: routing.plan, budgetEnd: budgetDeadline(x), requestFallbacks: requested,
                                                        resolve: routing.resolveFallback))
        var resume: StreamResume?
        while let step = failover.next(now: Monotonic.now()) {
            if step.delaySeconds > 0, !wait(step.delaySeconds, &x) {
                x.note("client", "disconnected")
                x.status = 499
                return
            }
            let target = step.target
            if let refusal = limits.admitDeployment(target) { failover.failed(refusal, now: Monotonic.now()); continue }
            x.note("attempt", "\(step.attempt):\(target.deploymentID)")
            if resume == nil { x.answeredBy = (target.deploymentID, target.profile.id, step.attempt) }
            var leg: ContinuationLeg?
            if let current = resume {
                switch continuationLeg(current, target: target, session: &session) {
                case .success(let next): leg = next
                case .failure(let refusal):
                    endBrokenStream(&x, &resume, reason: refusal.reason)
                    return
                }
                x.note("continuation", "\(step.attempt):\(target.deploymentID):\(current.mode(for: target).rawValue)")
            }
            // A continued answer is two models' work: it is not cached.
            let ticket = routing.begin(target)
            let outcome = await attempt(&x, session: &session, target: target, cacheWrite: resume == nil ? cacheWrite : nil, leg: leg)
            routing.end(ticket, outcome, &x)
            switch outcome {
            case .delivered(let response, let usage):
                limits.delivered(usage)
                if resume != nil { x.note("continued_by", target.deploymentID) }
                if let cacheWrite, resume == nil, native.stream == false {
                    storeInCache(&x, cacheWrite, response: response, transcript: nil, session: session)
                }
                return
            case .clientGone:
                x.note("client", "disconnected")
                x.status = 499
                return
            case .failed(let error):
                if var current = resume, error.status == 400, current.mode(for: target) == .prefill {
                    // The model refused the prefill (recent Claude models do): the same deployment
                    // gets the instruction form next; the refusal is not the client's error.
                    current.prefillRefused.insert(target.deploymentID)
                    resume = current
                    failover.retryCurrent(now: Monotonic.now(), reason: "prefill refused; instruction next")
                } else if resume != nil, FailureClass(error).endsRequest {
                    // A continuation request the fallback cannot take says nothing about the client's request.
                    failover.skipCurrent(reason: "\(error.status) to a continuation")
                } else {
                    failover.failed(error, now: Monotonic.now())
                }
                Log.info("upstream attempt failed", [
                    ("id", x.requestID), ("deployment", target.deploymentID), ("status", String(error.status)),
                    ("error", error.code ?? error.type), ("decision", failover.decisions.last ?? ""),
                ])
            case .interrupted(let error, let pipe):
                failover.failed(error, now: Monotonic.now())
                Log.info("upstream stream broke after reaching the client", [
                    ("id", x.requestID), ("deployment", target.deploymentID), ("error", error.code ?? error.type),
                    ("decision", failover.decisions.last ?? ""),
                ])
                if var current = resume {
                    if let refusal = current.advance(to: pipe, call: (try? session.canonical()) ?? ChatCall(model: "", messages: [])) {
                        resume = current
                        endBrokenStream(&x, &resume, reason: refusal.reason)
                        return
                    }
                    resume = current
                } else {
                    switch continuationStart(error, pipe: pipe, session: &session) {
                    case .success(let start): resume = start
                    case .failure(let refusal):
                        var pipe = pipe
                        x.request.write(pipe.fail(error))
                        x.note("stream_error", error.code ?? error.type)
                        x.note("continuation", "refused: \(refusal.reason)")
                        return
                    }
                }
            }
        }
        if resume != nil {
            endBrokenStream(&x, &resume, reason: "no deployment could continue it")
            return
        }
        x.answeredBy = nil
        throw failover.lastError ?? .internalError("no deployment could be tried")
    }

    /// The failover state machine for `plan`, with the group's configured fallbacks and retries.
    /// - Parameter requestFallbacks: the request body's own `fallbacks` (LiteLLM), replacing the group's.
    /// - Parameter resolve: fallback group → its plan (the request's routing orders them against shared state).
    func failoverMachine(for plan: RoutePlan, budgetEnd: Double = .infinity, requestFallbacks: [String]? = nil,
                         resolve: (@Sendable (String) -> RoutePlan?)? = nil) -> FailoverMachine {
        let routing = config.routing
        let group = plan.group
        let fallbacks = requestFallbacks
            ?? routing.fallbacks.first { $0.model == group }?.fallbacks ?? routing.defaultFallbacks
        let context = routing.contextWindowFallbacks.first { $0.model == group }?.fallbacks ?? []
        let policyFallbacks = routing.contentPolicyFallbacks.first { $0.model == group }?.fallbacks ?? []
        var policy = RetryPolicy()
        if let n = routing.numRetries { policy.sameDeploymentRetries = n }
        let router = self.router
        return FailoverMachine(plan: plan, policy: policy, fallbacks: group == nil && requestFallbacks == nil ? [] : fallbacks,
                               contextWindowFallbacks: context, contentPolicyFallbacks: policyFallbacks, budgetEnd: budgetEnd,
                               resolve: resolve ?? { try? router.plan(model: $0) })
    }

    /// LiteLLM's per-request `fallbacks` (OpenAI format): a list of model groups, each one the
    /// operator configured, so a client can reorder the fleet's failover but never reach a
    /// provider or model the configuration does not serve.
    func requestFallbacks(_ native: NativeChat) throws(GatewayError) -> [String]? {
        guard native.family == .openAI, let value = native.body["fallbacks"] else { return nil }
        guard let list = value.arrayValue, list.count <= 10 else {
            throw .invalidRequest("fallbacks must be a list of at most 10 model group names.", param: "fallbacks")
        }
        var names: [String] = []
        for item in list {
            guard let name = item.stringValue, config.modelGroups.contains(where: { $0.name == name }) else {
                throw .invalidRequest("fallbacks: \(item.stringValue.map { "\"\($0)\"" } ?? "an entry") is not a configured model group.",
                                      param: "fallbacks")
            }
            names.append(name)
        }
        return names
    }

    /// Waits `seconds` before a retry, watching the client; false when it left.
    private func wait(_ seconds: Double, _ x: inout Exchange) -> Bool {
        let start = Monotonic.now()
        defer { x.waited += Monotonic.now() - start }
        let until = start + seconds
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

}
