import Yams

/// Routing-policy keys shared by LiteLLM's `router_settings` / `litellm_settings` and the native
/// `routing:` section, and the native `policies:` section. Active: every strategy, cooldowns,
/// retries and fallbacks; `enable_pre_call_checks` is validated and recorded as not yet active.
enum RoutingParser {
    /// Native `routing:` keys.
    static func parseNative(_ map: inout YAMLMap, into routing: inout RoutingSettings,
                            context: ConfigContext) throws(ConfigError)
    {
        if let node = map.take("strategy") {
            routing.strategy = try strategy(node, at: map.child("strategy"), context: context)
        }
        if let node = map.take("num_retries") { routing.numRetries = try retries(node, at: map.child("num_retries"), context: context) }
        if let node = map.take("allowed_fails") {
            routing.allowedFails = try allowedFails(node, at: map.child("allowed_fails"), context: context)
        }
        if let node = map.take("cooldown_seconds") {
            routing.cooldownSeconds = try cooldown(node, at: map.child("cooldown_seconds"), context: context)
        }
        if let node = map.take("disable_cooldowns") {
            routing.disableCooldowns = try context.bool(node, at: map.child("disable_cooldowns"))
        }
        if let node = map.take("latency_buffer") {
            routing.latencyBuffer = try latencyBuffer(node, at: map.child("latency_buffer"), context: context)
        }
        if let node = map.take("enable_pre_call_checks") {
            routing.enablePreCallChecks = try preCallChecks(node, at: map.child("enable_pre_call_checks"), context: context)
        }
        if let node = map.take("fallbacks") { routing.fallbacks = try fallbacks(node, at: map.child("fallbacks"), context: context) }
        if let node = map.take("context_window_fallbacks") {
            routing.contextWindowFallbacks = try fallbacks(node, at: map.child("context_window_fallbacks"), context: context)
        }
        if let node = map.take("content_policy_fallbacks") {
            routing.contentPolicyFallbacks = try fallbacks(node, at: map.child("content_policy_fallbacks"), context: context)
        }
        if let node = map.take("default_fallbacks") {
            routing.defaultFallbacks = try modelNames(node, at: map.child("default_fallbacks"), context: context)
        }
        try readStreamKeys(&map, into: &routing, context: context)
    }

    static func strategy(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> String {
        try context.choice(node, at: path, from: RoutingSettings.strategies)
    }

    static func retries(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Int {
        try context.int(node, at: path, in: 0...100, expected: "an integer from 0 to 100")
    }

    static func allowedFails(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Int {
        try context.int(node, at: path, in: 0...Int.max, expected: "a non-negative integer")
    }

    /// `cooldown_seconds` / `cooldown_time`; 0 turns cooldowns off.
    static func cooldown(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Double {
        try context.seconds(node, at: path, allowZero: true)
    }

    /// A fraction ≥ 0 (0.5 = within 50 % of the fastest).
    static func latencyBuffer(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Double {
        let value = try context.number(node, at: path, allowZero: true)
        guard value <= 100 else {
            throw ConfigError(keyPath: path, message: "expected a fraction from 0 to 100, got \(value)", line: node.mark?.line)
        }
        return value
    }

    /// LiteLLM `routing_strategy_args`: `lowest_latency_buffer` is used; other arguments belong to
    /// strategies or settings Routero does not have and are warned about.
    static func strategyArgs(_ node: Node, at path: String, into routing: inout RoutingSettings,
                             context: ConfigContext) throws(ConfigError)
    {
        var map = try YAMLMap(node, path: path)
        if let value = map.take("lowest_latency_buffer") {
            routing.latencyBuffer = try latencyBuffer(value, at: map.child("lowest_latency_buffer"), context: context)
        }
        map.warnUnknown(in: context, "not used by Routero; ignored")
    }

    /// Native `policies:` (a mapping of model name → `{strategy, groups}`), validated against the
    /// configured groups: every group must exist and be a plain (non-wildcard) name, and a policy
    /// may not reuse a group's name.
    static func policies(_ node: Node, context: ConfigContext) throws(ConfigError) -> [RoutingPolicy] {
        let map = try YAMLMap(node, path: "policies")
        var result: [RoutingPolicy] = []
        for (name, value) in map.entries {
            var entry = try YAMLMap(value, path: map.child(name))
            if context.groupNames.contains(name) {
                throw ConfigError(keyPath: map.child(name), message: "\"\(name)\" is already a model group name",
                                  line: value.mark?.line)
            }
            guard let strategyNode = entry.take("strategy") else {
                throw ConfigError(keyPath: entry.child("strategy"), message: "required key is missing", line: entry.line)
            }
            let strategy = try Self.strategy(strategyNode, at: entry.child("strategy"), context: context)
            guard let groupsNode = entry.take("groups") else {
                throw ConfigError(keyPath: entry.child("groups"), message: "required key is missing", line: entry.line)
            }
            let groups = try context.stringList(groupsNode, at: entry.child("groups"))
            guard !groups.isEmpty else {
                throw ConfigError(keyPath: entry.child("groups"), message: "expected at least one model group",
                                  line: groupsNode.mark?.line)
            }
            for (index, group) in groups.enumerated() where !context.groupNames.contains(group) || group.contains("*") {
                throw ConfigError(keyPath: "\(entry.child("groups"))[\(index)]",
                                  message: "\"\(group)\" is not a configured (non-wildcard) model group",
                                  line: groupsNode.sequence?[index].mark?.line)
            }
            entry.warnUnknown(in: context)
            result.append(RoutingPolicy(name: name, strategy: strategy, groups: groups))
        }
        return result
    }

    static func preCallChecks(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Bool {
        let value = try context.bool(node, at: path)
        if value { context.markNotYetActive(path) }
        return value
    }

    /// Fallback rules: LiteLLM's list of one-key mappings (`[{gpt-4o: [gpt-4o-mini]}]`) or,
    /// natively, one mapping (`{gpt-4o: [gpt-4o-mini]}`). Every name must be a model group.
    static func fallbacks(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> [FallbackRule] {
        var maps: [YAMLMap] = []
        if let list = node.sequence {
            for (index, item) in list.enumerated() {
                let map = try YAMLMap(item, path: "\(path)[\(index)]")
                guard map.entries.count == 1 else {
                    throw ConfigError(keyPath: map.path, message: "expected a mapping with one model name", line: map.line)
                }
                maps.append(map)
            }
        } else {
            maps.append(try YAMLMap(node, path: path))
        }
        var rules: [FallbackRule] = []
        for map in maps {
            for (model, targets) in map.entries {
                try requireKnown(model, at: map.child(model), line: targets.mark?.line, context: context)
                rules.append(FallbackRule(model: model, fallbacks: try knownNames(targets, at: map.child(model), context: context)))
            }
        }
        return rules
    }

    /// A list of model group names (fallback targets, `default_fallbacks`).
    static func modelNames(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> [String] {
        try knownNames(node, at: path, context: context)
    }

    private static func knownNames(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> [String] {
        let names = try context.stringList(node, at: path)
        for (index, name) in names.enumerated() {
            try requireKnown(name, at: "\(path)[\(index)]", line: node.sequence?[index].mark?.line, context: context)
        }
        return names
    }

    private static func requireKnown(_ model: String, at path: String, line: Int?,
                                     context: ConfigContext) throws(ConfigError)
    {
        guard context.isKnownModel(model) else {
            throw ConfigError(keyPath: path, message: "\"\(model)\" is not a configured model group", line: line)
        }
    }
}
