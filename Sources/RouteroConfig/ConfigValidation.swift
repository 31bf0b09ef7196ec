/// Checks that span sections, run after the schema parser.
enum ConfigValidation {
    static func check(_ config: inout GatewayConfig, context: ConfigContext) throws(ConfigError) {
        // Deployment ids label logs and metrics (and later cooldown state), so they must be unique.
        var owners: [String: String] = [:]
        for deployment in config.modelGroups.flatMap(\.deployments) {
            if let owner = owners.updateValue(deployment.sourcePath, forKey: deployment.id) {
                throw ConfigError(keyPath: deployment.sourcePath,
                                  message: "deployment id \"\(deployment.id)\" is already used by \(owner)")
            }
        }
        if config.redis == nil, config.limits.hasClientLimits
            || config.modelGroups.contains(where: { $0.deployments.contains { $0.rpm != nil || $0.tpm != nil } }) {
            context.warn(config.format == .litellm ? "general_settings" : "limits",
                         "without Redis, rate limits are counted per worker process (each admits up to the limit)",
                         line: nil)
        }
        if config.cache.enabled && config.redis == nil {
            let path = config.format == .litellm ? "litellm_settings.cache" : "cache.enabled"
            context.warn(path, "the cache needs Redis, and the config names none (set "
                         + (config.format == .litellm ? "router_settings.redis_host or REDIS_URL" : "redis.url")
                         + " or pass --redis)", line: nil)
        }
    }
}
