import RouteroConfig
import Testing

@Suite("Rate-limit configuration")
struct RateLimitConfigTests {
    let models = """
    models:
      - name: gpt-4o
        deployments: [{model: openai/gpt-4o, rpm: 100, tpm: 50000}]
    """

    @Test func readsTheNativeBlockAndLiteLLMSpellingsInside() throws {
        let config = try ConfigLoader.load(yaml: models + """

        auth: {mode: none}
        redis: {url: redis://127.0.0.1:6379}
        limits:
          per_key: {rpm_limit: 600, tpm: 200000, max_parallel_requests: 20, model_tpm_limit: {gpt-4o: 900}}
          per_model: {gpt-4o: {rpm: 100}}
          global_max_parallel: 500
          on_redis_outage: fail_closed
          default_completion_tokens: 256
        """, environment: [:])
        let limits = config.limits
        #expect(limits.perKey == ClientLimits(rpm: 600, tpm: 200_000, maxParallel: 20))
        #expect(limits.perModel == ["gpt-4o": ModelLimits(rpm: 100, tpm: 900)])
        #expect(limits.globalMaxParallel == 500 && limits.onRedisOutage == .failClosed && limits.defaultCompletionTokens == 256)
        #expect(config.modelGroups[0].deployments[0].rpm == 100)
        #expect(!config.notYetActive.contains { $0.hasSuffix(".rpm") || $0.hasSuffix(".tpm") })
        #expect(!config.warnings.contains { $0.contains("per worker process") })
    }

    @Test func readsLiteLLMGeneralSettings() throws {
        let config = try ConfigLoader.load(yaml: """
        model_list:
          - model_name: gpt-4o
            litellm_params: {model: openai/gpt-4o}
        general_settings:
          master_key: sk-test
          max_parallel_requests: 10
          global_max_parallel_requests: 99
          rpm_limit: 60
          model_rpm_limit: {gpt-4o: 5}
          on_redis_outage: local
        """, environment: [:])
        #expect(config.limits.perKey == ClientLimits(rpm: 60, tpm: nil, maxParallel: 10))
        #expect(config.limits.globalMaxParallel == 99 && config.limits.perModel["gpt-4o"]?.rpm == 5)
        #expect(config.limits.onRedisOutage == .local)
        // No Redis: said at start-up, since each worker then counts on its own.
        #expect(config.warnings.contains { $0.contains("per worker process") })
    }

    @Test(arguments: [
        ("limits:\n  per_key: {rpm: 0}", "limits.per_key.rpm: expected a positive integer, got 0"),
        ("limits:\n  per_key: {rpm: 5, rpm_limit: 6}", "limits.per_key.rpm_limit: the same limit as limits.per_key.rpm; set only one"),
        ("limits:\n  per_model: {nope: {rpm: 5}}", "limits.per_model.nope: names no configured model group"),
        ("limits:\n  on_redis_outage: open", "limits.on_redis_outage"),
    ])
    func invalidValuesNameTheKey(yaml: String, message: String) {
        #expect {
            _ = try ConfigLoader.load(yaml: models + "\nauth: {mode: none}\n" + yaml, environment: [:])
        } throws: { error in
            String(describing: error).contains(message)
        }
    }
}
