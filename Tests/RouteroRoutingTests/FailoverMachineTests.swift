import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

/// The failover rules, decision by decision, without I/O (failover reference scenarios 1–4, 6, 12,
/// 13, 16).
struct FailoverMachineTests {
    static let profile = ProviderCatalog.profile(named: "openai")!

    static func plan(_ ids: [String]) -> RoutePlan {
        RoutePlan(routeKey: "group:g", requestedModel: "g", group: "g",
                  attempts: ids.map { UpstreamTarget(profile: profile, model: $0, deploymentID: $0) })
    }

    static func error(_ status: Int, _ code: String? = nil, retryAfter: String? = nil, retryable: Bool = true) -> GatewayError {
        GatewayError(status: status, type: "x", code: code, message: "m",
                     headers: retryAfter.map { [("retry-after", $0)] } ?? [], retryable: retryable)
    }

    func machine(_ ids: [String], fallbacks: [String] = [], context: [String] = [],
                 plans: [String: [String]] = [:]) -> FailoverMachine {
        FailoverMachine(plan: Self.plan(ids), fallbacks: fallbacks, contextWindowFallbacks: context,
                        resolve: { plans[$0].map(Self.plan) }, jitter: { 0.5 })
    }

    @Test func a500IsRetriedOnTheSameDeploymentAfterABackoff() throws {
        var m = machine(["a"])
        #expect(m.next(now: 0)?.target.deploymentID == "a")
        m.failed(Self.error(502), now: 0)
        let next = m.next(now: 0)
        let retry = try #require(next)
        #expect(retry.target.deploymentID == "a" && retry.delaySeconds == 0.25 && retry.attempt == 2)
        m.failed(Self.error(502), now: 1)
        #expect(m.next(now: 1) == nil)
        #expect(m.lastError?.status == 502)
    }

    @Test func readyDeploymentsGoBeforeABackoff() {
        var m = machine(["a", "b"])
        _ = m.next(now: 0)
        m.failed(Self.error(502), now: 0)
        #expect(m.next(now: 0)?.target.deploymentID == "b")
    }

    @Test func aShortRetryAfterIsWaitedForALongOneMovesOn() throws {
        var m = machine(["a"])
        _ = m.next(now: 0)
        m.failed(Self.error(429, retryAfter: "2"), now: 10)
        let next = m.next(now: 10)
        let retry = try #require(next)
        #expect(retry.target.deploymentID == "a" && retry.delaySeconds == 2)
        var long = machine(["a", "b"])
        _ = long.next(now: 0)
        long.failed(Self.error(429, retryAfter: "7"), now: 0)
        #expect(long.next(now: 0)?.target.deploymentID == "b")
        long.failed(Self.error(429, retryAfter: "7"), now: 0)
        #expect(long.next(now: 0) == nil && long.lastError?.status == 429)
    }

    @Test func timeoutsAreNotRetriedOnTheSilentRoute() {
        var m = machine(["a", "b"])
        _ = m.next(now: 0)
        m.failed(Self.error(504, "timeout"), now: 30)
        #expect(m.next(now: 30)?.target.deploymentID == "b")
        m.failed(Self.error(504, "timeout"), now: 60)
        #expect(m.next(now: 60) == nil)
    }

    @Test func aLoopIsNeverRetriedOnTheSameDeployment() {
        var m = machine(["a"])
        _ = m.next(now: 0)
        m.failed(Self.error(508, "loop_detected"), now: 0)
        #expect(m.next(now: 0) == nil && m.lastError?.status == 508)
    }

    @Test func clientErrorsAndContentPolicyAreFinal() {
        for error in [Self.error(400, retryable: false), Self.error(400, "content_filter", retryable: false)] {
            var m = machine(["a", "b"], fallbacks: ["f"], plans: ["f": ["f1"]])
            _ = m.next(now: 0)
            m.failed(error, now: 0)
            #expect(m.next(now: 0) == nil)
        }
    }

