import Testing
import RouteroCore
import RouteroProviders

@Suite("Quirks")
struct QuirkTests {
    func send(_ body: String, to id: String, model: String = "m", apiBase: String? = nil) throws -> UpstreamRequestSpec {
        let profile = try profile(id)
        return try OpenAICompatibleAdapter(profile: profile)
            .makeChatRequest(fixtureRequest(body), target: UpstreamTarget(profile: profile, model: model, apiBase: apiBase))
    }

    @Test func openAIForwardsTheBodyUnchangedExceptModelAndCache() throws {
        let spec = try send(fixtureBody, to: "openai", model: "gpt-4o")
        var expected = try fixtureRequest().body
        expected["model"] = "gpt-4o"
        expected["cache"] = nil
        #expect(spec.body == JSON.serialize(.object(expected)))
        #expect(spec.url == "https://api.openai.com/v1/chat/completions")
    }

    @Test(arguments: ["groq", "perplexity", "ollama", "minimax"])
    func singleChoiceProvidersRejectNAboveOne(_ id: String) throws {
        let body = #"{"model":"m","messages":[{}],"n":2}"#
        do {
            _ = try send(body, to: id)
            Issue.record("n=2 accepted by \(id)")
        } catch let error as GatewayError {
            #expect(error.status == 400)
            #expect(error.param == "n")
            #expect(error.retryable, "a deployment's own limit: the next deployment may serve the request")
        }
        #expect(try send(#"{"model":"m","messages":[{}],"n":1}"#, to: id).body.isEmpty == false)
        #expect(try send(body, to: "openai").body.isEmpty == false)
    }

