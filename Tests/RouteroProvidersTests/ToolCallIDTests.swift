import RouteroCore
import RouteroProviders
import Testing

/// Mistral accepts only 9-character `[A-Za-z0-9]` tool-call ids; foreign ids are mapped the
/// same way in every request, so a multi-turn tool conversation stays consistent.
@Suite struct ToolCallIDTests {
    let conversation = #"""
    {"model":"m","messages":[{"role":"user","content":"weather?"},
     {"role":"assistant","content":null,"tool_calls":[
       {"id":"call_Xk3pQ9a0ZfTbWm2L","type":"function","function":{"name":"w","arguments":"{}"}},
       {"id":"abcDEF123","type":"function","function":{"name":"w","arguments":"{}"}}]},
     {"role":"tool","tool_call_id":"call_Xk3pQ9a0ZfTbWm2L","content":"18C"},
     {"role":"tool","tool_call_id":"abcDEF123","content":"20C"}]}
    """#

    func ids(_ id: String) throws -> (calls: [String], results: [String]) {
        let p = try profile(id)
        let spec = try OpenAICompatibleAdapter(profile: p)
            .makeChatRequest(fixtureRequest(conversation), target: UpstreamTarget(profile: p, model: "m"))
        let messages = try bodyObject(spec)["messages"]?.arrayValue ?? []
        let calls = messages[1]["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        let results = messages.dropFirst(2).compactMap { $0["tool_call_id"]?.stringValue }
        return (calls, results)
    }

    @Test(arguments: ["mistral", "codestral"])
    func foreignIDsBecomeNineAlphanumerics(_ provider: String) throws {
        let (calls, results) = try ids(provider)
        #expect(calls.count == 2 && results.count == 2)
        for id in calls + results {
            #expect(id.utf8.count == 9 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "\(id)")
        }
        #expect(calls == results, "a call and its result must keep matching ids")
        #expect(calls[1] == "abcDEF123", "ids that already fit are kept")
        #expect(calls[0] != calls[1])
        // Deterministic: the next request of the conversation maps the same way.
        #expect(try ids(provider).calls == calls)
    }

    @Test func otherProvidersKeepIDsAsSent() throws {
        let (calls, results) = try ids("groq")
        #expect(calls == ["call_Xk3pQ9a0ZfTbWm2L", "abcDEF123"])
        #expect(results == calls)
    }
}

@Suite struct ProviderRowFactsTests {
    @Test func baseURLVariablesFollowLiteLLMNames() throws {
        #expect(try profile("openai").baseURLEnv == ["OPENAI_BASE_URL", "OPENAI_API_BASE"])
        #expect(try profile("groq").baseURLEnv == ["GROQ_API_BASE"])
        #expect(try profile("together").baseURLEnv.contains("TOGETHER_AI_API_BASE"))
        #expect(try profile("hosted_vllm").baseURLEnv.contains("HOSTED_VLLM_API_BASE"))
    }

    @Test func localServersHaveNoPublicDefault() throws {
        for id in ["hosted_vllm", "ollama", "lm_studio", "llamacpp", "sglang", "xinference", "databricks"] {
            #expect(try !profile(id).hasPublicDefaultBaseURL, "\(id)")
        }
        for id in ["openai", "groq", "mistral", "moonshot", "fireworks"] {
            #expect(try profile(id).hasPublicDefaultBaseURL, "\(id)")
        }
    }

    @Test(arguments: [
        ("http://localhost:8080/v1", true), ("http://127.0.0.2/v1", true), ("http://[::1]:8000", true),
        ("http://10.1.2.3/v1", true), ("http://172.20.0.1/v1", true), ("http://192.168.1.5", true),
        ("https://user:pw@LOCALHOST:1/x", true), ("http://fdexample.com/v1", false), ("https://api.openai.com/v1", false),
        ("http://172.32.0.1/v1", false), ("http://8.8.8.8/v1", false),
    ])
    func localHosts(_ url: String, _ local: Bool) {
        #expect(URLHost.isLocal(url) == local)
    }
}
