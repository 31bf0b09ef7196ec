import RouteroConfig
import RouteroCore
import RouteroProviders
import RouteroRedis
import RouteroRouting
import RouteroState

/// The gateway's rate limits, built once at start-up: the limiter (Redis, with the configured
/// outage mode) and each deployment's `rpm`/`tpm` by deployment id.
struct RateLimitRuntime: Sendable {
    let limiter: RateLimiter
    let settings: RateLimitSettings
    let deploymentLimits: [String: (rpm: Int?, tpm: Int?)]
    /// How long an unreleased parallel slot lives: a request cannot hold one longer than its
    /// upstream timeout plus a minute, unless it is a stream still running (deploy/ROUTING.md).
    let leaseMs: Int
    let usageRouting: Bool

    /// nil when no limit is configured and no strategy reads the counters: requests then pay nothing.
    static func make(_ config: GatewayConfig, redis: RedisClient?) -> RateLimitRuntime? {
        var deployments: [String: (rpm: Int?, tpm: Int?)] = [:]
        for deployment in config.modelGroups.flatMap(\.deployments) where deployment.rpm != nil || deployment.tpm != nil {
            deployments[deployment.id] = (deployment.rpm, deployment.tpm)
        }
        let usageRouting = ["usage-based-routing", "usage-based-routing-v2"].contains(config.routing.strategy)
        guard config.limits.hasClientLimits || !deployments.isEmpty || usageRouting else { return nil }
        var shared: RedisRateLimitStore?
        if let redis {
            let store = RedisRateLimitStore(redis: redis, namespace: config.cache.namespace)
            if let problem = store.loadScripts() {
                Log.warning("rate limits: scripts not loaded at start-up; loaded on first use", [("error", problem)])
            }
            shared = store
        }
        let limiter = RateLimiter(shared: shared, failClosed: config.limits.onRedisOutage == .failClosed)
        let lease = Int(min(config.server.upstreamTimeoutSeconds + 60, 86_400) * 1000)
        return RateLimitRuntime(limiter: limiter, settings: config.limits, deploymentLimits: deployments, leaseMs: lease,
                                usageRouting: usageRouting)
    }
}

/// One request's rate-limit reservations: the caller's (held until the request ends, releasing its
/// parallel slot) and the current attempt's deployment. Settled with the real usage of the answer
/// that was delivered; a failed attempt or request is refunded its reserved tokens.
final class RequestLimits {
    private let runtime: RateLimitRuntime?
    private let tokens: Int
    private var client: [RateLimitReservation] = []
    private var attempt: RateLimitReservation?
    private var deliveredTokens: Int?
    private var delivered = false

    init(runtime: RateLimitRuntime?, tokens: Int) {
        self.runtime = runtime
        self.tokens = tokens
    }

    /// Admits one attempt at `target` against its deployment's limits; the 429 to record as the
    /// attempt's failure when the deployment is at its limit (routing then goes elsewhere).
    func admitDeployment(_ target: UpstreamTarget) -> GatewayError? {
        refundAttempt()
        guard let runtime, let limits = runtime.deploymentLimits[target.deploymentID],
              let check = RateLimitPolicy.deploymentCheck(id: target.deploymentID, rpm: limits.rpm, tpm: limits.tpm, tokens: tokens)
        else { return nil }
        do {
            switch try runtime.limiter.admit(check) {
            case .admitted(let reservation, _):
                attempt = reservation
                return nil
            case .refused(let refusal, _):
                return RateLimitPolicy.deploymentRefusal(id: target.deploymentID, refusal: refusal)
            }
        } catch {
            return RateLimitPolicy.unavailable
        }
    }

    /// The answer went to the client with `usage` (nil when the provider reported none: the
    /// reservation then stands as the charge).
    func delivered(_ usage: Usage?) {
        delivered = true
        deliveredTokens = usage?.totalTokens
    }

    /// Ends the request: reconciles to the delivered usage (or refunds), releases parallel slots.
    func finish() {
        guard let runtime else { return }
        let actual = delivered ? (deliveredTokens ?? tokens) : nil
        if let attempt { runtime.limiter.settle(attempt, actualTokens: actual) }
        attempt = nil
        for reservation in client { runtime.limiter.settle(reservation, actualTokens: actual) }
        client = []
    }