    @Test func dropParamsRemovesWhatTheProviderCannotHonour() throws {
        let profile = try profile("groq")
        let target = UpstreamTarget(profile: profile, model: "m", dropUnsupportedParams: true)
        let spec = try OpenAICompatibleAdapter(profile: profile)
            .makeChatRequest(fixtureRequest(#"{"model":"m","messages":[{}],"n":3,"top_p":0.5}"#), target: target)
        let body = try bodyObject(spec)
        #expect(body["n"] == nil)
        #expect(body["top_p"] == .number("0.5"))
    }

    @Test func fireworksPrefixesBareModelNames() throws {
        let bare = try bodyObject(send(#"{"model":"x","messages":[{}]}"#, to: "fireworks_ai", model: "llama-v3p1-8b"))
        #expect(bare["model"] == "accounts/fireworks/models/llama-v3p1-8b")
        let full = try bodyObject(send(#"{"model":"x","messages":[{}]}"#, to: "fireworks", model: "accounts/me/models/ft"))
        #expect(full["model"] == "accounts/me/models/ft")
    }

    @Test func moonshotClampsTemperatureIntoRange() throws {
        #expect(try bodyObject(send(#"{"model":"m","messages":[{}],"temperature":2}"#, to: "moonshot"))["temperature"] == 1)
        #expect(try bodyObject(send(#"{"model":"m","messages":[{}],"temperature":-1}"#, to: "moonshot"))["temperature"] == 0)
        // In-range values are forwarded as written, not re-formatted.
        #expect(try bodyObject(send(#"{"model":"m","messages":[{}],"temperature":0.70}"#, to: "moonshot"))["temperature"]
                == .number("0.70"))
    }

    @Test func mistralRenames() throws {
        let sent = try bodyObject(send(#"{"model":"m","seed":7,"messages":[{}],"tool_choice":"required","stream_options":{}}"#, to: "mistral"))
        #expect(sent.keys == ["model", "random_seed", "messages", "tool_choice"])
        #expect(sent["random_seed"] == 7)
        #expect(sent["tool_choice"] == "any")
        let named = try bodyObject(send(#"{"model":"m","messages":[{}],"tool_choice":{"type":"function"}}"#, to: "mistral"))
        #expect(named["tool_choice"]?["type"] == "function")
    }

    @Test func maxTokensAlreadyPresentWins() throws {
        let sent = try bodyObject(send(#"{"model":"m","max_tokens":5,"messages":[{}],"max_completion_tokens":9}"#, to: "groq"))
        #expect(sent.keys == ["model", "max_tokens", "messages"])
        #expect(sent["max_tokens"] == 5)
    }

    @Test func databricksRequiresAnAPIBase() throws {
        let databricks = try profile("databricks")
        #expect(databricks.requiresAPIBase)
        do {
            _ = try send(#"{"model":"m","messages":[{}]}"#, to: "databricks")
            Issue.record("built a request without a base URL")
        } catch let error as GatewayError {
            #expect(error.status == 500)
            #expect(error.code == "provider_misconfigured")
            #expect(error.message.contains("api_base"))
        }
        let spec = try send(#"{"model":"m","messages":[{}]}"#, to: "databricks",
                            apiBase: "https://adb-1.azuredatabricks.net/serving-endpoints/")
        #expect(spec.url == "https://adb-1.azuredatabricks.net/serving-endpoints/chat/completions")
    }

    @Test func headersMergeProviderThenDeployment() throws {
        let openrouter = try profile("openrouter")
        let adapter = OpenAICompatibleAdapter(profile: openrouter)
        let request = try fixtureRequest(#"{"model":"m","messages":[{}]}"#)
        let plain = try adapter.makeChatRequest(request, target: UpstreamTarget(profile: openrouter, model: "m", apiKey: "k"))
        #expect(plain.header("x-title") == "Routero")
        var custom = UpstreamTarget(profile: openrouter, model: "m", apiKey: "k")
        custom.extraHeaders = [("X-Title", "Mine"), ("HTTP-Referer", "https://example.org")]
        let spec = try adapter.makeChatRequest(request, target: custom)
        #expect(spec.headers.filter { $0.0 == "x-title" }.map(\.1) == ["Mine"])
        #expect(spec.header("http-referer") == "https://example.org")
    }

    @Test func sarvamSendsTheKeyInItsOwnHeader() throws {
        let sarvam = try profile("sarvam")
        let spec = try OpenAICompatibleAdapter(profile: sarvam).makeChatRequest(
            fixtureRequest(#"{"model":"m","messages":[{}]}"#), target: UpstreamTarget(profile: sarvam, model: "m", apiKey: "k1"))
        #expect(spec.header("api-subscription-key") == "k1")
        #expect(spec.header("authorization") == nil)
    }

    @Test func catalogLookups() {
        #expect(ProviderCatalog.profile(named: "Together_AI")?.id == "together")
        #expect(ProviderCatalog.profile(named: "vllm")?.id == "hosted_vllm")
        #expect(ProviderCatalog.profile(named: "zai")?.id == "zhipuai")
        #expect(ProviderCatalog.profile(named: "nope") == nil)
        #expect(ProviderCatalog.inferProvider(forBareModel: "gpt-4o-mini")?.id == "openai")
        #expect(ProviderCatalog.inferProvider(forBareModel: "o3-mini")?.id == "openai")
        #expect(ProviderCatalog.inferProvider(forBareModel: "grok-4")?.id == "xai")
        #expect(ProviderCatalog.inferProvider(forBareModel: "claude-sonnet-4-5")?.id == "anthropic")
        #expect(ProviderCatalog.inferProvider(forBareModel: "gemini-2.5-flash")?.id == "gemini")
        #expect(ProviderCatalog.profile(named: "vertex_ai")?.family(forModel: "claude-opus-4@20250514") == .anthropic)
        #expect(ProviderCatalog.profile(named: "vertex_ai")?.family(forModel: "gemini-2.5-pro") == .gemini)
        #expect(ProviderCatalog.profile(named: "azure")?.family == .openAI)
        #expect(ProviderCatalog.inferProvider(forBareModel: "Qwen-Max")?.id == "dashscope")
        #expect(ProviderCatalog.inferProvider(forBareModel: "deepseek-chat")?.id == "deepseek")
        #expect(ProviderCatalog.inferProvider(forBareModel: "llama-3.1-8b") == nil)
        #expect(ProviderCatalog.profile(named: "ollama")?.requiresKey == false)
        #expect(ProviderCatalog.profile(named: "ollama")?.defaultBaseURL == "http://localhost:11434/v1")
        #expect(ProviderCatalog.profile(named: "vllm")?.defaultBaseURL == "http://localhost:8000/v1")
    }
}
