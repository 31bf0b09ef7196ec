import Yams

/// The native schema (documented in deploy/CONFIG.md):
///
/// ```yaml
/// server: {max_body_bytes: 33554432, log_level: info}
/// auth: {master_key: os.environ/ROUTERO_MASTER_KEY}
/// redis: {url: redis://127.0.0.1:6379/0}
/// cache: {enabled: true, ttl_seconds: 600}
/// providers: {groq: {api_key: os.environ/GROQ_API_KEY}}
/// allow_unlisted_models: false
/// models:
///   - name: smart/balanced
///     deployments: [{model: openai/gpt-4o, weight: 3}, {model: groq/llama-3.3-70b-versatile}]
/// ```
enum NativeSchema {
    static func parse(_ top: inout YAMLMap, context: ConfigContext) throws(ConfigError) -> GatewayConfig {
        var config = GatewayConfig()
        // Models first: `routing.fallbacks` is validated against the group names.
        if let node = top.take("models") { config.modelGroups = try models(node, context: context) }
        context.groupNames = config.modelGroups.map(\.name)
        if let node = top.take("server") { config.server = try server(node, context: context) }
        if let node = top.take("auth") {
            var map = try YAMLMap(node, path: "auth")
            if let key = map.take("master_key") { config.auth.masterKey = try context.secret(key, at: map.child("master_key")) }
            if let mode = map.take("mode") {
                let text = try context.choice(mode, at: map.child("mode"), from: ["master_key", "none"])
                config.auth.mode = AuthMode(rawValue: text) ?? .masterKey
            }
            map.warnUnknown(in: context)
        }
        if let node = top.take("redis") { config.redis = try redis(node, context: context) }
        if let node = top.take("cache") { config.cache = try cache(node, context: context) }
        if let node = top.take("providers") { config.providerSettings = try providers(node, context: context) }
        if let node = top.take("allow_unlisted_models") {
            config.allowUnlistedModels = try context.bool(node, at: "allow_unlisted_models")
        }
        if let node = top.take("drop_params") { config.dropParams = try context.bool(node, at: "drop_params") }
        if let node = top.take("limits") { try RateLimitParser.parseNative(node, into: &config, context: context) }
        if let node = top.take("routing") {
            var map = try YAMLMap(node, path: "routing")
            try RoutingParser.parseNative(&map, into: &config.routing, context: context)
            map.warnUnknown(in: context)
        }
        if let node = top.take("policies") { config.routing.policies = try RoutingParser.policies(node, context: context) }
        top.warnUnknown(in: context)
        return config
    }

    static func server(_ node: Node, context: ConfigContext) throws(ConfigError) -> ServerSettings {
        var map = try YAMLMap(node, path: "server")
        var server = ServerSettings()
        if let value = map.take("max_body_bytes") {
            server.maxBodyBytes = try context.int(value, at: map.child("max_body_bytes"), in: 1024...Int.max,
                                                  expected: "an integer of at least 1024")
        }
        if let value = map.take("max_response_bytes") {
            server.maxResponseBytes = try context.int(value, at: map.child("max_response_bytes"), in: 1024...Int.max,
                                                      expected: "an integer of at least 1024")
        }
        if let value = map.take("max_concurrent_requests") {
            server.maxConcurrentRequests = try context.int(value, at: map.child("max_concurrent_requests"),
                                                           in: 1...1_000_000, expected: "an integer from 1 to 1000000")
        }
        if let value = map.take("min_spare_threads") {
            let most = server.maxConcurrentRequests
            server.minSpareThreads = try context.int(value, at: map.child("min_spare_threads"), in: 1...most,
                                                     expected: "an integer from 1 to max_concurrent_requests (\(most))")
        }
        if let value = map.take("drain_timeout_seconds") {
            server.drainTimeoutSeconds = try context.seconds(value, at: map.child("drain_timeout_seconds"), allowZero: true)
        }
        if let value = map.take("upstream_timeout_seconds") {
            server.upstreamTimeoutSeconds = try context.seconds(value, at: map.child("upstream_timeout_seconds"))
        }
        if let value = map.take("connect_timeout_seconds") {
            server.connectTimeoutSeconds = try context.seconds(value, at: map.child("connect_timeout_seconds"))
        }
        if let value = map.take("upstream_http_version") {
            server.upstreamHTTPVersion = try context.choice(value, at: map.child("upstream_http_version"),
                                                            from: ServerSettings.upstreamHTTPVersions)
        }
        if let value = map.take("instance_id") {
            server.instanceID = try context.identifier(value, at: map.child("instance_id"))
        }
        if let value = map.take("max_hops") {
            server.maxHops = try context.int(value, at: map.child("max_hops"), in: 1...32, expected: "an integer from 1 to 32")
        }
        if let value = map.take("log_level") {
            server.logLevel = try context.choice(value, at: map.child("log_level"), from: ServerSettings.logLevels)
        }
        map.warnUnknown(in: context)
        return server
    }

