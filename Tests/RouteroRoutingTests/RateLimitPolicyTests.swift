import RouteroConfig
import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

@Suite("Rate-limit policy and usage-based ordering")
struct RateLimitPolicyTests {
    var settings: RateLimitSettings {
        var s = RateLimitSettings()
        s.perKey = ClientLimits(rpm: 60, tpm: 10_000, maxParallel: 4)
        s.perModel = ["gpt-4o": ModelLimits(rpm: 10, tpm: nil)]
        s.globalMaxParallel = 100
        return s
    }

    @Test func oneCheckPerScopeWithEveryApplicableCounter() {
        let checks = RateLimitPolicy.clientChecks(settings, callerScope: "master:ab", group: "gpt-4o", tokens: 300, leaseMs: 5000)
        #expect(checks.map(\.scope) == ["k:master:ab", "global"])
        #expect(checks[0].counters.map(\.name) == ["rpm", "tpm", "m:gpt-4o:rpm"])
        #expect(checks[0].counters.map(\.amount) == [1, 300, 1])
        #expect(checks[0].maxParallel == 4 && checks[0].leaseMs == 5000 && checks[0].windowMs == 60_000)
        #expect(checks[1].counters.isEmpty && checks[1].maxParallel == 100)
        // Another group: the per-model counter does not apply.
        #expect(RateLimitPolicy.clientChecks(settings, callerScope: "master:ab", group: "other", tokens: 1, leaseMs: 1)[0]
            .counters.map(\.name) == ["rpm", "tpm"])
        #expect(RateLimitPolicy.clientChecks(RateLimitSettings(), callerScope: "a", group: nil, tokens: 1, leaseMs: 1).isEmpty)
    }

    @Test func tokensAreThePromptPlusTheCompletionCap() {
        #expect(RateLimitPolicy.reservedTokens(inputEstimate: 40, maxTokens: 100, defaultCompletion: 1024) == 140)
        #expect(RateLimitPolicy.reservedTokens(inputEstimate: 40, maxTokens: nil, defaultCompletion: 1024) == 1064)
        #expect(RateLimitPolicy.needsTokenEstimate(settings, group: nil))
        var noTokens = settings
        noTokens.perKey.tpm = nil
        #expect(!RateLimitPolicy.needsTokenEstimate(noTokens, group: "gpt-4o"))
        noTokens.perModel["gpt-4o"]?.tpm = 5
        #expect(RateLimitPolicy.needsTokenEstimate(noTokens, group: "gpt-4o"))
    }

    @Test func refusalsAre429sWithOpenAIHeaders() {
        let full = RateLimitState(name: "rpm", unit: .requests, limit: 60, used: 60, resetMs: 12_500)
        let error = RateLimitPolicy.clientRefusal(.window(full, needed: 1), states: [full])
        #expect(error.status == 429 && error.type == "rate_limit_error" && !error.retryable)
        let headers = Dictionary(error.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["retry-after"] == "13" && headers["retry-after-ms"] == "12500")
        #expect(headers["x-ratelimit-remaining-requests"] == "0" && headers["x-ratelimit-reset-requests"] == "12.5s")
        // Too big for the limit: no wait helps, so no retry-after.
        let tokens = RateLimitState(name: "tpm", unit: .tokens, limit: 100, used: 0, resetMs: 1000)
        let tooBig = RateLimitPolicy.clientRefusal(.window(tokens, needed: 500), states: [tokens])
        #expect(!tooBig.headers.contains { $0.0 == "retry-after" } && tooBig.message.contains("500 tokens"))
        // A deployment at its limit fails over like a 429 whose Retry-After is the reset.
        let deployment = RateLimitPolicy.deploymentRefusal(id: "a", refusal: .window(full, needed: 1))
        #expect(FailureClass(deployment) == .rateLimited(retryAfter: 12.5))
        #expect(RateLimitPolicy.unavailable.status == 503)
    }

    @Test func deploymentChecksOnlyForLimitedDeployments() {
        #expect(RateLimitPolicy.deploymentCheck(id: "a", rpm: nil, tpm: nil, tokens: 5) == nil)
        let check = RateLimitPolicy.deploymentCheck(id: "a", rpm: 3, tpm: 900, tokens: 5)
        #expect(check?.scope == "d:a" && check?.counters.map(\.amount) == [1, 5] && check?.maxParallel == nil)
    }

    @Test func usageOrderPutsTheMostHeadroomFirstAndKeepsTies() {
        let profile = ProviderCatalog.profile(named: "openai")!
        let targets = ["a", "b", "c", "d"].map { UpstreamTarget(profile: profile, model: "m", deploymentID: $0) }
        let loads = [
            "a": UsageRanking.Load(rpm: 10, tpm: nil, usedRequests: 10, usedTokens: 0),    // at its limit
            "b": UsageRanking.Load(rpm: 10, tpm: 1000, usedRequests: 2, usedTokens: 500),  // 50 % left
            "c": UsageRanking.Load(rpm: 100, tpm: nil, usedRequests: 10, usedTokens: 0),   // 90 % left
        ]
        #expect(UsageRanking.order(targets, loads: loads).map(\.deploymentID) == ["d", "c", "b", "a"])
        #expect(UsageRanking.order(targets, loads: [:]).map(\.deploymentID) == ["a", "b", "c", "d"])
        #expect(UsageRanking.Load(rpm: 0, tpm: nil, usedRequests: 0, usedTokens: 0).headroom == 0)
    }
}
