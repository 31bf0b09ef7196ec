import RouteroCore
import RouteroProviders
import Testing

/// A Gemini thought signature the gateway put into an OpenAI client's tool-call id never reaches an
/// OpenAI-format upstream, even on the passthrough path; bodies without such ids pass unchanged.
struct SignedIDPassthroughTests {
    @Test func signaturesAreStrippedFromPassedThroughHistories() throws {
        let profile = try #require(ProviderCatalog.profile(named: "openai"))
        let body = try #require(try JSON.parse(#"""
        {"model":"m","messages":[{"role":"user","content":"q"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"call_a__thought__c2ln","type":"function","function":{"name":"f","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_a__thought__c2ln","content":"18C"}],"x_unknown":12345678901234567890}
        """#).objectValue)
        let native = NativeChat(family: .openAI, body: body, model: "m", stream: false)
        let spec = try OpenAICompatibleAdapter(profile: profile).makeNativeRequest(native, target: UpstreamTarget(profile: profile, model: "gpt"))
        let sent = String(decoding: spec.body, as: UTF8.self)
        #expect(!sent.contains("__thought__"))
        #expect(sent.contains(#""id":"call_a""#) && sent.contains(#""tool_call_id":"call_a""#))
        #expect(sent.hasSuffix(#""x_unknown":12345678901234567890}"#))
    }
}
