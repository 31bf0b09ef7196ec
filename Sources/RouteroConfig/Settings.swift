/// Process-level limits and timeouts (native `server:` section; LiteLLM configs use the defaults,
/// except that `router_settings.timeout` / `litellm_settings.request_timeout` set
/// ``upstreamTimeoutSeconds``, `general_settings.max_request_size_mb` / `max_response_size_mb` set
/// the body limits and `litellm_settings.set_verbose: true` sets ``logLevel`` to debug).
public struct ServerSettings: Sendable, Equatable {
    /// Largest accepted request body in bytes (`max_body_bytes`, at least 1024).
    public var maxBodyBytes: Int = 33_554_432
    /// Largest non-streaming upstream body accepted (`max_response_bytes`); past it the client gets
    /// 502 instead of the gateway buffering without bound.
    public var maxResponseBytes: Int = 67_108_864
    /// Requests handled at once per worker; one more is answered 503 with `retry-after` at once
    /// (`max_concurrent_requests`).
    public var maxConcurrentRequests: Int = 4096
    /// Threads a worker keeps idle even when quiet, and connection loops it keeps in `accept`
    /// (`min_spare_threads`). A request holds a thread only while it runs or blocks (a held
    /// stream between chunks holds none), so a burst of more requests running at once creates
    /// threads as it goes, each costing its creation and its stack's first-touch page faults.
    public var minSpareThreads: Int = 8
    /// How long SIGTERM waits for in-flight requests (`drain_timeout_seconds`, may be 0).
    public var drainTimeoutSeconds: Double = 30
    /// Whole-request timeout for an upstream call unless a deployment sets `timeout`.
    public var upstreamTimeoutSeconds: Double = 600
    /// TCP/TLS connect timeout for upstream calls (`connect_timeout_seconds`).
    public var connectTimeoutSeconds: Double = 10
    /// HTTP version spoken to upstreams (`upstream_http_version`): `1.1`; see
    /// ``ServerSettings/upstreamHTTPVersions``.
    public var upstreamHTTPVersion: String = "1.1"
    /// Names this gateway in the loop-detection header of its upstream requests
    /// (`instance_id`); nil lets the executable derive one from the host name and config path,
    /// so every worker of one deployment shares it.
    public var instanceID: String?
    /// Routero gateways a request may already have passed through (`max_hops`); past it the
    /// request is refused with 508 `loop_detected`.
    public var maxHops: Int = 5
    /// One of `debug`, `info`, `warning`, `error` (a String because RouteroConfig does not
    /// depend on RouteroCore; ``ServerSettings/logLevels`` lists the accepted values).
    public var logLevel: String = "info"

    /// The accepted `log_level` values, lowest first.
    public static let logLevels = ["debug", "info", "warning", "error"]
    /// The accepted `upstream_http_version` values. HTTP/2 is not offered yet. Measured with
    /// libcurl 7.88 against nginx (TLS, h2) in front of the mock: pausing one stream for a slow
    /// client did not stall a second stream on the same connection, but the upstream kept
    /// sending into the paused stream's flow-control window (libcurl 7.88 fixes it at 32 MiB and
    /// has no option to lower it): 20 MiB reached the paused stream in 5 s, against 9.5 MiB over
    /// HTTP/1.1, where only kernel buffers hold data. Over HTTP/2 one slow client could pin up to
    /// 32 MiB of worker memory, so back-pressure would no longer bound the gateway.
    public static let upstreamHTTPVersions = ["1.1"]

    /// Settings with every default.
    public init() {}
}

/// How clients authenticate.
public enum AuthMode: String, Sendable, Equatable {
    /// Clients must present the master key (the default, and required unless opted out).
    case masterKey = "master_key"
    /// No key is checked: local experiments only, never on a reachable address.
    case none
}

/// Client authentication (native `auth:`; LiteLLM `general_settings.master_key`).
public struct AuthSettings: Sendable, Equatable {
    /// The bearer key clients must send.
    public var masterKey: Secret?
    /// `auth.mode` natively, `--auth none` on the command line for either format.
    public var mode: AuthMode = .masterKey