    @Test func contentPolicyRejectionsGoOnlyToTheirOwnFallbacks() {
        var m = FailoverMachine(plan: Self.plan(["a", "b"]), fallbacks: ["general"], contentPolicyFallbacks: ["lenient"],
                                resolve: { ["lenient": ["p1"], "general": ["g1"]][$0].map(Self.plan) }, jitter: { 0.5 })
        _ = m.next(now: 0)
        m.failed(Self.error(400, "content_filter", retryable: false), now: 0)
        #expect(m.next(now: 0)?.target.deploymentID == "p1")
        m.failed(Self.error(400, "content_filter", retryable: false), now: 0)
        #expect(m.next(now: 0) == nil)
    }

    @Test func contextWindowErrorsGoToTheLargerModelsOnly() {
        var m = machine(["a", "b"], fallbacks: ["general"], context: ["large"],
                        plans: ["large": ["l1"], "general": ["g1"]])
        _ = m.next(now: 0)
        m.failed(Self.error(400, "context_length_exceeded", retryable: false), now: 0)
        #expect(m.next(now: 0)?.target.deploymentID == "l1")
        m.failed(Self.error(400, "context_length_exceeded", retryable: false), now: 0)
        #expect(m.next(now: 0) == nil)
    }

    @Test func fallbacksComeAfterThePlanOnceAndWithoutRepeats() {
        var m = machine(["a"], fallbacks: ["f"], plans: ["f": ["a", "f1"]])
        _ = m.next(now: 0)
        m.failed(Self.error(502, "upstream_authentication_failed"), now: 0)
        #expect(m.next(now: 0)?.target.deploymentID == "f1")
        m.failed(Self.error(404), now: 0)
        #expect(m.next(now: 0) == nil)
        #expect(m.decisions.contains("fallbacks: f"))
    }
}

/// The request's time budget and the executor's continuation moves.
struct FailoverBudgetTests {
    @Test func noAttemptStartsAfterTheBudget() {
        var m = FailoverMachine(plan: FailoverMachineTests.plan(["a", "b"]), budgetEnd: 10, jitter: { 0.5 })
        #expect(m.next(now: 0)?.target.deploymentID == "a")
        m.failed(FailoverMachineTests.error(503), now: 9.9)
        #expect(m.next(now: 10) == nil)
        #expect(m.decisions.last == "time budget spent")
        #expect(m.lastError?.status == 503)
    }

    @Test func aBackoffThatWouldEndPastTheBudgetIsNotWaited() {
        var m = FailoverMachine(plan: FailoverMachineTests.plan(["a"]), budgetEnd: 1, jitter: { 0.99 })
        #expect(m.next(now: 0) != nil)
        m.failed(FailoverMachineTests.error(429, retryAfter: "3"), now: 0.5)
        #expect(m.next(now: 0.5) == nil)
    }

    @Test func retryCurrentTriesTheSameDeploymentAgainAtOnce() {
        var m = FailoverMachine(plan: FailoverMachineTests.plan(["a", "b"]), jitter: { 0.5 })
        #expect(m.next(now: 0)?.target.deploymentID == "a")
        m.retryCurrent(now: 1, reason: "prefill refused")
        let step = m.next(now: 1)
        #expect(step?.target.deploymentID == "a")
        #expect(step?.delaySeconds == 0)
    }

    @Test func skipCurrentMovesOnWithoutTakingTheError() {
        var m = FailoverMachine(plan: FailoverMachineTests.plan(["a", "b"]), jitter: { 0.5 })
        #expect(m.next(now: 0) != nil)
        m.failed(FailoverMachineTests.error(502), now: 0)
        #expect(m.next(now: 0)?.target.deploymentID == "b")
        m.skipCurrent(reason: "400 to a continuation")
        #expect(m.lastError?.status == 502)
        #expect(m.next(now: 5)?.target.deploymentID == "a")
    }

    @Test func aStallMovesOnLikeATimeout() {
        let stalled = GatewayError(status: 502, type: "server_error", code: "upstream_stream_stalled", message: "m", retryable: true)
        #expect(FailureClass(stalled) == .timeout)
    }
}
