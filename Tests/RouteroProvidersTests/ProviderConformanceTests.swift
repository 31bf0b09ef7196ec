import Testing
import RouteroCore
import RouteroProviders

/// Runs every catalog row through the adapter, so a row cannot rot unnoticed.
@Suite("Provider conformance")
struct ProviderConformanceTests {
    @Test(arguments: ProviderCatalog.all.filter { $0.family == .openAI }.map(\.id))
    func chatRequestFollowsTheRow(_ id: String) throws {
        let profile = try profile(id)
        let adapter = OpenAICompatibleAdapter(profile: profile)
        var body = try fixtureRequest().body
        body["n"] = nil  // n is covered by the single-choice test
        let request = try ChatRequest(body: body)
        let spec = try adapter.makeChatRequest(request, target: target(profile, model: "vendor/model-x"))

        #expect(spec.method == "POST")
        if profile.quirks.azureDeployments {
            #expect(spec.url == "https://gw.internal:8443/base/v1/openai/deployments/vendor/model-x/chat/completions?api-version=2024-10-21")
        } else {
            #expect(spec.url == "https://gw.internal:8443/base/v1/chat/completions")
        }
        #expect(spec.header("content-type") == "application/json")
        #expect(spec.header("accept") == "text/event-stream")
        switch profile.auth {
        case .bearer:
            #expect(spec.header("authorization") == "Bearer test-key-0123456789")
        case .header(let name):
            #expect(spec.header(name) == "test-key-0123456789")
            #expect(spec.header("authorization") == nil)
        case .none:
            #expect(spec.header("authorization") == nil)
        }
        #expect(spec.headers.allSatisfy { $0.0 == $0.0.lowercased() })

        let sent = try bodyObject(spec)
        #expect(sent["model"] == "vendor/model-x")  // contains "/", so no bare-name prefix either
        #expect(sent["cache"] == nil)
        // Unknown fields keep their values and their relative order (first, ..., last).
        #expect(sent["x_first"] == body["x_first"])
        #expect(sent["x_last"] == "unchanged")
        #expect(sent.keys.first == "model")
        #expect(sent.keys[1] == "x_first")
        #expect(sent.keys.last == "x_last")

        let quirks = profile.quirks
        #expect((sent["max_tokens"] != nil) == quirks.renameMaxCompletionTokens)
        #expect((sent["max_completion_tokens"] != nil) == !quirks.renameMaxCompletionTokens)
        #expect((sent["stream_options"] == nil) == quirks.stripStreamOptions)
        #expect((sent["random_seed"] != nil) == quirks.seedAsRandomSeed)
        #expect(sent["tool_choice"] == (quirks.toolChoiceRequiredAsAny ? "any" : "required"))
        #expect(sent["temperature"] == (quirks.temperatureRange == nil ? .number("1.5") : .number("1")))
        #expect((sent["tools"]?.arrayValue?[0]["function"]?["strict"] == nil) == quirks.stripToolStrict)
        let messages = try #require(sent["messages"]?.arrayValue)
        #expect(messages[0]["role"] == (quirks.developerRoleAsSystem ? "system" : "developer"))
        #expect((messages[1]["name"] == nil) == quirks.stripMessageName)
        #expect((messages[1]["content"] == "a\nb") == quirks.flattenTextContent)
        #expect(messages[2]["content"]?.arrayValue?.count == 2)  // mixed content is never flattened
    }

    @Test(arguments: ProviderCatalog.all.map(\.id))
    func noKeyMeansNoAuthHeader(_ id: String) throws {
        let profile = try profile(id)
        let adapter = OpenAICompatibleAdapter(profile: profile)
        for key in [nil, ""] as [String?] {
            let spec = try adapter.makeChatRequest(fixtureRequest(#"{"model":"m","messages":[{}]}"#),
                                                   target: target(profile, apiKey: key))
            #expect(spec.header("authorization") == nil)
            if case .header(let name) = profile.auth { #expect(spec.header(name) == nil) }
            #expect(spec.header("accept") == "application/json")
        }
    }

    @Test(arguments: ProviderCatalog.all.map(\.id))
    func rowIsWellFormed(_ id: String) throws {
        let profile = try profile(id)
        #expect(profile.id == profile.id.lowercased())
        #expect(!profile.defaultBaseURL.hasSuffix("/"))
        #expect(profile.requiresAPIBase || profile.defaultBaseURL.hasPrefix("http"))
        #expect(profile.bareModelPrefixes.allSatisfy { $0 == $0.lowercased() })
        for name in profile.allNames { #expect(ProviderCatalog.profile(named: name)?.id == id) }
        let models = OpenAICompatibleAdapter(profile: profile).makeModelsRequest(target: target(profile))
        #expect(models.method == "GET" && models.url == "https://gw.internal:8443/base/v1/models" && models.body.isEmpty)
    }

    @Test func namesAreUnique() {
        let names = ProviderCatalog.all.flatMap { $0.allNames.map { $0.lowercased() } }
        #expect(Set(names).count == names.count)
        #expect(ProviderCatalog.all.count >= 30)
    }
}