    fileprivate func hold(_ reservation: RateLimitReservation) { client.append(reservation) }

    private func refundAttempt() {
        if let attempt, let runtime { runtime.limiter.settle(attempt, actualTokens: nil) }
        attempt = nil
    }
}

extension Gateway {
    /// Admits the request against the caller's limits before any upstream call: reserves its
    /// requests, its tokens (estimated prompt + `max_tokens`) and its parallel slot. Throws the
    /// client's 429 (or 503 while Redis is away under `fail_closed`); on success the response
    /// carries OpenAI's `x-ratelimit-*` headers.
    func admitClient(_ x: inout Exchange, session: inout ChatSession, plan: RoutePlan) throws(GatewayError) -> RequestLimits {
        guard let runtime = rateLimits else { return RequestLimits(runtime: nil, tokens: 0) }
        let settings = runtime.settings
        let needsTokens = RateLimitPolicy.needsTokenEstimate(settings, group: plan.group)
            || plan.attempts.contains { runtime.deploymentLimits[$0.deploymentID]?.tpm != nil }
        let tokens = needsTokens ? estimatedTokens(&session, settings: settings) : 0
        let limits = RequestLimits(runtime: runtime, tokens: tokens)
        let checks = RateLimitPolicy.clientChecks(settings, callerScope: (x.caller ?? .anonymous).scope, group: plan.group,
                                                  tokens: tokens, leaseMs: runtime.leaseMs)
        // The global parallel check goes first: refusing after it only frees a slot, whereas a
        // refusal after the caller's check would leave its request counted.
        for check in checks.reversed() {
            let decision: RateLimitDecision
            do {
                decision = try runtime.limiter.admit(check)
            } catch {
                limits.finish()
                x.note("rate_limit", "unavailable")
                throw RateLimitPolicy.unavailable
            }
            switch decision {
            case .admitted(let reservation, let states):
                limits.hold(reservation)
                if !states.isEmpty { x.rateLimitHeaders = RateLimitHeaders.values(states) }
            case .refused(let refusal, let states):
                limits.finish()
                x.note("rate_limit", "refused")
                throw RateLimitPolicy.clientRefusal(refusal, states: states)
            }
        }
        if tokens > 0 { x.note("reserved_tokens", String(tokens)) }
        return limits
    }

    /// `usage-based-routing(-v2)`: the plan's deployments by headroom under their rpm/tpm in this
    /// minute, from one read of their counters; other strategies leave the plan as it is.
    func usageOrdered(_ plan: RoutePlan) -> RoutePlan {
        guard let runtime = rateLimits, runtime.usageRouting, plan.attempts.count > 1 else { return plan }
        let limited = plan.attempts.compactMap { t in runtime.deploymentLimits[t.deploymentID].map { (t.deploymentID, $0) } }
        guard !limited.isEmpty else { return plan }
        let used = runtime.limiter.usage(limited.map { (scope: "d:\($0.0)", names: ["rpm", "tpm"]) },
                                         windowMs: RateLimitPolicy.windowMs)
        var loads: [String: UsageRanking.Load] = [:]
        for (i, entry) in limited.enumerated() {
            loads[entry.0] = UsageRanking.Load(rpm: entry.1.rpm, tpm: entry.1.tpm, usedRequests: used[i][0], usedTokens: used[i][1])
        }
        var ordered = plan
        ordered.attempts = UsageRanking.order(plan.attempts, loads: loads)
        return ordered
    }

    /// Whether attempts should report the answer's token usage (something reconciles with it).
    var rateLimitsWantUsage: Bool { rateLimits != nil }

    /// The estimated prompt plus `max_tokens` (or the default completion allowance).
    private func estimatedTokens(_ session: inout ChatSession, settings: RateLimitSettings) -> Int {
        if let call = try? session.canonical() {
            return RateLimitPolicy.reservedTokens(inputEstimate: TokenEstimate.inputTokens(call), maxTokens: call.maxTokens,
                                                  defaultCompletion: settings.defaultCompletionTokens)
        }
        // A body the canonical decoder refuses still gets a charge: a token per 4 bytes.
        return RateLimitPolicy.reservedTokens(inputEstimate: JSON.serialize(.object(session.native.body)).count / 4,
                                              maxTokens: nil, defaultCompletion: settings.defaultCompletionTokens)
    }
}
