import RouteroConfig
import Testing

@Suite("Secrets stay out of every printed form")
struct RedactionTests {
    /// Every secret value the fixtures inject (each contains a unique marker).
    let secretValues = Array(liteLLMEnvironment.values.filter { $0.contains("-00") })
        + ["sk-eu-from-config-0001", "gsk-from-config-0002"]
        + Array(nativeEnvironment.values) + ["p@ss-url-0009", "ss-url-0009"]

    @Test func liteLLMConfigIsRedacted() throws {
        let config = try ConfigLoader.load(yaml: liteLLMConfig, environment: liteLLMEnvironment)
        try expectRedacted(config)
    }

    @Test func nativeConfigIsRedacted() throws {
        let config = try ConfigLoader.load(yaml: nativeConfig, environment: nativeEnvironment)
        try expectRedacted(config)
        #expect(String(describing: config.redis!) == "redis://:<redacted>@10.1.2.3:6390/2")
    }

    @Test func secretDescriptionShowsOnlyTheSource() {
        let secret = Secret(value: "sk-very-secret", source: "env OPENAI_API_KEY")
        #expect(String(describing: secret) == "<secret from env OPENAI_API_KEY>")
        #expect(String(reflecting: secret) == "<secret from env OPENAI_API_KEY>")
        #expect("\(secret)" == "<secret from env OPENAI_API_KEY>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("sk-very-secret"))
    }

    private func expectRedacted(_ config: GatewayConfig) throws {
        var dumped = ""
        dump(config, to: &dumped)
        let texts = [
            String(describing: config), String(reflecting: config), "\(config)", config.redactedSummary(), dumped,
            String(describing: config.modelGroups), String(reflecting: config.modelGroups),
            String(describing: config.providerSettings), String(describing: config.environmentVariables),
            String(describing: config.auth), String(describing: config.redis as Any),
        ]
        for text in texts {
            for value in secretValues {
                #expect(!text.contains(value), "\(value) leaked")
            }
        }
        // The summaries still say where each secret came from.
        #expect(config.redactedSummary().contains("<secret from env"))
    }
}
