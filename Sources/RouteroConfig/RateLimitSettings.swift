/// Client-side limits of one scope (a key today; a virtual key's own row later): requests and
/// tokens per fixed 60 s window, and requests in flight at once. nil means "no limit".
public struct ClientLimits: Sendable, Equatable {
    /// Requests per minute (`rpm`, LiteLLM `rpm_limit`).
    public var rpm: Int?
    /// Tokens (input + output) per minute (`tpm`, LiteLLM `tpm_limit`).
    public var tpm: Int?
    /// Requests in flight at once (`max_parallel`, LiteLLM `max_parallel_requests`).
    public var maxParallel: Int?

    public init(rpm: Int? = nil, tpm: Int? = nil, maxParallel: Int? = nil) {
        self.rpm = rpm
        self.tpm = tpm
        self.maxParallel = maxParallel
    }

    /// Whether any limit is set.
    public var isEmpty: Bool { rpm == nil && tpm == nil && maxParallel == nil }
}

/// Per-model limits for one caller (LiteLLM `model_rpm_limit` / `model_tpm_limit` on a key).
public struct ModelLimits: Sendable, Equatable {
    public var rpm: Int?
    public var tpm: Int?

    public init(rpm: Int? = nil, tpm: Int? = nil) {
        self.rpm = rpm
        self.tpm = tpm
    }
}

/// What rate limiting does while Redis cannot be asked.
public enum RateLimitOutageMode: String, Sendable, Equatable, CaseIterable {
    /// Keep enforcing every limit from a per-process counter (fail-open towards the fleet: each
    /// worker process admits up to the limit on its own until Redis answers again).
    case local
    /// Refuse every request that a limit applies to with 503 until Redis answers again.
    case failClosed = "fail_closed"
}

/// Rate limits (native `limits:`; LiteLLM `general_settings` spellings), enforced exactly across
/// every worker and host that shares one Redis (see deploy/ROUTING.md, "Rate limits").
///
/// Deployment limits (`rpm` / `tpm` of a deployment) live on ``Deployment``; everything here is
/// about clients. Until virtual keys exist, ``perKey`` applies to each caller identity (the
/// master key); a future key table carries a ``ClientLimits`` per key and overrides it.
public struct RateLimitSettings: Sendable, Equatable {
    /// Limits every key gets (`limits.per_key`).
    public var perKey = ClientLimits()
    /// Limits per caller and model group (`limits.per_model.<group>`), keyed by group name.
    public var perModel: [String: ModelLimits] = [:]
    /// Requests in flight at once across all callers (`limits.global_max_parallel`, LiteLLM
    /// `general_settings.global_max_parallel_requests`).
    public var globalMaxParallel: Int?
    /// `limits.on_redis_outage`.
    public var onRedisOutage: RateLimitOutageMode = .local
    /// Completion tokens reserved for a request that sets no `max_tokens`
    /// (`limits.default_completion_tokens`), on top of the estimated prompt.
    public var defaultCompletionTokens = 1024

    /// Settings with no limits.
    public init() {}

    /// Whether any client limit is configured.
    public var hasClientLimits: Bool {
        !perKey.isEmpty || perModel.values.contains { $0.rpm != nil || $0.tpm != nil } || globalMaxParallel != nil
    }
}

extension RateLimitSettings: CustomStringConvertible {
    /// `{per_key: {rpm: 60, ...}, per_model: {...}, ...}` for `check-config` (nothing secret here).
    public var description: String {
        func text(_ pairs: [(String, Int?)]) -> String {
            "{" + pairs.compactMap { name, value in value.map { "\(name): \($0)" } }.joined(separator: ", ") + "}"
        }
        let models = perModel.keys.sorted().map { "\($0): \(text([("rpm", perModel[$0]!.rpm), ("tpm", perModel[$0]!.tpm)]))" }
        return "{per_key: \(text([("rpm", perKey.rpm), ("tpm", perKey.tpm), ("max_parallel", perKey.maxParallel)])), "
            + "per_model: {\(models.joined(separator: ", "))}, global_max_parallel: \(globalMaxParallel.map(String.init) ?? "none"), "
            + "on_redis_outage: \(onRedisOutage.rawValue), default_completion_tokens: \(defaultCompletionTokens)}"
    }
}
