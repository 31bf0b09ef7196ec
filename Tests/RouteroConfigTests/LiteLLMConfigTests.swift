import RouteroConfig
import Testing

@Suite("LiteLLM config.yaml")
struct LiteLLMConfigTests {
    let config: GatewayConfig

    init() throws {
        config = try ConfigLoader.load(yaml: liteLLMConfig, environment: liteLLMEnvironment)
    }

    @Test func detectsFormatAndServesOnlyListedModels() {
        #expect(config.format == .litellm)
        #expect(config.allowUnlistedModels == false)
    }

    @Test func groupsEntriesByModelNameInFileOrder() {
        #expect(config.modelGroups.map(\.name) == [
            "gpt-4o", "llama-fast", "claude", "bedrock-claude", "local-vllm", "openai/*", "*",
        ])
        #expect(config.group(named: "gpt-4o")?.deployments.count == 2)
        #expect(config.group(named: "openai/*")?.isWildcard == true)
    }

    @Test func readsLiteLLMParams() throws {
        let group = try #require(config.group(named: "gpt-4o"))
        let primary = group.deployments[0], eu = group.deployments[1]
        #expect(primary.id == "gpt4o-primary")
        #expect(primary.provider == "openai")
        #expect(primary.model == "openai/gpt-4o")
        #expect(primary.apiKey?.value == "sk-openai-env-0003")
        #expect(primary.apiKey?.source == "env OPENAI_API_KEY")
        #expect(primary.rpm == 500 && primary.tpm == 200_000)
        #expect(primary.hasExplicitWeight == false && primary.weight == 1)
        #expect(primary.modelInfo == [ConfigEntry(key: "mode", value: .string("chat"))])
        #expect(eu.id == "gpt-4o#1")
        #expect(eu.sourcePath == "model_list[1]")
        #expect(eu.apiBase == "https://eu.example.test/v1")
        // environment_variables feed os.environ/ references.
        #expect(eu.apiKey?.value == "sk-eu-from-config-0001")
        #expect(eu.weight == 2 && eu.hasExplicitWeight && eu.order == 2)
        #expect(eu.timeoutSeconds == 30 && eu.streamTimeoutSeconds == 10 && eu.maxRetries == 2)
        #expect(eu.extraHeaders == [HeaderField(name: "X-Team", value: "search")])
    }

    @Test func keepsUnknownParamsAndAWSCredentials() throws {
        let llama = try #require(config.group(named: "llama-fast")?.deployments.first)
        #expect(llama.extraParams == [ConfigEntry(key: "temperature", value: .number("0.2"))])
        #expect(llama.apiKey?.value == "gsk-from-config-0002")
        let bedrock = try #require(config.group(named: "bedrock-claude")?.deployments.first)
        #expect(bedrock.provider == "bedrock")
        #expect(bedrock.awsAccessKeyID?.value == "AKIA-env-0005")
        #expect(bedrock.awsSecretAccessKey?.value == "aws-secret-env-0006")
        #expect(bedrock.awsRegionName == "us-east-1")
        let vllm = try #require(config.group(named: "local-vllm")?.deployments.first)
        #expect(vllm.apiBase == "http://10.0.0.5:8000/v1")
        #expect(vllm.provider == "hosted_vllm")
    }

    @Test func readsRedisCacheAndAuth() throws {
        let redis = try #require(config.redis)
        #expect(redis.host == "redis.internal" && redis.port == 6380 && redis.db == 0)
        #expect(redis.password?.value == "redis-pass-env-0007")
        #expect(config.cache == {
            var cache = CacheSettings()
            cache.enabled = true
            cache.ttlSeconds = 900
            cache.namespace = "litellm.caching"
            return cache
        }())
        #expect(config.auth.masterKey?.value == "sk-master-env-0008")
        #expect(config.dropParams == true)
        #expect(config.server.logLevel == "info")
    }

    @Test func routerSettingsWinOverLiteLLMSettings() {
        #expect(config.server.upstreamTimeoutSeconds == 120)
        #expect(config.routing.numRetries == 2)
        #expect(config.routing.fallbacks == [FallbackRule(model: "gpt-4o", fallbacks: ["llama-fast"])])
        #expect(config.routing.contextWindowFallbacks == [FallbackRule(model: "llama-fast", fallbacks: ["gpt-4o"])])
        #expect(config.routing.defaultFallbacks == ["gpt-4o"])
        #expect(config.routing.allowedFails == 3 && config.routing.cooldownSeconds == 30)
        #expect(config.routing.enablePreCallChecks)
    }

    @Test func listsLaterIssueSettingsAsNotYetActive() {
        for path in [
            "router_settings.enable_pre_call_checks",
            "model_list[1].litellm_params.max_retries",
        ] {
            #expect(config.notYetActive.contains(path), "missing \(path)")
        }
        // Active since the failover machine: retries and every kind of fallback.
        // Active since shared cooldowns: allowed_fails and cooldown_time.
        for path in ["router_settings.fallbacks", "router_settings.context_window_fallbacks", "router_settings.num_retries",
                     "litellm_settings.num_retries", "litellm_settings.default_fallbacks",
                     "router_settings.allowed_fails", "router_settings.cooldown_time",
                     "model_list[0].litellm_params.rpm", "model_list[0].litellm_params.tpm"] {
            #expect(!config.notYetActive.contains(path), "\(path) is active")
        }
        // Implemented now: parsed into the deployment and used by the gateway.
        #expect(!config.notYetActive.contains("model_list[1].litellm_params.stream_timeout"))
        #expect(config.modelGroups.flatMap(\.deployments).contains { $0.streamTimeoutSeconds == 10 })
        // simple-shuffle is what this version does, so it is active.
        #expect(!config.notYetActive.contains("router_settings.routing_strategy"))
    }

    @Test func warnsAboutUnusedKeysWithLines() {
        #expect(config.warnings.contains("model_list[2].litellm_params.temperature: not used by Routero yet; kept (line 27)"))
        #expect(config.warnings.contains { $0.hasPrefix("litellm_settings.success_callback: ") && $0.hasSuffix("(line 78)") })
        #expect(config.warnings.contains("general_settings.database_url: not used by Routero; ignored (line 83)"))
    }

    @Test func localCacheTypeIsAcceptedWithAWarning() throws {
        let yaml = """
        model_list: []
        litellm_settings:
          cache: true
          cache_params: {type: local}
        """
        let config = try ConfigLoader.load(yaml: yaml, environment: ["REDIS_URL": "redis://cache:6379/1"])
        #expect(config.cache.enabled && config.cache.ttlSeconds == 600)
        #expect(config.warnings.contains { $0.hasPrefix("litellm_settings.cache_params.type: Routero's cache is always Redis-backed") })
        #expect(config.redis == RedisSettings(host: "cache", port: 6379, db: 1))
    }

    @Test func redisFromEnvironmentVariables() throws {
        let env = ["REDIS_HOST": "10.0.0.9", "REDIS_PORT": "6400", "REDIS_PASSWORD": "pw-0013"]
        let config = try ConfigLoader.load(yaml: "model_list: []", environment: env)
        #expect(config.redis?.host == "10.0.0.9" && config.redis?.port == 6400)
        #expect(config.redis?.password == Secret(value: "pw-0013", source: "env REDIS_PASSWORD"))
        let none = try ConfigLoader.load(yaml: "model_list: []", environment: [:])
        #expect(none.redis == nil)
    }

    @Test func masterKeyWithoutSkPrefixOnlyWarns() throws {
        let config = try ConfigLoader.load(yaml: "general_settings: {master_key: my-key-0014}", environment: [:])
        #expect(config.auth.masterKey?.value == "my-key-0014")
        #expect(config.warnings.contains { $0.hasPrefix("general_settings.master_key: LiteLLM requires master keys to start with \"sk-\"") })
        #expect(config.warnings.contains { $0.hasPrefix("secrets written literally in the config")
                && $0.hasSuffix("general_settings.master_key (line 1)") })
    }

    /// One warning lists every literal secret instead of one line per key.
    @Test func literalSecretsAreReportedInOneLine() throws {
        let config = try ConfigLoader.load(yaml: """
            model_list:
              - model_name: a
                litellm_params: {model: openai/a, api_key: sk-lit-1}
              - model_name: b
                litellm_params: {model: openai/b, api_key: sk-lit-2}
            general_settings: {master_key: sk-lit-3}
            """, environment: [:])
        let literal = config.warnings.filter { $0.contains("literally") }
        #expect(literal == ["secrets written literally in the config (prefer os.environ/NAME or file:/path): "
                            + "model_list[0].litellm_params.api_key (line 3), model_list[1].litellm_params.api_key (line 5), "
                            + "general_settings.master_key (line 6)"])
        #expect(!literal[0].contains("sk-lit"), "values are never echoed")
    }

    /// LiteLLM's body limits are honoured (MiB, fractions allowed).
    @Test func bodyLimitsFromGeneralSettings() throws {
        let config = try ConfigLoader.load(yaml: "general_settings: {max_request_size_mb: 20, max_response_size_mb: 0.5}",
                                           environment: [:])
        #expect(config.server.maxBodyBytes == 20 * 1_048_576)
        #expect(config.server.maxResponseBytes == 524_288)
        #expect(!config.warnings.contains { $0.contains("max_request_size_mb") })
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: "general_settings: {max_request_size_mb: 0}", environment: [:])
        }
    }

    @Test func setVerboseMeansDebugLogging() throws {
        let config = try ConfigLoader.load(yaml: "litellm_settings: {set_verbose: true}", environment: [:])
        #expect(config.server.logLevel == "debug")
    }

    @Test func yamlAnchorsAndMergeKeys() throws {
        let yaml = """
        model_list:
          - model_name: a
            litellm_params: &defaults
              model: groq/llama-3.1-8b-instant
              rpm: 10
          - model_name: b
            litellm_params:
              <<: *defaults
              rpm: 20
        """
        let config = try ConfigLoader.load(yaml: yaml, environment: [:])
        #expect(config.group(named: "b")?.deployments.first?.model == "groq/llama-3.1-8b-instant")
        #expect(config.group(named: "b")?.deployments.first?.rpm == 20)
    }
}
