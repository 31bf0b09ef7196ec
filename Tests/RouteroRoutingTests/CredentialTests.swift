import RouteroConfig
import RouteroCore
import RouteroRouting
import Testing

@Suite("API key and base URL resolution")
struct CredentialTests {
    let yaml = """
        allow_unlisted_models: true
        providers:
          groq: {api_key: os.environ/GROQ_SHARED_KEY, api_base: "https://groq-proxy.example.test/v1/"}
        models:
          - name: own-key
            deployments: [{model: groq/llama-3.3-70b-versatile, api_key: os.environ/GROQ_OWN_KEY, api_base: "https://own.example.test/v1"}]
          - name: shared-key
            deployments: [{model: groq/llama-3.3-70b-versatile}]
          - name: env-key
            deployments: [{model: together_ai/meta-llama/Llama-3-8b}]
        """
    let env = ["GROQ_OWN_KEY": "own-0009", "GROQ_SHARED_KEY": "shared-0010", "GROQ_API_KEY": "env-0011",
               "TOGETHERAI_API_KEY": "together-0012"]

    @Test func deploymentThenProvidersThenEnvironment() throws {
        let router = try makeRouter(yaml, environment: env)
        let own = try router.plan(model: "own-key").attempts[0]
        #expect(own.apiKey == "own-0009" && own.apiBase == "https://own.example.test/v1")
        let shared = try router.plan(model: "shared-key").attempts[0]
        #expect(shared.apiKey == "shared-0010" && shared.apiBase == "https://groq-proxy.example.test/v1")
        // Second keyEnv variable of the profile (TOGETHER_API_KEY unset).
        let fromEnv = try router.plan(model: "env-key").attempts[0]
        #expect(fromEnv.apiKey == "together-0012" && fromEnv.apiBase == "https://api.together.xyz/v1")
        #expect(fromEnv.profile.id == "together" && fromEnv.model == "meta-llama/Llama-3-8b")
        // Direct routes use the providers: entry too.
        #expect(try router.plan(model: "groq/x").attempts[0].apiKey == "shared-0010")
        #expect(router.warnings.isEmpty)
    }

    @Test func timeoutsAndDropParamsReachTheTarget() throws {
        let router = try makeRouter("""
            drop_params: true
            models:
              - name: tuned
                deployments: [{model: groq/a, api_key: k, timeout: 7, stream_timeout: 3}]
              - name: strict
                deployments: [{model: groq/b, api_key: k, drop_params: false}]
            """, environment: [:])
        let tuned = try router.plan(model: "tuned").attempts[0]
        #expect(tuned.timeoutSeconds == 7 && tuned.streamTimeoutSeconds == 3 && tuned.dropUnsupportedParams)
        #expect(try router.plan(model: "strict").attempts[0].dropUnsupportedParams == false)
    }

    @Test func missingKeyWarnsAndAnswers500() throws {
        let router = try makeRouter("""
            models:
              - name: fast
                deployments: [{model: groq/llama-3.1-8b-instant}]
              - name: local
                deployments: [{model: ollama/llama3}]
            """, environment: [:])
        #expect(router.warnings == ["models[0].deployments[0]: no API key configured for provider groq "
                                    + "(set GROQ_API_KEY); deployment skipped"])
        do {
            _ = try router.plan(model: "fast")
            Issue.record("served without a key")
        } catch {
            #expect(error.status == 500)
            #expect(error.message == "no API key configured for provider groq (set GROQ_API_KEY)")
        }
        // Local servers need no key.
        #expect(try router.plan(model: "local").attempts[0].apiKey == nil)
        // Same for unlisted routes.
        #expect(throws: GatewayError.self) { try router.plan(model: "groq/llama-3.1-8b-instant") }
    }

    @Test func providerWithoutDefaultURLNeedsAPIBase() throws {
        let router = try makeRouter("models: [{name: dbx, deployments: [{model: databricks/dbrx, api_key: k-0013}]}]")
        #expect(router.warnings.first?.hasPrefix("models[0].deployments[0]: databricks: no api_base configured") == true)
        #expect(throws: GatewayError.self) { try router.plan(model: "dbx") }
    }

    @Test func unknownProviderIsAConfigError() throws {
        let config = try ConfigLoader.load(yaml: "models: [{name: x, deployments: [{model: my-private-model}]}]",
                                           environment: [:])
        do {
            _ = try ModelRouter(config: config, environment: [:])
            Issue.record("accepted an unroutable deployment")
        } catch {
            #expect(error.keyPath == "models[0].deployments[0].model")
            #expect(error.message.hasPrefix("cannot tell the provider of \"my-private-model\""))
        }
    }

    @Test func unknownProvidersSectionEntriesWarn() throws {
        let router = try makeRouter("providers: {cohere: {api_key: a-0014}, nope: {api_base: \"http://x\"}}")
        #expect(router.warnings == ["providers.cohere: provider 'cohere' is not available yet; ignored",
                                    "providers.nope: unknown provider; ignored"])
    }
}
