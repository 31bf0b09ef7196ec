import Yams

/// Loads and validates a configuration file in either schema.
///
/// The format is detected from the top-level keys: `model_list`, `litellm_settings`,
/// `router_settings`, `general_settings` or `environment_variables` mean LiteLLM's proxy
/// `config.yaml` (accepted unchanged); anything else is the native schema (see deploy/CONFIG.md).
/// A file mixing both is rejected, naming the conflicting key.
public enum ConfigLoader {
    /// Top-level keys that identify a LiteLLM proxy config.
    public static let liteLLMTopLevelKeys = [
        "model_list", "litellm_settings", "router_settings", "general_settings", "environment_variables",
    ]
    /// Top-level keys of the native schema.
    public static let nativeTopLevelKeys = [
        "server", "auth", "redis", "cache", "providers", "allow_unlisted_models", "drop_params",
        "routing", "models", "limits",
    ]

    /// Reads and validates the file at `path`.
    /// - Parameters:
    ///   - path: the YAML file.
    ///   - environment: the process environment, for `os.environ/NAME` and `REDIS_*` variables.
    /// - Throws: ``ConfigError`` naming the key path (and line) of the first problem.
    public static func load(path: String, environment: [String: String],
                            redisOverride: RedisSettings? = nil) throws(ConfigError) -> GatewayConfig {
        switch FileReading.readText(path: path) {
        case .success(let text): return try load(yaml: text, environment: environment, redisOverride: redisOverride)
        case .failure(let error):
            throw ConfigError(keyPath: "", message: "cannot read config file \(path): \(error.reason)")
        }
    }

    /// Validates configuration text.
    /// - Parameters:
    ///   - yaml: the YAML document.
    ///   - environment: the process environment, for `os.environ/NAME` and `REDIS_*` variables.
    ///   - redisOverride: Redis given on the command line (`--redis`); replaces the file's address
    ///     (server or cluster, credentials) before validation, so checks that depend on Redis see
    ///     the one that will be used; the file's timeouts are kept.
    /// - Throws: ``ConfigError`` naming the key path (and line) of the first problem.
    public static func load(yaml: String, environment: [String: String],
                            redisOverride: RedisSettings? = nil) throws(ConfigError) -> GatewayConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(keyPath: "", message: "the configuration file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw syntaxError(error)
        }
        var top = try YAMLMap(root, path: "")
        let format = try detectFormat(top)
        let context = ConfigContext(environment: environment)
        var config = switch format {
        case .litellm: try LiteLLMSchema.parse(&top, context: context)
        case .native: try NativeSchema.parse(&top, context: context)
        }
        config.format = format
        if let redisOverride {
            // The flag names where Redis is; the file's timeouts still apply to it.
            config.redis = config.redis.map { $0.withAddress(of: redisOverride) } ?? redisOverride
        }
        try ConfigValidation.check(&config, context: context)
        config.warnings = context.allWarnings
        config.notYetActive = context.notYetActive
        return config
    }

    /// Decides the schema from the top-level keys.
    static func detectFormat(_ top: YAMLMap) throws(ConfigError) -> ConfigFormat {
        let keys = top.entries.map(\.key)
        guard let liteKey = keys.first(where: liteLLMTopLevelKeys.contains) else { return .native }
        if let index = keys.firstIndex(where: nativeTopLevelKeys.contains) {
            let line = top.entries[index].value.mark?.line
            throw ConfigError(keyPath: keys[index],
                              message: "native Routero key in a LiteLLM-format config (the file also has "
                                  + "\(liteKey)); use one format", line: line)
        }
        return .litellm
    }

    /// A YAML syntax error as a ConfigError. Only the problem and position are kept: Yams'
    /// own description quotes the offending source line, which may hold a literal secret.
    static func syntaxError(_ error: any Error) -> ConfigError {
        guard let yamlError = error as? YamlError else {
            return ConfigError(keyPath: "", message: "invalid YAML")
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return ConfigError(keyPath: "", message: "invalid YAML: \(problem)", line: mark.line)
        case .reader(let problem, _, _, _):
            return ConfigError(keyPath: "", message: "invalid YAML: \(problem)")
        default:
            return ConfigError(keyPath: "", message: "invalid YAML")
        }
    }
}
