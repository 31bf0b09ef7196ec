import RouteroConfig
import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

@Suite("Unlisted (direct) routes")
struct DirectRouteTests {
    let env = ["OPENAI_API_KEY": "sk-env-0004", "GROQ_API_KEY": "gsk-env-0005", "TOGETHER_API_KEY": "tg-env-0006"]

    @Test func bareAndScopedNamesShareARouteKey() throws {
        let router = try makeRouter("allow_unlisted_models: true", environment: env)
        let bare = try router.plan(model: "gpt-4o")
        let scoped = try router.plan(model: "openai/gpt-4o")
        #expect(bare.routeKey == "direct:openai/gpt-4o")
        #expect(bare.routeKey == scoped.routeKey)
        #expect(bare.group == nil)
        #expect(bare.attempts.count == 1 && scoped.attempts[0].model == "gpt-4o")
        #expect(scoped.attempts[0].apiKey == "sk-env-0004")
        // Aliases resolve to the canonical id, so they share keys too.
        let alias = try router.plan(model: "together_ai/meta-llama/Llama-3-8b")
        #expect(alias.routeKey == "direct:together/meta-llama/Llama-3-8b")
    }

    @Test func providerScoped() throws {
        let router = try makeRouter("allow_unlisted_models: true", environment: env)
        let plan = try router.plan(model: "groq/llama-3.3-70b-versatile")
        #expect(plan.routeKey == "direct:groq/llama-3.3-70b-versatile")
        #expect(plan.attempts[0].apiBase == "https://api.groq.com/openai/v1")
        #expect(plan.attempts[0].apiKey == "gsk-env-0005")
    }

    @Test(arguments: ["llama-3.1-8b", "nobody/knows-this", "openai/*", "custom_openai/some-model"])
    func unknownModelsAre404(model: String) throws {
        let router = try makeRouter("{}", environment: env)
        do {
            _ = try router.plan(model: model)
            Issue.record("\(model) was routed")
        } catch {
            #expect(error.status == 404)
            #expect(error.code == "model_not_found")
        }
    }

    @Test func laterProvidersAre400() throws {
        let router = try makeRouter("allow_unlisted_models: true", environment: env)
        do {
            _ = try router.plan(model: "sagemaker/my-endpoint")
            Issue.record("sagemaker was routed")
        } catch {
            #expect(error.status == 400 && error.code == "unsupported_provider")
        }
    }
}