    /// Creates auth settings.
    public init(masterKey: Secret? = nil, mode: AuthMode = .masterKey) {
        self.masterKey = masterKey
        self.mode = mode
    }
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
    /// Largest response body stored (`cache.max_entry_bytes`); bigger answers are served, not cached.
    public var maxEntryBytes: Int = 4_194_304

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
/// `context_window_fallbacks`, acted on by the gateway's failover machine.
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
/// Active: every strategy but `usage-based-routing(-v2)`, cooldowns (`allowed_fails`,
/// `cooldown_seconds`, `disable_cooldowns`), `num_retries` and every kind of fallback; the rest is
/// validated and reported through ``GatewayConfig/notYetActive``.
public struct RoutingSettings: Sendable, Equatable {
    /// LiteLLM `routing_strategy`; see ``RoutingSettings/strategies``.
    public var strategy: String = "simple-shuffle"
    /// Retries of a failed request (beyond trying the next deployment of the group).
    public var numRetries: Int?
    /// Failures per minute a deployment may have before it is cooled down (LiteLLM's default 3).
    public var allowedFails: Int?
    /// How long a failing deployment is cooled down (LiteLLM `cooldown_time`, default 5 s).
    public var cooldownSeconds: Double?
    /// LiteLLM `disable_cooldowns`: never cool a deployment down.
    public var disableCooldowns: Bool = false
    /// `latency-based-routing`: deployments whose latency is within this fraction of the fastest
    /// one count as equally fast (LiteLLM `routing_strategy_args.lowest_latency_buffer`).
    public var latencyBuffer: Double = 0
    /// Whether to check context windows / limits before calling a deployment.
    public var enablePreCallChecks: Bool = false
    /// Group-to-groups fallbacks on errors.
    public var fallbacks: [FallbackRule] = []
    /// Group-to-groups fallbacks on context-window errors.
    public var contextWindowFallbacks: [FallbackRule] = []
    /// Group-to-groups fallbacks on content-policy rejections.
    public var contentPolicyFallbacks: [FallbackRule] = []
    /// Groups tried for any group without its own fallback rule.
    public var defaultFallbacks: [String] = []
    /// Whether a stream that breaks after reaching the client is completed by the next deployment
    /// (`stream_continuation`, on by default; deploy/ROUTING.md "Mid-stream continuation").
    public var streamContinuation: Bool = true
    /// Upstream silence, once a stream's content flows, after which it counts as stalled and fails
    /// over (`stream_stall_timeout_seconds`).
    public var streamStallTimeoutSeconds: Double = 20
    /// Time to first token of a streaming call for deployments without their own `stream_timeout`
    /// (`stream_timeout`); nil: the upstream timeout.
    public var streamTimeoutSeconds: Double?
    /// The whole request's budget across every attempt and wait (`total_timeout_seconds`); nil:
    /// the upstream timeout.
    public var totalTimeoutSeconds: Double?
    /// Native `policies:`: model names (`smart/fast`) that route over several groups with a strategy.
    public var policies: [RoutingPolicy] = []
    /// How long a worker reuses a read of the shared routing state in which every planned
    /// deployment was healthy (`state_cache_seconds`); 0 reads it for every request. Any cooling or
    /// half-open deployment, a load-reading strategy, or a failure this process saw reads it afresh.
    public var stateCacheSeconds: Double = 0.25
    /// The largest `state_cache_seconds`.
    public static let maxStateCacheSeconds = 5.0

    /// Cooldown defaults, as LiteLLM's Router has them.
    public static let defaultAllowedFails = 3
    public static let defaultCooldownSeconds = 5.0

    /// The routing strategies LiteLLM documents; anything else is a configuration error.
    public static let strategies = [
        "simple-shuffle", "least-busy", "usage-based-routing", "usage-based-routing-v2",
        "latency-based-routing", "cost-based-routing",
    ]

    /// Settings with every default.
    public init() {}
}

/// A native `policies:` entry: a model name clients send (`smart/fast`) that routes over the
/// deployments of several configured groups with one strategy.
public struct RoutingPolicy: Sendable, Equatable {
    /// The model name (must not also be a group).
    public var name: String
    /// One of ``RoutingSettings/strategies``.
    public var strategy: String
    /// Configured (non-wildcard) group names whose deployments the policy pools.
    public var groups: [String]

    public init(name: String, strategy: String, groups: [String]) {
        self.name = name
        self.strategy = strategy
        self.groups = groups
    }
}
