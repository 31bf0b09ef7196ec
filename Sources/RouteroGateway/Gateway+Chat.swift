import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting
import RouteroState
import RouteroSystem
import Glibc

/// One chat request across its attempts: what the steps between them share. A class, so that
/// serveChat's frame holds a reference rather than a kilobyte-sized copy per value in flight.
final class ChatRun {
    var session: ChatSession
    var native: NativeChat { session.native }
    /// Where a complete answer is cached (nil: not cached).
    let cacheWrite: CacheWrite?
    let limits: RequestLimits
    let routing: RequestRouting
    var failover: RoutedFailover
    /// A stream broken after it reached the client, being continued.
    var resume: StreamResume?

    init(session: ChatSession, cacheWrite: CacheWrite?, limits: RequestLimits, routing: RequestRouting,
         failover: RoutedFailover) {
        self.session = session
        self.cacheWrite = cacheWrite
        self.limits = limits
        self.routing = routing
        self.failover = failover
    }
}

/// The next attempt of a ``ChatRun`` (a class for the same reason).
final class ChatStep {
    let target: UpstreamTarget
    let leg: ContinuationLeg?
    let ticket: RequestRouting.Ticket

    init(target: UpstreamTarget, leg: ContinuationLeg?, ticket: RequestRouting.Ticket) {
        self.target = target
        self.leg = leg
        self.ticket = ticket
    }
}

extension Gateway {
    /// Every chat entry point (OpenAI, Azure, Anthropic, Gemini): parse in the client's format,
    /// route, consult the cache, then try the plan's deployments in order until one answers.
    /// Nothing is sent to the client before an upstream has answered, so a failed attempt can
    /// still go elsewhere.
    ///
    /// Only the attempts are awaited here; the work around them is in synchronous steps (see
    /// ``attempt(_:session:target:cacheWrite:leg:)``: with them inline, this function's frame
    /// was 21 KiB per held stream).
    func serveChat(_ x: inout Exchange, frontEnd: any ChatFrontEnd, facts: InboundRequestFacts) async throws(GatewayError) {
        guard let run = try openChat(&x, frontEnd: frontEnd, facts: facts) else { return }
        defer { run.limits.finish() }
        while true {
            let step: ChatStep
            switch nextStep(&x, run) {
            case .attempt(let next): step = next
            case .finished: return
            case .exhausted:
                try closeChat(&x, run)
                return
            }
            // A continued answer is two models' work: it is not cached.
            let outcome = await attempt(&x, session: &run.session, target: step.target,
                                        cacheWrite: run.resume == nil ? run.cacheWrite : nil, leg: step.leg)
            if settle(&x, run, step, outcome) { return }
        }
    }

    /// Parses, routes and admits the request; nil when the cache answered it.
    @inline(never)
    private func openChat(_ x: inout Exchange, frontEnd: any ChatFrontEnd,
                          facts: InboundRequestFacts) throws(GatewayError) -> ChatRun? {
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
        case .served: return nil
        case .store(let write): cacheWrite = write
        case .skip: break
        }

