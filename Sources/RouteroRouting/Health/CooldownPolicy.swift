public import RouteroCore

/// When a failed attempt cools its deployment down, and for how long (LiteLLM's `allowed_fails`
/// and `cooldown_time`, with Retry-After honoured fleet-wide). Pure: the store applies the
/// resulting ``CooldownRule`` atomically.
///
/// What counts as a failure of the deployment: 429, 5xx, timeouts, refused or broken connections
/// (LiteLLM does not count its connection errors; here a refused connection is the clearest sign
/// a deployment is down). Counted failures beyond `allowedFails` in the current minute cool the
/// deployment down for `cooldownSeconds`. Cooled down at once, like LiteLLM does for statuses it
/// never retries: a refused provider credential (401/403) and 404 (model not found there). A 429
/// with `Retry-After` keeps the whole fleet away for at least that long. Never counted: client
/// errors (400/413/422, context window, content policy), errors that are this request's own
/// (an answer too large, a loop, a missing credential), and a client that left.
public struct CooldownPolicy: Sendable, Equatable {
    public var allowedFails: Int
    public var cooldownSeconds: Double
    /// False with `disable_cooldowns: true` or `cooldown_time: 0`.
    public var enabled: Bool

    public init(allowedFails: Int = 3, cooldownSeconds: Double = 5, enabled: Bool = true) {
        self.allowedFails = allowedFails
        self.cooldownSeconds = cooldownSeconds
        self.enabled = enabled && cooldownSeconds > 0
    }

    /// The rule to apply for `error` on a deployment whose breaker was `breaker` when the request
    /// was planned; nil when the failure is not the deployment's.
    public func rule(for error: GatewayError, breaker: BreakerState) -> CooldownRule? {
        guard enabled else { return nil }
        let failure = FailureClass(error)
        var rule = CooldownRule(allowedFails: allowedFails, cooldownMs: Self.ms(cooldownSeconds), why: Self.reason(error))
        switch failure {
        case .rateLimited(let retryAfter):
            if let retryAfter, retryAfter > 0 { rule.retryAfterMs = Self.ms(retryAfter) }
        case .timeout, .serverError, .connection:
            break
        case .unavailable:
            let code = error.code ?? ""
            guard error.status == 404 || code == "upstream_authentication_failed" else { return nil }
            rule.immediateMs = rule.cooldownMs
        case .badRequest, .contextWindow, .contentPolicy:
            return nil
        }
        // A failed probe (or any failure while the breaker was not closed) re-opens it at once.
        if breaker != .closed { rule.immediateMs = rule.cooldownMs }
        return rule
    }

    static func ms(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded(.up)) }

    static func reason(_ error: GatewayError) -> String {
        "\(error.status) \(error.code ?? error.type)"
    }
}

/// One failure to record: the store counts it in the current minute and, when the count passes
/// `allowedFails` (or `immediateMs` / `retryAfterMs` ask for it), moves the deployment's cooldown
/// deadline to `now + duration` — only ever later, never earlier.
public struct CooldownRule: Sendable, Equatable {
    public var allowedFails: Int
    public var cooldownMs: Int64
    /// Cool down for this long whatever the count (0: only by count).
    public var immediateMs: Int64 = 0
    /// The provider's `Retry-After`: at least this long, whatever the count (0: none).
    public var retryAfterMs: Int64 = 0
    /// Status and code, stored with the deadline for operators.
    public var why: String

    public init(allowedFails: Int, cooldownMs: Int64, immediateMs: Int64 = 0, retryAfterMs: Int64 = 0, why: String) {
        self.allowedFails = allowedFails
        self.cooldownMs = cooldownMs
        self.immediateMs = immediateMs
        self.retryAfterMs = retryAfterMs
        self.why = why
    }

    /// How long to cool down after the `count`th failure of the minute (0: not yet).
    public func duration(afterFailure count: Int) -> Int64 {
        var duration = immediateMs
        if count > allowedFails { duration = max(duration, cooldownMs) }
        return max(duration, retryAfterMs)
    }
}

/// What recording a failure did.
public struct CooldownResult: Sendable, Equatable {
    /// Failures counted in the current minute, this one included.
    public var failures: Int
    /// The deadline now in force (store clock, ms), nil when the deployment is not cooling down.
    public var untilMs: Int64?

    public init(failures: Int, untilMs: Int64?) {
        self.failures = failures
        self.untilMs = untilMs
    }
}
