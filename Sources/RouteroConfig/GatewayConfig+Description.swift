// Redacted textual forms. Secrets print as `<secret from SOURCE>`; header values, extra
// parameters and model_info values (which may hold credentials) print as `<redacted>`.
// Every type also overrides its mirror so `dump()` cannot walk into the raw values.

extension GatewayConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One-line redacted summary.
    public var description: String {
        let groups = modelGroups.map(\.description).joined(separator: ", ")
        let providers = providerSettings.keys.sorted().map { "\($0): \(providerSettings[$0]!)" }
        return "GatewayConfig(format: \(format.rawValue), server: \(server), auth: \(auth), "
            + "redis: \(redis.map(\.description) ?? "none"), cache: \(cache), "
            + "allow_unlisted_models: \(allowUnlistedModels), models: [\(groups)], "
            + "providers: [\(providers.joined(separator: ", "))], "
            + "environment_variables: [\(environmentVariables.keys.sorted().joined(separator: ", "))], "
            + "not_yet_active: \(notYetActive.count), warnings: \(warnings.count))"
    }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror holding only the redacted description.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }

    /// A multi-line redacted summary for `routero check-config`.
    public func redactedSummary() -> String {
        var lines = [
            "format: \(format.rawValue)", "server: \(server)", "auth: \(auth)",
            "redis: \(redis.map(\.description) ?? "none (use --redis)")", "cache: \(cache)",
            "allow_unlisted_models: \(allowUnlistedModels)", "routing: \(routing.summary)", "limits: \(limits)",
        ]
        lines += routing.policies.map { "policy \($0.name): \($0.strategy) over \($0.groups.joined(separator: ", "))" }
        for name in providerSettings.keys.sorted() { lines.append("provider \(name): \(providerSettings[name]!)") }
        for group in modelGroups {
            lines.append("model \(group.name):")
            lines += group.deployments.map { "  - \($0)" }
        }
        lines += notYetActive.map { "not yet active: \($0)" }
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension ServerSettings: CustomStringConvertible {
    /// The settings as `{key: value, ...}` (nothing secret here).
    public var description: String {
        "{max_body_bytes: \(maxBodyBytes), max_response_bytes: \(maxResponseBytes), "
            + "max_concurrent_requests: \(maxConcurrentRequests), min_spare_threads: \(minSpareThreads), "
            + "drain_timeout_seconds: \(drainTimeoutSeconds), upstream_timeout_seconds: \(upstreamTimeoutSeconds), "
            + "connect_timeout_seconds: \(connectTimeoutSeconds), upstream_http_version: \(upstreamHTTPVersion), "
            + "instance_id: \(instanceID ?? "derived"), max_hops: \(maxHops), log_level: \(logLevel)}"
    }
}

extension AuthSettings: CustomStringConvertible, CustomDebugStringConvertible {
    /// `{master_key: <secret from ...>}` or `{master_key: none}`.
    public var description: String { "{mode: \(mode.rawValue), master_key: \(masterKey.map(\.description) ?? "none")}" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension CacheSettings: CustomStringConvertible {
    /// The settings as `{key: value, ...}`.
    public var description: String {
        "{enabled: \(enabled), ttl_seconds: \(ttlSeconds), namespace: \(namespace), max_entry_bytes: \(maxEntryBytes)}"
    }
}

extension RedisSettings: CustomDebugStringConvertible, CustomReflectable {
    /// Same as ``description`` (password redacted).
    public var debugDescription: String { description }
    /// A mirror holding only the redacted URL.
    public var customMirror: Mirror { Mirror(self, children: ["url": description]) }
}

extension ProviderSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `{api_base: ..., api_key: <secret from ...>, extra_headers: [name, ...]}`.
    public var description: String {
        "{api_base: \(apiBase ?? "default"), api_key: \(apiKey.map(\.description) ?? "none"), "
            + "extra_headers: [\(extraHeaders.map(\.name).joined(separator: ", "))]}"
    }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror holding only the redacted description.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension HeaderField: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `name: <redacted>`: header values often carry credentials.
    public var description: String { "\(name): <redacted>" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror showing only the name.
    public var customMirror: Mirror { Mirror(self, children: ["name": name]) }
}

extension ConfigEntry: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `key: <redacted>`: unknown parameters may be credentials (e.g. `vertex_credentials`).
    public var description: String { "\(key): <redacted>" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror showing only the key.
    public var customMirror: Mirror { Mirror(self, children: ["key": key]) }
}

extension ModelGroup: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `name: [deployment, ...]`.
    public var description: String { "\(name): [\(deployments.map(\.description).joined(separator: ", "))]" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror holding only the redacted description.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension Deployment: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `model (id: ..., api_base: ..., api_key: <secret from ...>, weight: ..., order: ...)`.
    public var description: String {
        var parts = ["id: \(id)"]
        if let apiBase { parts.append("api_base: \(apiBase)") }
        if let apiKey { parts.append("api_key: \(apiKey)") }
        if awsAccessKeyID != nil || awsSecretAccessKey != nil { parts.append("aws credentials: <redacted>") }
        parts.append("weight: \(weight)")
        if let order { parts.append("order: \(order)") }
        if let rpm { parts.append("rpm: \(rpm)") }
        if let tpm { parts.append("tpm: \(tpm)") }
        if let timeoutSeconds { parts.append("timeout: \(timeoutSeconds)") }
        if !extraHeaders.isEmpty { parts.append("extra_headers: [\(extraHeaders.map(\.name).joined(separator: ", "))]") }
        if !extraParams.isEmpty { parts.append("extra_params: [\(extraParams.map(\.key).joined(separator: ", "))]") }
        return "\(model) (\(parts.joined(separator: ", ")))"
    }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror holding only the redacted description.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension RoutingSettings {
    /// Strategy and cooldown rule as they will act (defaults filled in).
    var summary: String {
        let cooldowns = disableCooldowns || cooldownSeconds == 0 ? "cooldowns off"
            : "cooldown \(cooldownSeconds ?? Self.defaultCooldownSeconds)s after \(allowedFails ?? Self.defaultAllowedFails) allowed fails/min"
        return "strategy=\(strategy), \(cooldowns)" + (latencyBuffer > 0 ? ", latency_buffer=\(latencyBuffer)" : "")
    }
}
