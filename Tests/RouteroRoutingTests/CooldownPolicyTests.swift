import RouteroCore
import RouteroRouting
import Testing

/// Which failures cool a deployment down, and for how long.
struct CooldownPolicyTests {
    let policy = CooldownPolicy(allowedFails: 2, cooldownSeconds: 5)

    static func error(_ status: Int, _ code: String? = nil, retryAfter: String? = nil, retryable: Bool = true) -> GatewayError {
        GatewayError(status: status, type: "x", code: code, message: "m",
                     headers: retryAfter.map { [("retry-after", $0)] } ?? [], retryable: retryable)
    }

    @Test func serverErrorsTimeoutsAndConnectionsCountTowardsAllowedFails() throws {
        for error in [Self.error(502), Self.error(503), Self.error(504), Self.error(502, "upstream_unreachable"), Self.error(429)] {
            let rule = try #require(policy.rule(for: error, breaker: .closed))
            #expect(rule.duration(afterFailure: 2) == 0, "within allowed_fails: \(error.status)")
            #expect(rule.duration(afterFailure: 3) == 5_000, "past allowed_fails: \(error.status)")
        }
    }

    @Test func clientErrorsAndTheRequestsOwnProblemsNeverCount() {
        let ignored = [Self.error(400, retryable: false), Self.error(422, retryable: false),
                       Self.error(400, "context_length_exceeded", retryable: false),
                       Self.error(400, "content_filter", retryable: false), Self.error(508, "loop_detected"),
                       Self.error(502, "upstream_response_too_large"), Self.error(500, "provider_misconfigured")]
        for error in ignored { #expect(policy.rule(for: error, breaker: .closed) == nil, "\(error.status) \(error.code ?? "")") }
    }

    @Test func refusedCredentialsAndNotFoundCoolDownAtOnce() throws {
        for error in [Self.error(502, "upstream_authentication_failed"), Self.error(404, "model_not_found")] {
            let rule = try #require(policy.rule(for: error, breaker: .closed))
            #expect(rule.duration(afterFailure: 1) == 5_000)
        }
    }

    @Test func retryAfterKeepsTheFleetAwayAtLeastThatLong() throws {
        let rule = try #require(policy.rule(for: Self.error(429, retryAfter: "12"), breaker: .closed))
        #expect(rule.duration(afterFailure: 1) == 12_000, "what the provider asked, before allowed_fails")
        #expect(rule.duration(afterFailure: 3) == 12_000, "and longer than cooldown_time when it asked for longer")
        let short = try #require(policy.rule(for: Self.error(429, retryAfter: "1"), breaker: .closed))
        #expect(short.duration(afterFailure: 3) == 5_000)
    }

    @Test func aFailedProbeReopensAtOnce() throws {
        let rule = try #require(policy.rule(for: Self.error(502), breaker: .halfOpen(probe: true)))
        #expect(rule.duration(afterFailure: 1) == 5_000)
    }

    @Test func disabledOrZeroCooldownRecordsNothing() {
        #expect(CooldownPolicy(allowedFails: 0, cooldownSeconds: 5, enabled: false).rule(for: Self.error(502), breaker: .closed) == nil)
        #expect(CooldownPolicy(allowedFails: 0, cooldownSeconds: 0).rule(for: Self.error(502), breaker: .closed) == nil)
    }
}
