import Yams

/// Reads rate-limit settings: the native `limits:` block and LiteLLM's `general_settings` keys.
///
/// Native, with LiteLLM's key-object spellings accepted as aliases inside `per_key`:
/// ```yaml
/// limits:
///   per_key: {rpm: 600, tpm: 200000, max_parallel: 20}   # or rpm_limit, tpm_limit, max_parallel_requests
///   per_model: {gpt-4o: {rpm: 100, tpm: 50000}}          # or per_key.model_rpm_limit / model_tpm_limit
///   global_max_parallel: 500                             # or global_max_parallel_requests
///   on_redis_outage: local                               # or fail_closed
///   default_completion_tokens: 1024
/// ```
enum RateLimitParser {
    static let positive = "a positive integer"

    static func parseNative(_ node: Node, into config: inout GatewayConfig, context: ConfigContext) throws(ConfigError) {
        var map = try YAMLMap(node, path: "limits")
        var settings = RateLimitSettings()
        if let value = map.take("per_key") {
            var keyMap = try YAMLMap(value, path: map.child("per_key"))
            try readKeyLimits(&keyMap, into: &settings, context: context)
            keyMap.warnUnknown(in: context)
        }
        if let value = map.take("per_model") {
            let models = try YAMLMap(value, path: map.child("per_model"))
            for (group, entry) in models.entries {
                var limits = try YAMLMap(entry, path: models.child(group))
                var model = settings.perModel[group] ?? ModelLimits()
                if let n = limits.take("rpm") { model.rpm = try count(n, at: limits.child("rpm"), context: context) }
                if let n = limits.take("tpm") { model.tpm = try count(n, at: limits.child("tpm"), context: context) }
                limits.warnUnknown(in: context)
                try checkGroup(group, at: models.child(group), line: entry.mark?.line, context: context)
                settings.perModel[group] = model
            }
        }
        try readShared(&map, into: &settings, spellings: ["global_max_parallel", "global_max_parallel_requests"],
                       outageKey: "on_redis_outage", context: context)
        map.warnUnknown(in: context)
        config.limits = settings
    }

    /// LiteLLM `general_settings`: `max_parallel_requests` (per key), `global_max_parallel_requests`,
    /// and the key-object fields `rpm_limit`, `tpm_limit`, `model_rpm_limit`, `model_tpm_limit`
    /// (they apply to the master key, the only key until virtual keys exist), plus Routero's
    /// `on_redis_outage` and `default_completion_tokens`.
    static func parseLiteLLM(_ map: inout YAMLMap, into config: inout GatewayConfig, context: ConfigContext) throws(ConfigError) {
        var settings = config.limits
        try readKeyLimits(&map, into: &settings, context: context)
        try readShared(&map, into: &settings, spellings: ["global_max_parallel_requests"], outageKey: "on_redis_outage",
                       context: context)
        config.limits = settings
    }

    /// `rpm`/`rpm_limit`, `tpm`/`tpm_limit`, `max_parallel`/`max_parallel_requests`,
    /// `model_rpm_limit`, `model_tpm_limit`.
    static func readKeyLimits(_ map: inout YAMLMap, into settings: inout RateLimitSettings,
                              context: ConfigContext) throws(ConfigError) {
        settings.perKey.rpm = try aliased(&map, ["rpm", "rpm_limit"], context: context) ?? settings.perKey.rpm
        settings.perKey.tpm = try aliased(&map, ["tpm", "tpm_limit"], context: context) ?? settings.perKey.tpm
        settings.perKey.maxParallel = try aliased(&map, ["max_parallel", "max_parallel_requests"], context: context)
            ?? settings.perKey.maxParallel
        for (key, isRPM) in [("model_rpm_limit", true), ("model_tpm_limit", false)] {
            guard let value = map.take(key) else { continue }
            let models = try YAMLMap(value, path: map.child(key))
            for (group, n) in models.entries {
                let limit = try count(n, at: models.child(group), context: context)
                try checkGroup(group, at: models.child(group), line: n.mark?.line, context: context)
                var model = settings.perModel[group] ?? ModelLimits()
                if isRPM { model.rpm = limit } else { model.tpm = limit }
                settings.perModel[group] = model
            }
        }
    }

    private static func readShared(_ map: inout YAMLMap, into settings: inout RateLimitSettings, spellings: [String],
                                   outageKey: String, context: ConfigContext) throws(ConfigError) {
        settings.globalMaxParallel = try aliased(&map, spellings, context: context) ?? settings.globalMaxParallel
        if let value = map.take(outageKey) {
            let text = try context.choice(value, at: map.child(outageKey), from: RateLimitOutageMode.allCases.map(\.rawValue))
            settings.onRedisOutage = RateLimitOutageMode(rawValue: text) ?? .local
        }
        if let value = map.take("default_completion_tokens") {
            settings.defaultCompletionTokens = try context.int(value, at: map.child("default_completion_tokens"),
                                                               in: 0...10_000_000, expected: "an integer from 0 to 10000000")
        }
    }

    /// The value of whichever of `keys` is present; two spellings of one setting are an error.
    private static func aliased(_ map: inout YAMLMap, _ keys: [String], context: ConfigContext) throws(ConfigError) -> Int? {
        var found: (key: String, value: Int)?
        for key in keys {
            guard let node = map.take(key) else { continue }
            if let found {
                throw ConfigError(keyPath: map.child(key), message: "the same limit as \(map.child(found.key)); set only one",
                                  line: node.mark?.line)
            }
            found = (key, try count(node, at: map.child(key), context: context))
        }
        return found?.value
    }

    /// A limit: a positive integer (a limit of 0 would refuse everything; leave the key out instead).
    static func count(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Int {
        try context.int(node, at: path, in: 1...Int(Int32.max), expected: positive)
    }

    private static func checkGroup(_ group: String, at path: String, line: Int?, context: ConfigContext) throws(ConfigError) {
        guard context.groupNames.contains(group) else {
            throw ConfigError(keyPath: path, message: "names no configured model group", line: line)
        }
    }
}
