/// Process-level limits and timeouts (native `server:` section; LiteLLM configs use the defaults,
/// except that `router_settings.timeout` / `litellm_settings.request_timeout` set
/// ``upstreamTimeoutSeconds`` and `litellm_settings.set_verbose: true` sets ``logLevel`` to debug).
public struct ServerSettings: Sendable, Equatable {
    /// Largest accepted request body in bytes (`max_body_bytes`, at least 1024).
    public var maxBodyBytes: Int = 33_554_432
    /// Requests handled at once per worker before answering 429/503 (`max_concurrent_requests`).
    public var maxConcurrentRequests: Int = 4096
    /// How long SIGTERM waits for in-flight requests (`drain_timeout_seconds`, may be 0).
    public var drainTimeoutSeconds: Double = 30
    /// Whole-request timeout for an upstream call unless a deployment sets `timeout`.
    public var upstreamTimeoutSeconds: Double = 600
    /// TCP/TLS connect timeout for upstream calls (`connect_timeout_seconds`).
    public var connectTimeoutSeconds: Double = 10
    /// One of `debug`, `info`, `warning`, `error` (a String because RouteroConfig does not
    /// depend on RouteroCore; ``ServerSettings/logLevels`` lists the accepted values).
    public var logLevel: String = "info"

    /// The accepted `log_level` values, lowest first.
    public static let logLevels = ["debug", "info", "warning", "error"]

    /// Settings with every default.
    public init() {}
}

/// Client authentication (native `auth:`; LiteLLM `general_settings.master_key`).
public struct AuthSettings: Sendable, Equatable {
    /// The bearer key clients must send; `nil` means the gateway does not check keys.
    public var masterKey: Secret?

    /// Creates auth settings.
    public init(masterKey: Secret? = nil) { self.masterKey = masterKey }
}

/// The shared response cache (always Redis-backed so every worker sees the same entries).
public struct CacheSettings: Sendable, Equatable {
    /// Whether non-streaming chat responses are cached (native `cache.enabled`, LiteLLM
    /// `litellm_settings.cache`). Off unless configured, as in LiteLLM.
    public var enabled: Bool = false
    /// Entry lifetime (native `cache.ttl_seconds`, LiteLLM `cache_params.ttl`).
    public var ttlSeconds: Int = 600
    /// Prefix of every cache key in Redis (native `cache.namespace`, LiteLLM `cache_params.namespace`).
    public var namespace: String = "routero"

    /// Settings with every default.
    public init() {}
}

/// Per-provider overrides (native `providers.<id>:`), used by deployments that do not set
/// their own `api_base` / `api_key`, and by unlisted `provider/model` routes.
public struct ProviderSettings: Sendable, Equatable {
    /// Base URL replacing the catalog default (no trailing slash).
    public var apiBase: String?
    /// Key used before falling back to the provider's environment variables.
    public var apiKey: Secret?
    /// Headers added to every request to this provider, in file order.
    public var extraHeaders: [HeaderField] = []

    /// Creates provider settings.
    public init(apiBase: String? = nil, apiKey: Secret? = nil, extraHeaders: [HeaderField] = []) {
        self.apiBase = apiBase
        self.apiKey = apiKey
        self.extraHeaders = extraHeaders
    }
}

/// One extra HTTP header from the configuration (`extra_headers`).
public struct HeaderField: Sendable, Equatable {
    /// Header name as written.
    public var name: String
    /// Header value (may carry credentials, so config descriptions print only names).
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// "If model group X fails, try these groups": one entry of `fallbacks` /
/// `context_window_fallbacks`. Parsed and validated now; acted on by a later issue.
public struct FallbackRule: Sendable, Equatable {
    /// The model group the rule applies to.
    public var model: String
    /// Groups tried in order after it.
    public var fallbacks: [String]

    /// Creates a rule.
    public init(model: String, fallbacks: [String]) {
        self.model = model
        self.fallbacks = fallbacks
    }
}

/// Routing policy settings (LiteLLM `router_settings` / `litellm_settings`, native `routing:`).
/// Only `simple-shuffle` with next-deployment retry is active in this version; everything else is
/// validated and reported through ``GatewayConfig/notYetActive``.
public struct RoutingSettings: Sendable, Equatable {
    /// LiteLLM `routing_strategy`; see ``RoutingSettings/strategies``.
    public var strategy: String = "simple-shuffle"
    /// Retries of a failed request (beyond trying the next deployment of the group).
    public var numRetries: Int?
    /// Failures per minute before a deployment is cooled down.
    public var allowedFails: Int?
    /// How long a failing deployment is cooled down.
    public var cooldownSeconds: Double?
    /// Whether to check context windows / limits before calling a deployment.
    public var enablePreCallChecks: Bool = false
    /// Group-to-groups fallbacks on errors.
    public var fallbacks: [FallbackRule] = []
    /// Group-to-groups fallbacks on context-window errors.
    public var contextWindowFallbacks: [FallbackRule] = []
    /// Groups tried for any group without its own fallback rule.
    public var defaultFallbacks: [String] = []

    /// The routing strategies LiteLLM documents; anything else is a configuration error.
    public static let strategies = [
        "simple-shuffle", "least-busy", "usage-based-routing", "usage-based-routing-v2",
        "latency-based-routing", "cost-based-routing",
    ]

    /// Settings with every default.
    public init() {}
}
