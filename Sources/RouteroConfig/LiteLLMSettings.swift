import Yams

/// Redis coordinates found in one LiteLLM section (`router_settings.redis_*` or
/// `litellm_settings.cache_params`).
struct RedisSource {
    var url: (text: String, path: String, line: Int?)?
    var host: String?
    var port: Int?
    var password: Secret?
    /// `cache_params.redis_startup_nodes`: Redis Cluster seeds.
    var startupNodes: (nodes: [RedisNodeAddress], path: String)?
}

/// LiteLLM's `litellm_settings` and `router_settings`. `litellm_settings` is read first so that
/// `router_settings` wins where both set the same thing (num_retries, fallbacks, timeouts), as
/// LiteLLM's Router arguments override the module-level defaults.
enum LiteLLMSettings {
    static let ignoredCallbacks = ["success_callback", "failure_callback", "callbacks", "service_callback"]
    static let cacheTypes = ["local", "redis", "redis-semantic", "qdrant-semantic", "s3", "gcs", "azure-blob", "disk"]

    static func litellm(_ node: Node, into config: inout GatewayConfig,
                        context: ConfigContext) throws(ConfigError) -> RedisSource?
    {
        var map = try YAMLMap(node, path: "litellm_settings")
        var redis: RedisSource?
        if let value = map.take("cache") { config.cache.enabled = try context.bool(value, at: map.child("cache")) }
        if let value = map.take("cache_params") { redis = try cacheParams(value, into: &config, context: context) }
        if let value = map.take("num_retries") {
            config.routing.numRetries = try RoutingParser.retries(value, at: map.child("num_retries"), context: context)
        }
        if let value = map.take("request_timeout") {
            config.server.upstreamTimeoutSeconds = try context.seconds(value, at: map.child("request_timeout"))
        }
        if let value = map.take("drop_params") { config.dropParams = try context.bool(value, at: map.child("drop_params")) }
        if let value = map.take("set_verbose"), try context.bool(value, at: map.child("set_verbose")) {
            config.server.logLevel = "debug"
        }
        try readFallbacks(&map, into: &config.routing, context: context)
        for key in ignoredCallbacks {
            if let value = map.take(key) {
                context.warn(map.child(key), "logging callbacks are not supported by Routero; ignored", line: value.mark?.line)
            }
        }
        map.warnUnknown(in: context, "not used by Routero; ignored")
        return redis
    }

    static func router(_ node: Node, into config: inout GatewayConfig,
                       context: ConfigContext) throws(ConfigError) -> RedisSource
    {
        var map = try YAMLMap(node, path: "router_settings")
        var redis = RedisSource()
        if let value = map.take("redis_url") {
            redis.url = (try context.string(value, at: map.child("redis_url")), map.child("redis_url"), value.mark?.line)
        }
        if let value = map.take("redis_host") { redis.host = try context.string(value, at: map.child("redis_host")) }
        if let value = map.take("redis_port") { redis.port = try port(value, at: map.child("redis_port"), context: context) }
        if let value = map.take("redis_password") { redis.password = try context.secret(value, at: map.child("redis_password")) }
        if let value = map.take("routing_strategy") {
            config.routing.strategy = try RoutingParser.strategy(value, at: map.child("routing_strategy"), context: context)
        }
        if let value = map.take("num_retries") {
            config.routing.numRetries = try RoutingParser.retries(value, at: map.child("num_retries"), context: context)
        }
        if let value = map.take("timeout") {
            config.server.upstreamTimeoutSeconds = try context.seconds(value, at: map.child("timeout"))
        }
        if let value = map.take("allowed_fails") {
            config.routing.allowedFails = try RoutingParser.allowedFails(value, at: map.child("allowed_fails"), context: context)
        }
        if let value = map.take("cooldown_time") {
            config.routing.cooldownSeconds = try RoutingParser.cooldown(value, at: map.child("cooldown_time"), context: context)
        }
        if let value = map.take("enable_pre_call_checks") {
            config.routing.enablePreCallChecks = try RoutingParser.preCallChecks(
                value, at: map.child("enable_pre_call_checks"), context: context)
        }
        if let value = map.take("disable_cooldowns") {
            config.routing.disableCooldowns = try context.bool(value, at: map.child("disable_cooldowns"))
        }
        if let value = map.take("routing_strategy_args") {
            try RoutingParser.strategyArgs(value, at: map.child("routing_strategy_args"), into: &config.routing, context: context)
        }
        if let value = map.take("max_fallbacks") {
            _ = try context.int(value, at: map.child("max_fallbacks"), in: 0...100, expected: "an integer from 0 to 100")
            context.markNotYetActive(map.child("max_fallbacks"))
        }
        // Policy mappings whose inner shape belongs to later issues: require a mapping for now.
        for key in ["retry_policy", "allowed_fails_policy", "model_group_alias"] {
            if let value = map.take(key) {
                _ = try YAMLMap(value, path: map.child(key))
                context.markNotYetActive(map.child(key))
            }
        }
        try readFallbacks(&map, into: &config.routing, context: context)
        try RoutingParser.readStreamKeys(&map, into: &config.routing, context: context)
        map.warnUnknown(in: context, "not used by Routero; ignored")
        return redis
    }

    /// The fallback lists both sections accept.
    private static func readFallbacks(_ map: inout YAMLMap, into routing: inout RoutingSettings,
                                      context: ConfigContext) throws(ConfigError)
    {
        if let value = map.take("fallbacks") {
            routing.fallbacks = try RoutingParser.fallbacks(value, at: map.child("fallbacks"), context: context)
        }
        if let value = map.take("context_window_fallbacks") {
            routing.contextWindowFallbacks = try RoutingParser.fallbacks(
                value, at: map.child("context_window_fallbacks"), context: context)
        }
        if let value = map.take("content_policy_fallbacks") {
            routing.contentPolicyFallbacks = try RoutingParser.fallbacks(
                value, at: map.child("content_policy_fallbacks"), context: context)
        }
        if let value = map.take("default_fallbacks") {
            routing.defaultFallbacks = try RoutingParser.modelNames(value, at: map.child("default_fallbacks"), context: context)
        }
    }

    static func port(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Int {
        try context.int(node, at: path, in: 1...65535, expected: "an integer from 1 to 65535")
    }
}
