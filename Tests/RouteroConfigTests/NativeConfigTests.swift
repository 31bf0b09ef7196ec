import RouteroConfig
import RouteroTestSupport
import Testing

@Suite("Native schema")
struct NativeConfigTests {
    @Test func readsEverySection() throws {
        let config = try ConfigLoader.load(yaml: nativeConfig, environment: nativeEnvironment)
        #expect(config.format == .native)
        var server = ServerSettings()
        server.maxBodyBytes = 1_048_576
        server.maxConcurrentRequests = 512
        server.drainTimeoutSeconds = 0
        server.upstreamTimeoutSeconds = 90.5
        server.connectTimeoutSeconds = 5
        server.logLevel = "warning"
        #expect(config.server == server)
        #expect(config.auth.masterKey == Secret(value: "rk-master-env-0010", source: "env ROUTERO_MASTER_KEY"))
        let redis = try #require(config.redis)
        #expect(redis.host == "10.1.2.3" && redis.port == 6390 && redis.db == 2)
        #expect(redis.password?.value == "p@ss-url-0009")
        #expect(redis.connectTimeoutMs == 100 && redis.commandTimeoutMs == 300)
        #expect(config.cache.enabled && config.cache.ttlSeconds == 60 && config.cache.namespace == "rt")
        #expect(config.providerSettings["openai"]?.apiBase == "https://proxy.example.test/v1")
        #expect(config.providerSettings["openai"]?.apiKey?.value == "sk-openai-env-0011")
        #expect(config.providerSettings["groq"]?.extraHeaders == [HeaderField(name: "X-Org", value: "acme")])
        #expect(config.allowUnlistedModels == false)
        #expect(config.routing.numRetries == 1)
        #expect(config.routing.fallbacks == [FallbackRule(model: "smart/balanced", fallbacks: ["fast"])])
        #expect(config.notYetActive.isEmpty)  // num_retries and fallbacks are active
        #expect(config.warnings.isEmpty)
    }

    @Test func minSpareThreadsDefaultsToEightAndIsBoundedByAdmission() throws {
        #expect(try ConfigLoader.load(yaml: "models: []", environment: [:]).server.minSpareThreads == 8)
        let set = try ConfigLoader.load(yaml: "server: {min_spare_threads: 2000, max_concurrent_requests: 4096}", environment: [:])
        #expect(set.server.minSpareThreads == 2000)
        #expect(set.server.description.contains("min_spare_threads: 2000"))
        for bad in ["server: {min_spare_threads: 0}", "server: {min_spare_threads: 600, max_concurrent_requests: 512}",
                    "server: {min_spare_threads: many}"] {
            #expect {
                _ = try ConfigLoader.load(yaml: bad, environment: [:])
            } throws: { error in
                "\(error)".contains("server.min_spare_threads")
            }
        }
    }

    @Test func sharedStateReuseDefaultsToAQuarterSecond() throws {
        #expect(try ConfigLoader.load(yaml: "models: []", environment: [:]).routing.stateCacheSeconds == 0.25)
        #expect(try ConfigLoader.load(yaml: "routing: {state_cache_seconds: 0}", environment: [:]).routing.stateCacheSeconds == 0)
        let litellm = try ConfigLoader.load(yaml: "model_list: []\nrouter_settings: {state_cache_seconds: 1.5}", environment: [:])
        #expect(litellm.routing.stateCacheSeconds == 1.5)
    }

    @Test func readsModelGroups() throws {
        let config = try ConfigLoader.load(yaml: nativeConfig, environment: nativeEnvironment)
        #expect(config.modelGroups.map(\.name) == ["smart/balanced", "fast"])
        let balanced = try #require(config.group(named: "smart/balanced"))
        #expect(balanced.deployments.map(\.id) == ["smart/balanced#0", "groq-main"])
        #expect(balanced.deployments.map(\.weight) == [3, 1])
        #expect(balanced.deployments.map(\.order) == [nil, 1])
        #expect(balanced.deployments[1].sourcePath == "models[0].deployments[1]")
        #expect(balanced.deployments[1].apiKey?.value == "gsk-env-0012")
    }

    @Test func defaultsWhenEmpty() throws {
        let config = try ConfigLoader.load(yaml: "allow_unlisted_models: true", environment: [:])
        #expect(config.format == .native)
        #expect(config.server == ServerSettings())
        #expect(config.server.maxBodyBytes == 33_554_432 && config.server.logLevel == "info")
        #expect(config.cache == CacheSettings() && !config.cache.enabled && config.cache.ttlSeconds == 600)
        #expect(config.redis == nil && config.auth.masterKey == nil && config.modelGroups.isEmpty)
        #expect(config.allowUnlistedModels)
    }

    @Test func unknownKeysWarnWithPathAndLine() throws {
        let yaml = """
        server:
          max_body_byte: 2048
        cache: {enabled: false, ttl: 5}
        modles: []
        """
        let config = try ConfigLoader.load(yaml: yaml, environment: [:])
        #expect(config.warnings == [
            "server.max_body_byte: unknown key; ignored (line 2)",
            "cache.ttl: unknown key; ignored (line 3)",
            "modles: unknown key; ignored (line 4)",
        ])
    }

    @Test func fileSecretsAndLiteralWarnings() throws {
        let path = "/tmp/routero-config-test-secret-\(UInt32.random(in: 0...UInt32.max))"
        try writeFile(path, "rk-from-file-0015\n")
        defer { removeFile(path) }
        let config = try ConfigLoader.load(yaml: "auth: {master_key: \"file:\(path)\"}", environment: [:])
        #expect(config.auth.masterKey == Secret(value: "rk-from-file-0015", source: "file \(path)"))
        #expect(config.warnings.isEmpty)
        let literal = try ConfigLoader.load(yaml: "auth: {master_key: rk-literal-0016}", environment: [:])
        #expect(literal.auth.masterKey?.value == "rk-literal-0016")
        #expect(literal.warnings == ["secrets written literally in the config (prefer os.environ/NAME or file:/path): "
                                     + "auth.master_key (line 1)"])
    }

    @Test func loadsFromAPath() throws {
        let path = "/tmp/routero-config-test-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try writeFile(path, nativeConfig)
        defer { removeFile(path) }
        let config = try ConfigLoader.load(path: path, environment: nativeEnvironment)
        #expect(config.modelGroups.count == 2)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path + ".missing", environment: [:]) }
    }

    @Test func wildcardCaptures() {
        #expect(ModelGroup.captures(pattern: "openai/*", model: "openai/gpt-4o") == ["gpt-4o"])
        #expect(ModelGroup.captures(pattern: "openai/*", model: "openai/") == nil)
        #expect(ModelGroup.captures(pattern: "*", model: "anything/at-all") == ["anything/at-all"])
        #expect(ModelGroup.captures(pattern: "*", model: "") == nil)
        #expect(ModelGroup.captures(pattern: "a/*-*", model: "a/gpt-4o-mini") == ["gpt", "4o-mini"])
        #expect(ModelGroup.captures(pattern: "*-latest", model: "claude-latest") == ["claude"])
        #expect(ModelGroup.captures(pattern: "gpt-4o", model: "gpt-4o") == [])
        #expect(ModelGroup.captures(pattern: "gpt-4o", model: "gpt-4o-mini") == nil)
    }
}
