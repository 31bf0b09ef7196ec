import RouteroConfig
import Testing

/// Secure defaults and the limits that bound one request.
@Suite("Secure defaults and limits")
struct HardeningConfigTests {
    @Test func unlistedModelsAreOffByDefault() throws {
        #expect(try ConfigLoader.load(yaml: "{}", environment: [:]).allowUnlistedModels == false)
        #expect(try ConfigLoader.load(yaml: "allow_unlisted_models: true", environment: [:]).allowUnlistedModels)
    }

    /// No master key and no explicit opt-out: the configuration may not be served.
    @Test func authFailsClosed() throws {
        let native = try ConfigLoader.load(yaml: "{}", environment: [:])
        let problem = try #require(native.clientAuthProblem())
        #expect(problem.keyPath == "auth.master_key")
        #expect(problem.message.contains("auth.mode: none"))
        let lite = try ConfigLoader.load(yaml: "model_list: []", environment: [:])
        let liteProblem = try #require(lite.clientAuthProblem())
        #expect(liteProblem.keyPath == "general_settings.master_key")
        #expect(liteProblem.message.contains("--auth none"))
        #expect(try ConfigLoader.load(yaml: "auth: {master_key: os.environ/K}", environment: ["K": "k-0201"])
                    .clientAuthProblem() == nil)
        let optedOut = try ConfigLoader.load(yaml: "auth: {mode: none}", environment: [:])
        #expect(optedOut.auth.mode == .none && optedOut.clientAuthProblem() == nil)
        let both = try ConfigLoader.load(yaml: "auth: {mode: none, master_key: os.environ/K}", environment: ["K": "k-0202"])
        #expect(both.clientAuthProblem()?.keyPath == "auth.mode")
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: "auth: {mode: open}", environment: [:]) }
    }

    @Test func serverLimitsAndLoopSettings() throws {
        let config = try ConfigLoader.load(yaml: """
            server: {max_response_bytes: 2048, instance_id: edge-eu.1, max_hops: 3, upstream_http_version: "1.1"}
            cache: {max_entry_bytes: 65536}
            """, environment: [:])
        #expect(config.server.maxResponseBytes == 2048)
        #expect(config.server.instanceID == "edge-eu.1")
        #expect(config.server.maxHops == 3)
        #expect(config.cache.maxEntryBytes == 65536)
        let defaults = ServerSettings()
        #expect(defaults.maxResponseBytes == 64 << 20 && defaults.maxHops == 5 && defaults.instanceID == nil)
        #expect(CacheSettings().maxEntryBytes == 4 << 20)
    }

    @Test(arguments: [
        ("server: {instance_id: 'has space'}", "server.instance_id"),
        ("server: {max_hops: 0}", "server.max_hops"),
        ("server: {upstream_http_version: '2'}", "server.upstream_http_version"),
        ("server: {max_response_bytes: 10}", "server.max_response_bytes"),
        ("server: {connect_timeout_seconds: 1e30}", "server.connect_timeout_seconds"),
        ("cache: {max_entry_bytes: 1}", "cache.max_entry_bytes"),
        ("models: [{name: a, deployments: [{model: openai/a, timeout: 1e300}]}]", "models[0].deployments[0].timeout"),
    ])
    func badValuesNameTheirKey(_ yaml: String, _ keyPath: String) {
        do {
            _ = try ConfigLoader.load(yaml: yaml, environment: [:])
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.keyPath == keyPath)
        }
    }

    @Test func contentPolicyFallbacksAreRead() throws {
        let yaml = """
            model_list:
              - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: k}}
              - {model_name: b, litellm_params: {model: openai/gpt-4o-mini, api_key: k}}
            router_settings:
              content_policy_fallbacks: [{a: [b]}]
            """
        let config = try ConfigLoader.load(yaml: yaml, environment: [:])
        #expect(config.routing.contentPolicyFallbacks == [FallbackRule(model: "a", fallbacks: ["b"])])
        #expect(!config.notYetActive.contains("router_settings.content_policy_fallbacks"))
    }
}
