import RouteroConfig
import RouteroCore
import RouteroRouting
import Testing

/// The client never decides which secret goes where, or which host is called.
@Suite("Credential scoping and reachable hosts")
struct CredentialScopingTests {
    let env = ["OPENAI_API_KEY": "sk-openai-0101", "GROQ_API_KEY": "gsk-groq-0102", "MISTRAL_API_KEY": "mi-0103"]

    /// A wildcard deployment with an operator host but no key: whatever provider prefix the
    /// client picks, no provider key from the environment is sent to that host.
    @Test(arguments: ["*", "openai/*"])
    func aCustomHostNeverGetsAnEnvironmentKey(pattern: String) throws {
        let router = try makeRouter("""
            model_list:
              - model_name: "\(pattern)"
                litellm_params: {model: "\(pattern)", api_base: "https://proxy.example.test/v1"}
            """, environment: env)
        let models = pattern == "*" ? ["openai/x", "groq/x", "mistral/x", "gpt-4o-mini"] : ["openai/x"]
        for model in models {
            let target = try router.plan(model: model).attempts[0]
            #expect(target.apiBase == "https://proxy.example.test/v1", "\(model)")
            #expect(target.apiKey == nil, "\(model) sent \(target.apiKey ?? "") to the proxy")
        }
    }

    /// Without api_base the same wildcard sends each provider its own key, to its own host.
    @Test func eachProviderGetsItsOwnKeyAtItsOwnHost() throws {
        let router = try makeRouter("""
            model_list:
              - model_name: "*"
                litellm_params: {model: "*"}
            """, environment: env)
        let groq = try router.plan(model: "groq/llama").attempts[0]
        #expect(groq.apiKey == "gsk-groq-0102" && groq.apiBase == "https://api.groq.com/openai/v1")
        let openai = try router.plan(model: "gpt-4o-mini").attempts[0]
        #expect(openai.apiKey == "sk-openai-0101" && openai.apiBase == "https://api.openai.com/v1")
    }

    /// LiteLLM's `<PROVIDER>_API_BASE` variables move the provider's own host, and its key goes
    /// with it, for bare, wildcard and unlisted routing.
    @Test func providerBaseVariablesMoveTheProvidersHost() throws {
        let yaml = """
            model_list:
              - model_name: "*"
                litellm_params: {model: "*"}
              - model_name: fixed
                litellm_params: {model: gpt-4o-mini}
            environment_variables:
              OPENAI_API_BASE: "https://oai-proxy.example.test/v1/"
            """
        let router = try makeRouter(yaml, environment: env)
        for model in ["gpt-4o-mini", "openai/gpt-4o", "fixed"] {
            let target = try router.plan(model: model).attempts[0]
            #expect(target.apiBase == "https://oai-proxy.example.test/v1", "\(model)")
            #expect(target.apiKey == "sk-openai-0101", "\(model)")
        }
        // OPENAI_BASE_URL wins over OPENAI_API_BASE, as in LiteLLM.
        let both = try makeRouter("model_list: [{model_name: m, litellm_params: {model: openai/m}}]",
                                  environment: env.merging(["OPENAI_BASE_URL": "https://a.example.test/v1",
                                                            "OPENAI_API_BASE": "https://b.example.test/v1"]) { $1 })
        #expect(try both.plan(model: "m").attempts[0].apiBase == "https://a.example.test/v1")
    }

    /// A provider block's key and headers go to the provider block's host only.
    @Test func providerBlockCredentialsStayWithTheBlocksHost() throws {
        let router = try makeRouter("""
            providers:
              groq: {api_key: os.environ/GROQ_BLOCK, api_base: "https://groq-proxy.example.test/v1", extra_headers: {X-Org: secret-org}}
            models:
              - name: same-host
                deployments: [{model: groq/a, api_base: "https://groq-proxy.example.test/v1/"}]
              - name: other-host
                deployments: [{model: groq/a, api_base: "https://elsewhere.example.test/v1"}]
            """, environment: env.merging(["GROQ_BLOCK": "block-0104"]) { $1 })
        let same = try router.plan(model: "same-host").attempts[0]
        #expect(same.apiKey == "block-0104")
        #expect(same.extraHeaders.map(\.0) == ["X-Org"])
        let other = try router.plan(model: "other-host").attempts[0]
        #expect(other.apiKey == nil)
        #expect(other.extraHeaders.isEmpty)
        #expect(router.warnings.contains {
            $0.hasPrefix("models[1].deployments[0]: sets api_base but no api_key; providers.groq.api_key is only sent")
        })
    }

    /// Unlisted and wildcard routing reach only providers with a public default host, unless the
    /// operator configured the local one.
    @Test(arguments: ["ollama/llama3", "hosted_vllm/x", "llamacpp/x", "llamacpp/llamacpp/x", "lm_studio/x", "sglang/x",
                      "xinference/x"])
    func localProvidersNeedTheOperator(model: String) throws {
        for yaml in ["allow_unlisted_models: true", "models: [{name: '*', deployments: [{model: '*'}]}]"] {
            let router = try makeRouter(yaml, environment: env)
            do {
                let plan = try router.plan(model: model)
                Issue.record("\(model) routed to \(plan.attempts[0].apiBase) with \(yaml)")
            } catch {
                #expect(error.status == 404)
            }
        }
    }

    @Test func configuredLocalProvidersAreReachable() throws {
        let block = try makeRouter("""
            allow_unlisted_models: true
            providers: {ollama: {api_base: "http://10.0.0.7:11434/v1"}}
            """, environment: env)
        #expect(try block.plan(model: "ollama/llama3").attempts[0].apiBase == "http://10.0.0.7:11434/v1")
        let variable = try makeRouter("allow_unlisted_models: true", environment: ["OLLAMA_API_BASE": "http://10.0.0.8:11434/v1"])
        #expect(try variable.plan(model: "ollama/llama3").attempts[0].apiBase == "http://10.0.0.8:11434/v1")
        // A wildcard deployment with its own api_base names the host itself.
        let own = try makeRouter("models: [{name: '*', deployments: [{model: '*', api_base: 'http://10.0.0.9:8000/v1'}]}]",
                                 environment: env)
        #expect(try own.plan(model: "hosted_vllm/x").attempts[0].apiBase == "http://10.0.0.9:8000/v1")
    }

    /// A key on a deployment whose provider comes from the request would go to any provider.
    @Test(arguments: ["api_key: sk-lit-0105", "extra_headers: {Authorization: Bearer x}"])
    func credentialsOnAProviderWildcardNeedAnAPIBase(field: String) throws {
        do {
            _ = try makeRouter("model_list: [{model_name: '*', litellm_params: {model: '*', \(field)}}]", environment: env)
            Issue.record("accepted")
        } catch let error as ConfigError {
            #expect(error.keyPath.hasPrefix("model_list[0].litellm_params."))
            #expect(error.message.contains("whichever provider a client names"))
        }
    }
}