        let limits = try admitClient(&x, session: &session, plan: plan)
        let requested: [String]?
        do {
            requested = try requestFallbacks(native)
        } catch {
            limits.finish()
            throw error
        }
        if let requested { x.note("request_fallbacks", requested.joined(separator: ",")) }
        let routing = routeRequest(plan, stream: native.stream, x: &x)
        let failover = routing.failover(failoverMachine(for: routing.plan, budgetEnd: budgetDeadline(x), requestFallbacks: requested,
                                                        resolve: routing.resolveFallback))
        return ChatRun(session: session, cacheWrite: cacheWrite, limits: limits, routing: routing, failover: failover)
    }

    private enum NextStep {
        case attempt(ChatStep)
        /// The request has its answer (or its end) already.
        case finished
        /// No deployment is left to try.
        case exhausted
    }

    /// The failover machine's next deployment that the limits admit, with its continuation leg.
    @inline(never)
    private func nextStep(_ x: inout Exchange, _ run: ChatRun) -> NextStep {
        while let step = run.failover.next(now: Monotonic.now()) {
            if step.delaySeconds > 0, !wait(step.delaySeconds, &x) {
                x.note("client", "disconnected")
                x.status = 499
                return .finished
            }
            let target = step.target
            if let refusal = run.limits.admitDeployment(target) { run.failover.failed(refusal, now: Monotonic.now()); continue }
            x.note("attempt", "\(step.attempt):\(target.deploymentID)")
            if run.resume == nil { x.answeredBy = (target.deploymentID, target.profile.id, step.attempt) }
            var leg: ContinuationLeg?
            if let current = run.resume {
                switch continuationLeg(current, target: target, session: &run.session) {
                case .success(let next): leg = next
                case .failure(let refusal):
                    endBrokenStream(&x, &run.resume, reason: refusal.reason)
                    return .finished
                }
                x.note("continuation", "\(step.attempt):\(target.deploymentID):\(current.mode(for: target).rawValue)")
            }
            return .attempt(ChatStep(target: target, leg: leg, ticket: run.routing.begin(target)))
        }
        return .exhausted
    }

    /// Records an attempt's outcome; true when the request is done.
    @inline(never)
    private func settle(_ x: inout Exchange, _ run: ChatRun, _ step: ChatStep, _ outcome: AttemptOutcome) -> Bool {
        let target = step.target
        run.routing.end(step.ticket, outcome, &x)
        switch outcome {
        case .delivered(let response, let usage):
            run.limits.delivered(usage)
            if run.resume != nil { x.note("continued_by", target.deploymentID) }
            if let cacheWrite = run.cacheWrite, run.resume == nil, run.native.stream == false {
                storeInCache(&x, cacheWrite, response: response, transcript: nil, session: run.session)
            }
            return true
        case .clientGone:
            x.note("client", "disconnected")
            x.status = 499
            return true
        case .failed(let error):
            if var current = run.resume, error.status == 400, current.mode(for: target) == .prefill {
                // The model refused the prefill (recent Claude models do): the same deployment
                // gets the instruction form next; the refusal is not the client's error.
                current.prefillRefused.insert(target.deploymentID)
                run.resume = current
                run.failover.retryCurrent(now: Monotonic.now(), reason: "prefill refused; instruction next")
            } else if run.resume != nil, FailureClass(error).endsRequest {
                // A continuation request the fallback cannot take says nothing about the client's request.
                run.failover.skipCurrent(reason: "\(error.status) to a continuation")
            } else {
                run.failover.failed(error, now: Monotonic.now())
            }
            Log.info("upstream attempt failed", [
                ("id", x.requestID), ("deployment", target.deploymentID), ("status", String(error.status)),
                ("error", error.code ?? error.type), ("decision", run.failover.decisions.last ?? ""),
            ])
            return false
        case .interrupted(let error, let pipe):
            run.failover.failed(error, now: Monotonic.now())
            Log.info("upstream stream broke after reaching the client", [
                ("id", x.requestID), ("deployment", target.deploymentID), ("error", error.code ?? error.type),
                ("decision", run.failover.decisions.last ?? ""),
            ])
            if var current = run.resume {
                if let refusal = current.advance(to: pipe, call: (try? run.session.canonical()) ?? ChatCall(model: "", messages: [])) {
                    run.resume = current
                    endBrokenStream(&x, &run.resume, reason: refusal.reason)
                    return true
                }
                run.resume = current
            } else {
                switch continuationStart(error, pipe: pipe, session: &run.session) {
                case .success(let start): run.resume = start
                case .failure(let refusal):
                    var pipe = pipe
                    x.request.write(pipe.fail(error))
                    x.note("stream_error", error.code ?? error.type)
                    x.note("continuation", "refused: \(refusal.reason)")
                    return true
                }
            }
            return false
        }
    }

    /// No deployment is left: a broken stream ends with an error event, anything else with the
    /// last attempt's error.
    private func closeChat(_ x: inout Exchange, _ run: ChatRun) throws(GatewayError) {
        if run.resume != nil {
            endBrokenStream(&x, &run.resume, reason: "no deployment could continue it")
            return
        }
        x.answeredBy = nil
        throw run.failover.lastError ?? .internalError("no deployment could be tried")
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
