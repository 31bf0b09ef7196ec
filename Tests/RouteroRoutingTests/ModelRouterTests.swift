import RouteroConfig
import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

/// A LiteLLM config with the shapes the router must handle.
let liteLLMRoutes = """
model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY}
    model_info: {id: gpt4o-a}
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_base: "https://eu.example.test/v1/", order: 1, timeout: 20}
  - model_name: claude
    litellm_params: {model: cohere/command-r-plus}
  - model_name: mixed
    litellm_params: {model: bedrock/anthropic.claude-3}
  - model_name: mixed
    litellm_params: {model: fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct}
  - model_name: local
    litellm_params: {model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct, api_base: "http://10.0.0.5:8000/v1"}
  - model_name: selfhosted
    litellm_params: {model: meta-llama/Llama-3.1-8B-Instruct, api_base: "http://10.0.0.6:8000/v1"}
  - model_name: groq/*
    litellm_params: {model: groq/*}
  - model_name: groq/llama-3.1-*
    litellm_params: {model: "groq/llama-3.1-*", extra_headers: {X-Tier: specific}}
  - model_name: "*"
    litellm_params: {model: "*"}
environment_variables:
  GROQ_API_KEY: gsk-config-0001
"""

let routeEnvironment = ["OPENAI_API_KEY": "sk-env-0002", "FIREWORKS_API_KEY": "fw-env-0003"]

@Suite("ModelRouter.plan")
struct ModelRouterTests {
    let router: ModelRouter

    init() throws {
        router = try makeRouter(liteLLMRoutes, environment: routeEnvironment)
    }

    @Test func exactGroupWithOrderTiers() throws {
        let plan = try router.plan(model: "gpt-4o")
        #expect(plan.routeKey == "group:gpt-4o")
        #expect(plan.group == "gpt-4o")
        // order: 1 first; the deployment without order after it.
        #expect(plan.attempts.map(\.deploymentID) == ["gpt-4o#1", "gpt4o-a"])
        #expect(plan.attempts[0].apiBase == "https://eu.example.test/v1")
        #expect(plan.attempts[0].timeoutSeconds == 20)
        #expect(plan.attempts[1].apiBase == "https://api.openai.com/v1")
        #expect(plan.attempts.allSatisfy { $0.model == "gpt-4o" && $0.profile.id == "openai" })
        // The eu deployment has its own api_base and no api_key: OPENAI_API_KEY goes only to
        // OpenAI's own base URL, never to another host, and start-up says so.
        #expect(plan.attempts.map(\.apiKey) == [nil, "sk-env-0002"])
        #expect(router.warnings.contains { $0.hasPrefix("model_list[1]: sets api_base but no api_key; OPENAI_API_KEY") })
    }

    @Test func providerPrefixesAndModelParts() throws {
        let local = try router.plan(model: "local").attempts[0]
        #expect(local.profile.id == "hosted_vllm")
        #expect(local.model == "meta-llama/Llama-3.1-8B-Instruct")
        #expect(local.apiBase == "http://10.0.0.5:8000/v1")
        // No known prefix but an api_base: OpenAI-compatible server, whole string is the model,
        // and no environment key is sent to it.
        let selfHosted = try router.plan(model: "selfhosted").attempts[0]
        #expect(selfHosted.profile.id == "openai")
        #expect(selfHosted.model == "meta-llama/Llama-3.1-8B-Instruct")
        #expect(selfHosted.apiKey == nil)
    }

    @Test func skippedProvidersWarnAndAnswer400() throws {
        #expect(router.warnings.contains("model_list[2]: provider 'cohere' is not available yet; deployment skipped"))
        #expect(router.warnings.contains("model_list[3]: provider 'bedrock' is not available yet; deployment skipped"))
        #expect(throws: Never.self) { try router.plan(model: "mixed") }
        let mixed = try router.plan(model: "mixed")
        #expect(mixed.attempts.map(\.profile.id) == ["fireworks"])
        #expect(mixed.attempts[0].model == "accounts/fireworks/models/llama-v3p1-8b-instruct")
        do {
            _ = try router.plan(model: "claude")
            Issue.record("claude should not be routable")
        } catch {
            #expect(error.status == 400)
            #expect(error.code == "unsupported_provider")
            #expect(error.message.contains("provider cohere is not supported yet"))
        }
    }

    @Test func wildcardMostSpecificFirst() throws {
        let specific = try router.plan(model: "groq/llama-3.1-8b-instant")
        #expect(specific.routeKey == "group:groq/llama-3.1-*:groq/llama-3.1-8b-instant")
        #expect(specific.attempts[0].model == "llama-3.1-8b-instant")
        #expect(specific.attempts[0].extraHeaders.map(\.0) == ["X-Tier"])
        // environment_variables supply the provider key.
        #expect(specific.attempts[0].apiKey == "gsk-config-0001")
        let general = try router.plan(model: "groq/llama-3.3-70b-versatile")
        #expect(general.routeKey == "group:groq/*:groq/llama-3.3-70b-versatile")
        #expect(general.attempts[0].profile.id == "groq" && general.attempts[0].model == "llama-3.3-70b-versatile")
    }

    @Test func catchAllWildcardResolvesPerRequest() throws {
        let bare = try router.plan(model: "gpt-4o-mini")
        #expect(bare.routeKey == "group:*:gpt-4o-mini")
        #expect(bare.attempts[0].profile.id == "openai" && bare.attempts[0].model == "gpt-4o-mini")
        let scoped = try router.plan(model: "fireworks_ai/accounts/x/models/y")
        #expect(scoped.attempts[0].profile.id == "fireworks" && scoped.attempts[0].model == "accounts/x/models/y")
        #expect(throws: GatewayError.self) { try router.plan(model: "anthropic/claude-3-opus") }
        #expect(throws: GatewayError.self) { try router.plan(model: "llama-3.1-8b") }
    }

    @Test func listedModelsExcludeWildcards() {
        #expect(router.listedModels() == ["gpt-4o", "claude", "mixed", "local", "selfhosted"])
    }

    @Test func unlistedModelsAreRefusedInLiteLLMFormat() throws {
        let strict = try makeRouter("model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o}",
                                    environment: routeEnvironment)
        do {
            _ = try strict.plan(model: "gpt-4o")
            Issue.record("unlisted model served")
        } catch {
            #expect(error.status == 404 && error.code == "model_not_found")
        }
    }
}
