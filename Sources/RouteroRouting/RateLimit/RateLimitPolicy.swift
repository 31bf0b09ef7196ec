public import RouteroConfig
public import RouteroCore

/// Which limits apply to a request, as store checks (pure; deploy/ROUTING.md, "Rate limits").
///
/// A caller's limits are one check in the caller's scope (`k:<caller scope>`): its rpm and tpm,
/// its per-model rpm and tpm for the requested group, and its parallel slot, so one atomic script
/// decides them together. `global_max_parallel` is a second check in the `global` scope. A
/// deployment's `rpm`/`tpm` are a check in `d:<deployment id>`, made before each attempt.
public enum RateLimitPolicy {
    /// The window every limit counts in: a fixed minute.
    public static let windowMs = 60_000

    /// Tokens reserved before the call: the estimated prompt plus `max_tokens`, or plus the
    /// configured default completion allowance when the request sets none.
    public static func reservedTokens(inputEstimate: Int, maxTokens: Int?, defaultCompletion: Int) -> Int {
        max(0, inputEstimate) + max(0, maxTokens ?? defaultCompletion)
    }

    /// Whether any client token limit applies to `group` (so the prompt must be estimated).
    public static func needsTokenEstimate(_ settings: RateLimitSettings, group: String?) -> Bool {
        settings.perKey.tpm != nil || group.flatMap { settings.perModel[$0]?.tpm } != nil
    }

    /// The caller's checks (its own scope first, then the global one); empty when nothing applies.
    /// - Parameters:
    ///   - callerScope: ``CallerIdentity``'s scope (a hash of the key, never the key).
    ///   - group: the configured model group that matched, if any.
    ///   - tokens: tokens reserved for this request.
    ///   - leaseMs: how long an unreleased parallel slot lives.
    public static func clientChecks(_ settings: RateLimitSettings, callerScope: String, group: String?, tokens: Int,
                                    leaseMs: Int) -> [RateLimitCheck] {
        var counters: [RateLimitCounter] = []
        if let rpm = settings.perKey.rpm { counters.append(RateLimitCounter(name: "rpm", unit: .requests, limit: rpm, amount: 1)) }
        if let tpm = settings.perKey.tpm { counters.append(RateLimitCounter(name: "tpm", unit: .tokens, limit: tpm, amount: tokens)) }
        if let group, let model = settings.perModel[group] {
            if let rpm = model.rpm { counters.append(RateLimitCounter(name: "m:\(group):rpm", unit: .requests, limit: rpm, amount: 1)) }
            if let tpm = model.tpm { counters.append(RateLimitCounter(name: "m:\(group):tpm", unit: .tokens, limit: tpm, amount: tokens)) }
        }
        var checks: [RateLimitCheck] = []
        let caller = RateLimitCheck(scope: "k:\(callerScope)", counters: counters, maxParallel: settings.perKey.maxParallel,
                                    windowMs: windowMs, leaseMs: leaseMs)
        if !caller.isEmpty { checks.append(caller) }
        if let global = settings.globalMaxParallel {
            checks.append(RateLimitCheck(scope: "global", counters: [], maxParallel: global, windowMs: windowMs, leaseMs: leaseMs))
        }
        return checks
    }

    /// The check for one attempt at a deployment with `rpm`/`tpm` limits; nil when it has none.
    public static func deploymentCheck(id: String, rpm: Int?, tpm: Int?, tokens: Int) -> RateLimitCheck? {
        var counters: [RateLimitCounter] = []
        if let rpm { counters.append(RateLimitCounter(name: "rpm", unit: .requests, limit: rpm, amount: 1)) }
        if let tpm { counters.append(RateLimitCounter(name: "tpm", unit: .tokens, limit: tpm, amount: tokens)) }
        return counters.isEmpty ? nil : RateLimitCheck(scope: "d:\(id)", counters: counters, windowMs: windowMs)
    }

    /// The 429 for a refused client check, with `retry-after` and OpenAI's `x-ratelimit-*` headers.
    /// A refusal that no wait can cure (the request alone needs more tokens than the limit allows)
    /// says so and carries no `retry-after`.
    public static func clientRefusal(_ refusal: RateLimitRefusal, states: [RateLimitState]) -> GatewayError {
        var headers = RateLimitHeaders.values(states)
        let message: String
        switch refusal {
        case .window(let state, let needed):
            let what = state.unit == .requests ? "requests" : "tokens"
            let scope = state.name.hasPrefix("m:") ? "for this model " : ""
            if needed > state.limit {
                message = "This request needs \(needed) \(what), more than the limit of \(state.limit) \(what) per minute "
                    + "\(scope)allows; lower max_tokens or the prompt."
            } else {
                message = "Rate limit reached: \(state.limit) \(what) per minute \(scope)(\(state.used) used). "
                    + "Retry after the window resets."
                headers = RateLimitHeaders.retryAfter(ms: state.resetMs) + headers
            }
        case .parallel(let limit):
            message = "Too many requests in flight: at most \(limit) at once. Retry when one has finished."
            headers = RateLimitHeaders.retryAfter(ms: 1000) + headers
        }
        var error = GatewayError.rateLimited(message)
        error.headers = headers
        return error
    }

    /// The failure recorded for a deployment at its limit: a 429 whose `retry-after` is the window's
    /// reset, so the failover machine waits for a short one or moves on to another deployment.
    public static func deploymentRefusal(id: String, refusal: RateLimitRefusal) -> GatewayError {
        var resetMs = 1000
        if case .window(let state, _) = refusal { resetMs = state.resetMs }
        var error = GatewayError.rateLimited("Every deployment of this model is at its configured rate limit.")
        error.code = "deployment_rate_limited"
        error.headers = RateLimitHeaders.retryAfter(ms: resetMs)
        return error
    }

    /// 503 while Redis is unavailable and `on_redis_outage: fail_closed`.
    public static var unavailable: GatewayError {
        var error = GatewayError.serviceUnavailable("Rate limits cannot be checked right now; retry shortly.")
        error.code = "rate_limit_unavailable"
        error.headers = [("retry-after", "1")]
        return error
    }
}