    static func redis(_ node: Node, context: ConfigContext) throws(ConfigError) -> RedisSettings {
        var map = try YAMLMap(node, path: "redis")
        let urlNode = map.take("url")
        let nodesNode = map.take("cluster_nodes")
        guard urlNode != nil || nodesNode != nil else {
            throw ConfigError(keyPath: map.child("url"), message: "required key is missing (or give redis.cluster_nodes)",
                              line: map.line)
        }
        var redis = RedisSettings(host: "")
        if let urlNode {
            // The URL may carry a password, so it is read like a secret (env/file/literal) but a
            // password-less literal URL is not worth a warning.
            let text = try context.string(urlNode, at: map.child("url"))
            redis = try RedisSettings.parse(urls: text, keyPath: map.child("url"), line: urlNode.mark?.line)
        }
        if let nodesNode {
            let path = map.child("cluster_nodes")
            let texts = try context.stringList(nodesNode, at: path)
            guard !texts.isEmpty else {
                throw ConfigError(keyPath: path, message: "expected at least one \"host:port\"", line: nodesNode.mark?.line)
            }
            var nodes: [RedisNodeAddress] = []
            for (i, text) in texts.enumerated() {
                nodes.append(try RedisNodeAddress.parse(text, keyPath: "\(path)[\(i)]", line: nodesNode.mark?.line))
            }
            if urlNode != nil { nodes = redis.seeds + nodes.filter { !redis.seeds.contains($0) } }
            if redis.host.isEmpty { redis.host = nodes[0].host; redis.port = nodes[0].port }
            try redis.makeCluster(seeds: nodes, keyPath: map.child("url"), line: urlNode?.mark?.line)
        }
        if let value = map.take("cluster") {
            let on = try context.bool(value, at: map.child("cluster"))
            if on && !redis.cluster {
                try redis.makeCluster(seeds: [], keyPath: map.child("url"), line: urlNode?.mark?.line)
            } else if !on && redis.cluster {
                throw ConfigError(keyPath: map.child("cluster"), message: "false, but redis.cluster_nodes (or a list "
                                  + "of URLs) names a cluster", line: value.mark?.line)
            }
        }
        if let password = map.take("password") { redis.password = try context.secret(password, at: map.child("password")) }
        let millis = "an integer from 1 to 600000"
        if let value = map.take("connect_timeout_ms") {
            redis.connectTimeoutMs = try context.int(value, at: map.child("connect_timeout_ms"), in: 1...600_000, expected: millis)
        }
        if let value = map.take("command_timeout_ms") {
            redis.commandTimeoutMs = try context.int(value, at: map.child("command_timeout_ms"), in: 1...600_000, expected: millis)
        }
        if let value = map.take("unreachable_readiness") {
            let choice = try context.choice(value, at: map.child("unreachable_readiness"), from: ["degraded", "not_ready"])
            redis.notReadyWhenUnreachable = choice == "not_ready"
        }
        map.warnUnknown(in: context)
        return redis
    }

