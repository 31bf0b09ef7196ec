import Yams

/// Reads one deployment: a LiteLLM `litellm_params` mapping, or a native `deployments[]` entry
/// (same keys plus `id`, so entries can be copied between the two formats).
enum DeploymentParser {
    /// Parses the deployment keys of `map`; keys it does not know are kept in `extraParams`
    /// with a warning (LiteLLM forwards them to the provider; Routero does not yet).
    /// - Parameters:
    ///   - map: the `litellm_params` (or native deployment) mapping.
    ///   - group: the model group name, to check wildcard use.
    ///   - id: the explicit deployment id, if any.
    ///   - sourcePath: the entry's key path for later messages (`model_list[3]`).
    static func parse(_ map: inout YAMLMap, group: String, id: String, sourcePath: String,
                      context: ConfigContext) throws(ConfigError) -> Deployment
    {
        guard let modelNode = map.take("model") else {
            throw ConfigError(keyPath: map.child("model"), message: "required key is missing", line: map.line)
        }
        let model = try context.string(modelNode, at: map.child("model"))
        if model.contains("*") && !group.contains("*") {
            throw ConfigError(keyPath: map.child("model"),
                              message: "contains '*' but model name \"\(group)\" has no wildcard to fill it",
                              line: modelNode.mark?.line)
        }
        var deployment = Deployment(id: id, sourcePath: sourcePath, model: model)
        if let node = map.take("custom_llm_provider") {
            let provider = try context.string(node, at: map.child("custom_llm_provider")).lowercased()
            deployment.customProvider = provider
            deployment.provider = provider
        }
        try readEndpoint(&map, into: &deployment, context: context)
        try readLimits(&map, into: &deployment, context: context)
        try readPrices(&map, into: &deployment, context: context)
        for (key, value) in map.takeRemaining() {
            deployment.extraParams.append(ConfigEntry(key: key, value: YAMLText.value(value)))
            context.warn(map.child(key), "not used by Routero yet; kept", line: value.mark?.line)
        }
        return deployment
    }

    /// api_base/base_url, credentials, api_version, headers.
    private static func readEndpoint(_ map: inout YAMLMap, into deployment: inout Deployment,
                                     context: ConfigContext) throws(ConfigError)
    {
        if map.has("api_base") && map.has("base_url") {
            throw ConfigError(keyPath: map.child("base_url"), message: "api_base is also set; use only one",
                              line: map.line)
        }
        for key in ["api_base", "base_url"] {
            if let node = map.take(key) {
                deployment.apiBase = try baseURL(node, at: map.child(key), context: context)
            }
        }
        if let node = map.take("api_key") { deployment.apiKey = try context.secret(node, at: map.child("api_key")) }
        if let node = map.take("api_version") {
            deployment.apiVersion = try context.string(node, at: map.child("api_version"))
        }
        if let node = map.take("azure_ad_token") {
            deployment.azureADToken = try context.secret(node, at: map.child("azure_ad_token"))
        }
        if let node = map.take("tenant_id") { deployment.azureTenantID = try context.string(node, at: map.child("tenant_id")) }
        if let node = map.take("client_id") { deployment.azureClientID = try context.string(node, at: map.child("client_id")) }
        if let node = map.take("client_secret") {
            deployment.azureClientSecret = try context.secret(node, at: map.child("client_secret"))
        }
        if let node = map.take("azure_authority_host") {
            deployment.azureAuthorityHost = try baseURL(node, at: map.child("azure_authority_host"), context: context)
        }
        if let node = map.take("vertex_project") {
            deployment.vertexProject = try context.string(node, at: map.child("vertex_project"))
        }
        if let node = map.take("vertex_location") {
            deployment.vertexLocation = try context.string(node, at: map.child("vertex_location"))
        }
        if let node = map.take("vertex_credentials") {
            deployment.vertexCredentials = try ServiceAccountKey.load(context.secret(node, at: map.child("vertex_credentials")),
                                                                      at: map.child("vertex_credentials"), line: node.mark?.line)
        }
        if let node = map.take("aws_access_key_id") {
            deployment.awsAccessKeyID = try context.secret(node, at: map.child("aws_access_key_id"))
        }
        if let node = map.take("aws_secret_access_key") {
            deployment.awsSecretAccessKey = try context.secret(node, at: map.child("aws_secret_access_key"))
        }
        if let node = map.take("aws_session_token") {
            deployment.awsSessionToken = try context.secret(node, at: map.child("aws_session_token"))
        }
        if let node = map.take("aws_region_name") {
            deployment.awsRegionName = try context.string(node, at: map.child("aws_region_name"))
        }
        if let node = map.take("extra_headers") {
            deployment.extraHeaders = try context.headers(node, at: map.child("extra_headers"))
        }
        if let node = map.take("drop_params") {
            deployment.dropParams = try context.bool(node, at: map.child("drop_params"))
        }
        if let node = map.take("supports_assistant_prefill") {
            deployment.supportsAssistantPrefill = try context.bool(node, at: map.child("supports_assistant_prefill"))
        }
    }

    /// Selection weights, limits and timeouts.
    private static func readLimits(_ map: inout YAMLMap, into deployment: inout Deployment,
                                   context: ConfigContext) throws(ConfigError)
    {
        let nonNegative = "a non-negative integer"
        if let node = map.take("rpm") {
            deployment.rpm = try context.int(node, at: map.child("rpm"), in: 0...Int.max, expected: nonNegative)
        }
        if let node = map.take("tpm") {
            deployment.tpm = try context.int(node, at: map.child("tpm"), in: 0...Int.max, expected: nonNegative)
        }
        if let node = map.take("weight") {
            deployment.weight = try context.number(node, at: map.child("weight"))
            deployment.hasExplicitWeight = true
        }
        if let node = map.take("order") {
            deployment.order = try context.int(node, at: map.child("order"), in: 0...Int.max, expected: nonNegative)
        }
        if let node = map.take("timeout") {
            deployment.timeoutSeconds = try context.seconds(node, at: map.child("timeout"))
        }
        if let node = map.take("stream_timeout") {
            deployment.streamTimeoutSeconds = try context.seconds(node, at: map.child("stream_timeout"))
        }
        if let node = map.take("max_retries") {
            deployment.maxRetries = try context.int(node, at: map.child("max_retries"), in: 0...100,
                                                    expected: "an integer from 0 to 100")
            context.markNotYetActive(map.child("max_retries"))
        }
    }

    /// `input_cost_per_token` / `output_cost_per_token` (USD, ≥ 0), read from `litellm_params`
    /// and, for LiteLLM files, from `model_info` (where LiteLLM's cost map keeps them).
    static func readPrices(_ map: inout YAMLMap, into deployment: inout Deployment,
                           context: ConfigContext) throws(ConfigError)
    {
        if let node = map.take("input_cost_per_token") {
            deployment.inputCostPerToken = try context.number(node, at: map.child("input_cost_per_token"), allowZero: true)
        }
        if let node = map.take("output_cost_per_token") {
            deployment.outputCostPerToken = try context.number(node, at: map.child("output_cost_per_token"), allowZero: true)
        }
    }

    /// An `http://` or `https://` base URL without a trailing slash.
    static func baseURL(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> String {
        let text = try context.string(node, at: path)
        let lower = text.lowercased()
        guard (lower.hasPrefix("http://") || lower.hasPrefix("https://")),
              !text.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" })
        else {
            throw ConfigError(keyPath: path, message: "expected an http:// or https:// URL, got \(YAMLText.quoted(text, plain: false))",
                              line: node.mark?.line)
        }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
