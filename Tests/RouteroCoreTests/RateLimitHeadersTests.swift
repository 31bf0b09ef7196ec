import RouteroCore
import Testing

@Suite("Rate-limit headers, window math and usage scan")
struct RateLimitHeadersTests {
    @Test(arguments: [(20, "20ms"), (0, "0ms"), (1000, "1s"), (1500, "1.5s"), (59_125, "59.125s"),
                      (60_000, "1m0s"), (360_000, "6m0s"), (90_500, "1m30.5s"), (3_723_000, "1h2m3s")])
    func openAIDurations(ms: Int, text: String) {
        #expect(RateLimitHeaders.duration(ms: ms) == text)
    }

    @Test func reportsTheTightestCounterPerUnit() {
        let headers = RateLimitHeaders.values([
            RateLimitState(name: "rpm", unit: .requests, limit: 100, used: 10, resetMs: 30_000),
            RateLimitState(name: "m:gpt:rpm", unit: .requests, limit: 20, used: 15, resetMs: 30_000),
            RateLimitState(name: "tpm", unit: .tokens, limit: 1000, used: 1200, resetMs: 30_000),
        ])
        #expect(headers.map(\.0) == ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
                                     "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"])
        #expect(headers.map(\.1) == ["20", "5", "30s", "1000", "0", "30s"])
        #expect(RateLimitHeaders.values([]).isEmpty)
    }

    @Test func retryAfterRoundsUpAndIsNeverZero() {
        #expect(RateLimitHeaders.retryAfter(ms: 12_001).map(\.1) == ["13", "12001"])
        #expect(RateLimitHeaders.retryAfter(ms: 0).map(\.1) == ["1", "1"])
    }

    @Test func windowsAlignToTheirLength() {
        #expect(RateLimitMath.windowStart(nowMs: 1_700_000_059_999, windowMs: 60_000) == 1_700_000_040_000)
        let check = RateLimitCheck(scope: "s", counters: [RateLimitCounter(name: "rpm", unit: .requests, limit: 2, amount: 1),
                                                          RateLimitCounter(name: "tpm", unit: .tokens, limit: 100, amount: 60)],
                                   maxParallel: 1)
        #expect(RateLimitMath.firstRefusal(check, used: [1, 40], slotsHeld: 0) == nil)  // exactly at the limits
        #expect(RateLimitMath.firstRefusal(check, used: [2, 0], slotsHeld: 0) == 0)
        #expect(RateLimitMath.firstRefusal(check, used: [0, 41], slotsHeld: 0) == 1)
        #expect(RateLimitMath.firstRefusal(check, used: [0, 0], slotsHeld: 1) == 2)
        guard case .admitted(let reservation, let states) = RateLimitMath.decision(check, used: [1, 40], slotsHeld: 0,
                                                                                nowMs: 125_000, slot: "x") else {
            Issue.record("expected admission"); return
        }
        #expect(reservation.windowStart == 120_000 && reservation.slot == "x")
        #expect(reservation.tokens.map(\.amount) == [60])
        #expect(states.map(\.used) == [2, 100] && states.allSatisfy { $0.resetMs == 55_000 })
        guard case .refused(.window(let full, let needed), _) = RateLimitMath.decision(check, used: [2, 0], slotsHeld: 0,
                                                                                     nowMs: 125_000, slot: "x") else {
            Issue.record("expected a refusal"); return
        }
        #expect(full.name == "rpm" && full.used == 2 && needed == 1)
    }

    @Test func usageScanReadsEachFamilyFromTheEnd() {
        let openAI = #"{"id":"x","choices":[{"message":{"content":"the \"usage\": {} is text"}}],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}"#
        #expect(UsageScan.usage(in: Array(openAI.utf8)) == Usage(inputTokens: 12, outputTokens: 30))
        let anthropic = #"{"type":"message","content":[],"usage":{"input_tokens":5,"cache_read_input_tokens":3,"output_tokens":7}}"#
        #expect(UsageScan.usage(in: Array(anthropic.utf8)) == Usage(inputTokens: 8, outputTokens: 7))
        let gemini = #"{"candidates":[],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6,"thoughtsTokenCount":2}}"#
        #expect(UsageScan.usage(in: Array(gemini.utf8)) == Usage(inputTokens: 4, outputTokens: 8))
        #expect(UsageScan.usage(in: Array(#"{"choices":[]}"#.utf8)) == nil)
    }
}
