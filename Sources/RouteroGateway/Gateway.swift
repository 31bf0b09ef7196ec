public import RouteroConfig
public import RouteroFastCGI
import RouteroCore
import RouteroCurl
import RouteroRedis
import RouteroRouting
import RouteroState
import Glibc

/// The per-process gateway: everything a request thread needs, immutable after start-up.
public final class Gateway: Sendable {
    let config: GatewayConfig
    let router: ModelRouter
    let upstream: UpstreamClient
    let redis: RedisClient?
    let cache: ResponseCache?
    /// nil only with `auth.mode: none` (``GatewayConfig/clientAuthProblem()`` refuses the rest).
    let masterKey: String?
    let masterIdentity: CallerIdentity
    let workerID: String
    /// Names this gateway in `x-routero-via` (loop detection).
    public let instanceID: String
    let upstreamHTTPVersion: UpstreamHTTPVersion
    /// OAuth tokens for upstreams that need them (Vertex AI), shared through Redis when configured.
    let accessTokens: AccessTokens
    /// Cooldowns, probes, leases and latencies shared by the fleet (Gateway+Routing.swift).
    let routingRuntime: RoutingRuntime
    /// Client and deployment rate limits; nil when none are configured.
    let rateLimits: RateLimitRuntime?

    /// Builds the gateway from a validated configuration.
    /// - Parameters:
    ///   - environment: the process environment (for `os.environ/` keys and provider key variables).
    ///   - instanceID: `server.instance_id`, or one derived by the caller that every worker of this
    ///     deployment shares.
    public init(config: GatewayConfig, environment: [String: String], instanceID: String) throws(ConfigError) {
        self.config = config
        self.router = try ModelRouter(config: config, environment: environment)
        self.upstream = UpstreamClient(maxConnections: config.server.maxConcurrentRequests)
        if let r = config.redis {
            let client = Self.redisClient(r)
            self.redis = client
            self.cache = config.cache.enabled
                ? ResponseCache(redis: client, namespace: config.cache.namespace, ttlSeconds: config.cache.ttlSeconds)
                : nil
        } else {
            self.redis = nil
            self.cache = nil
        }
        self.masterKey = config.auth.mode == .none ? nil : config.auth.masterKey?.value
        self.masterIdentity = masterKey.map(CallerIdentity.masterKey) ?? .anonymous
        self.workerID = String(getpid())
        self.instanceID = instanceID
        self.upstreamHTTPVersion = UpstreamHTTPVersion(rawValue: config.server.upstreamHTTPVersion) ?? .http1_1
        self.routingRuntime = RoutingRuntime(config: config, redis: redis)
        self.rateLimits = RateLimitRuntime.make(config, redis: redis)
        self.accessTokens = AccessTokens(store: SharedTokenStore(redis: redis, namespace: config.cache.namespace),
                                         upstream: upstream, connectTimeoutSeconds: config.server.connectTimeoutSeconds)
    }

    /// Warnings produced while resolving routes (missing keys, skipped providers).
    public var routingWarnings: [String] { router.warnings }

    /// Serves one request. It runs on the FastCGI front's request threads and may block them; a
    /// held stream suspends instead while it waits for its next chunk.
    public func handle(_ request: FastCGIRequest) async {
        var exchange = Exchange(request: request, workerID: workerID)
        do {
            try await dispatch(&exchange)
        } catch {
            exchange.fail(error)
        }
        if let misuse = request.misuse {
            // A bug on one request's path: that request is ended and its connection closed.
            Log.error("response written out of order; request ended", [("id", exchange.requestID), ("detail", misuse)])
        }
        exchange.logCompletion()
    }

    /// Answers a request that arrived while this worker already runs `max_concurrent_requests`:
    /// 503 in OpenAI's shape with `retry-after`, at once, instead of a wait in the backlog.
    public func overloaded(_ request: FastCGIRequest) {
        var exchange = Exchange(request: request, workerID: workerID)
        exchange.note("rejected", "max_concurrent_requests")
        exchange.fail(.overloaded(retryAfterSeconds: 1))
        exchange.logCompletion()
    }
}