    static func cache(_ node: Node, context: ConfigContext) throws(ConfigError) -> CacheSettings {
        var map = try YAMLMap(node, path: "cache")
        var cache = CacheSettings()
        if let value = map.take("enabled") { cache.enabled = try context.bool(value, at: map.child("enabled")) }
        if let value = map.take("ttl_seconds") {
            cache.ttlSeconds = try context.int(value, at: map.child("ttl_seconds"), in: 1...31_536_000,
                                               expected: "an integer from 1 to 31536000")
        }
        if let value = map.take("namespace") { cache.namespace = try context.string(value, at: map.child("namespace")) }
        if let value = map.take("max_entry_bytes") {
            cache.maxEntryBytes = try context.int(value, at: map.child("max_entry_bytes"), in: 1024...536_870_912,
                                                  expected: "an integer from 1024 to 536870912")
        }
        map.warnUnknown(in: context)
        return cache
    }

    static func providers(_ node: Node, context: ConfigContext) throws(ConfigError) -> [String: ProviderSettings] {
        let map = try YAMLMap(node, path: "providers")
        var result: [String: ProviderSettings] = [:]
        for (id, value) in map.entries {
            var entry = try YAMLMap(value, path: map.child(id))
            var settings = ProviderSettings()
            if let base = entry.take("api_base") {
                settings.apiBase = try DeploymentParser.baseURL(base, at: entry.child("api_base"), context: context)
            }
            if let key = entry.take("api_key") { settings.apiKey = try context.secret(key, at: entry.child("api_key")) }
            if let headers = entry.take("extra_headers") {
                settings.extraHeaders = try context.headers(headers, at: entry.child("extra_headers"))
            }
            entry.warnUnknown(in: context)
            guard result.updateValue(settings, forKey: id.lowercased()) == nil else {
                throw ConfigError(keyPath: map.child(id), message: "provider listed twice (ids are case-insensitive)",
                                  line: value.mark?.line)
            }
        }
        return result
    }

    static func models(_ node: Node, context: ConfigContext) throws(ConfigError) -> [ModelGroup] {
        guard let list = node.sequence else {
            throw ConfigError(keyPath: "models", message: "expected a list, got \(YAMLText.rendered(node))",
                              line: node.mark?.line)
        }
        var groups: [ModelGroup] = []
        for (index, item) in list.enumerated() {
            var map = try YAMLMap(item, path: "models[\(index)]")
            guard let nameNode = map.take("name") else {
                throw ConfigError(keyPath: map.child("name"), message: "required key is missing", line: map.line)
            }
            let name = try context.string(nameNode, at: map.child("name"), resolveEnv: false)
            if let previous = groups.firstIndex(where: { $0.name == name }) {
                throw ConfigError(keyPath: map.child("name"), message: "duplicate model name (also models[\(previous)])",
                                  line: nameNode.mark?.line)
            }
            guard let deploymentsNode = map.take("deployments"), let entries = deploymentsNode.sequence,
                  !entries.isEmpty
            else {
                throw ConfigError(keyPath: map.child("deployments"), message: "expected a non-empty list of deployments",
                                  line: map.line)
            }
            var group = ModelGroup(name: name, deployments: [])
            for (position, entry) in entries.enumerated() {
                let path = "\(map.child("deployments"))[\(position)]"
                var fields = try YAMLMap(entry, path: path)
                var id = "\(name)#\(position)"
                if let idNode = fields.take("id") { id = try context.string(idNode, at: fields.child("id"), resolveEnv: false) }
                group.deployments.append(try DeploymentParser.parse(&fields, group: name, id: id, sourcePath: path,
                                                                    context: context))
            }
            map.warnUnknown(in: context)
            groups.append(group)
        }
        return groups
    }
}
