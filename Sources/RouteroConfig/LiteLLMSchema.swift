import Yams

/// LiteLLM proxy `config.yaml`, accepted unchanged: `environment_variables`, `model_list`,
/// `router_settings`, `litellm_settings` and `general_settings`. Keys Routero does not use are
/// warnings, never errors, so an existing LiteLLM deployment can switch without edits.
enum LiteLLMSchema {
    static func parse(_ top: inout YAMLMap, context: ConfigContext) throws(ConfigError) -> GatewayConfig {
        var config = GatewayConfig()
        // LiteLLM serves only what model_list names (wildcard entries included).
        config.allowUnlistedModels = false
        // environment_variables first: LiteLLM exports them before reading anything else, so
        // os.environ/NAME anywhere in the file may refer to them.
        if let node = top.take("environment_variables") {
            config.environmentVariables = try environment(node, context: context)
            for (name, secret) in config.environmentVariables { context.environment[name] = secret.value }
        }
        if let node = top.take("model_list") { config.modelGroups = try modelList(node, context: context) }
        context.groupNames = config.modelGroups.map(\.name)
        // litellm_settings before router_settings: where both set something, the router wins.
        var cacheRedis: RedisSource?
        if let node = top.take("litellm_settings") {
            cacheRedis = try LiteLLMSettings.litellm(node, into: &config, context: context)
        }
        var routerRedis: RedisSource?
        if let node = top.take("router_settings") {
            routerRedis = try LiteLLMSettings.router(node, into: &config, context: context)
        }
        if let node = top.take("general_settings") {
            var map = try YAMLMap(node, path: "general_settings")
            if let key = map.take("master_key") {
                let secret = try context.secret(key, at: map.child("master_key"))
                if !secret.value.hasPrefix("sk-") {
                    context.warn(map.child("master_key"), "LiteLLM requires master keys to start with \"sk-\"; "
                                 + "Routero accepts this one", line: key.mark?.line)
                }
                config.auth.masterKey = secret
            }
            // LiteLLM's body limits, in MiB (it divides by 1024 * 1024).
            if let value = map.take("max_request_size_mb") {
                config.server.maxBodyBytes = try mebibytes(value, at: map.child("max_request_size_mb"), context: context)
            }
            if let value = map.take("max_response_size_mb") {
                config.server.maxResponseBytes = try mebibytes(value, at: map.child("max_response_size_mb"), context: context)
            }
            try RateLimitParser.parseLiteLLM(&map, into: &config, context: context)
            map.warnUnknown(in: context, "not used by Routero; ignored")
        }
        config.redis = try LiteLLMSettings.resolveRedis(router: routerRedis, cache: cacheRedis, context: context)
        top.warnUnknown(in: context, "not used by Routero; ignored")
        return config
    }

    /// A size in MiB (fractions allowed) as bytes: at least 1 KiB, at most 1 TiB.
    static func mebibytes(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> Int {
        let megabytes = try context.number(node, at: path)
        let bytes = (megabytes * 1_048_576).rounded(.up)
        guard bytes >= 1024, megabytes <= 1_048_576 else {
            throw ConfigError(keyPath: path, message: "expected a size from 0.001 to 1048576 MB", line: node.mark?.line)
        }
        return Int(bytes)
    }

    /// `environment_variables: {NAME: value}`: literal values (numbers and booleans as written).
    static func environment(_ node: Node, context: ConfigContext) throws(ConfigError) -> [String: Secret] {
        let map = try YAMLMap(node, path: "environment_variables")
        var result: [String: Secret] = [:]
        for (name, value) in map.entries {
            // Values are often keys, so they are Secrets and never echoed in messages.
            let text = try context.string(value, at: map.child(name), resolveEnv: false, allowEmpty: true)
            result[name] = Secret(value: text, source: "environment_variables.\(name)")
        }
        return result
    }

    /// `model_list`: entries sharing a `model_name` form one group, in first-appearance order.
    static func modelList(_ node: Node, context: ConfigContext) throws(ConfigError) -> [ModelGroup] {
        guard let list = node.sequence else {
            throw ConfigError(keyPath: "model_list", message: "expected a list, got \(YAMLText.rendered(node))",
                              line: node.mark?.line)
        }
        var groups: [ModelGroup] = []
        for (index, item) in list.enumerated() {
            let path = "model_list[\(index)]"
            var entry = try YAMLMap(item, path: path)
            guard let nameNode = entry.take("model_name") else {
                throw ConfigError(keyPath: entry.child("model_name"), message: "required key is missing", line: entry.line)
            }
            let name = try context.string(nameNode, at: entry.child("model_name"), resolveEnv: false)
            guard let paramsNode = entry.take("litellm_params") else {
                throw ConfigError(keyPath: entry.child("litellm_params"), message: "required key is missing", line: entry.line)
            }
            let groupIndex = groups.firstIndex { $0.name == name } ?? {
                groups.append(ModelGroup(name: name, deployments: []))
                return groups.count - 1
            }()
            var id = "\(name)#\(groups[groupIndex].deployments.count)"
            var info: [ConfigEntry] = []
            // model_info prices, applied unless litellm_params sets its own.
            var prices = Deployment(id: "", sourcePath: path, model: "")
            if let infoNode = entry.take("model_info") {
                var infoMap = try YAMLMap(infoNode, path: entry.child("model_info"))
                if let idNode = infoMap.take("id") { id = try context.string(idNode, at: infoMap.child("id"), resolveEnv: false) }
                try DeploymentParser.readPrices(&infoMap, into: &prices, context: context)
                // model_info is free-form metadata in LiteLLM (costs, mode, base_model): keep it.
                info = infoMap.takeRemaining().map { ConfigEntry(key: $0.key, value: YAMLText.value($0.value)) }
            }
            var params = try YAMLMap(paramsNode, path: entry.child("litellm_params"))
            var deployment = try DeploymentParser.parse(&params, group: name, id: id, sourcePath: path, context: context)
            deployment.modelInfo = info
            deployment.inputCostPerToken = deployment.inputCostPerToken ?? prices.inputCostPerToken
            deployment.outputCostPerToken = deployment.outputCostPerToken ?? prices.outputCostPerToken
            if deployment.supportsAssistantPrefill == nil,
               case .bool(let prefill)? = info.first(where: { $0.key == "supports_assistant_prefill" })?.value {
                deployment.supportsAssistantPrefill = prefill
            }
            groups[groupIndex].deployments.append(deployment)
            entry.warnUnknown(in: context, "not used by Routero; ignored")
        }
        return groups
    }
}
