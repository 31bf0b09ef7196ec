public import RouteroCore
public import RouteroProviders

/// The failover machine plus the plan's last resort: deployments the shared state said to avoid
/// (cooling down, or probed by another request) are tried only after the group and its fallbacks
/// all failed, soonest-ending cooldown first, with the same retry rules. So a cooldown never turns
/// a partial outage into a total one (as Envoy's panic threshold does), and a request with anywhere
/// else to go never touches a cooling deployment. Pure, like ``FailoverMachine``.
public struct RoutedFailover: Sendable {
    private var machine: FailoverMachine
    private let lastResort: @Sendable () -> [UpstreamTarget]
    private var inLastResort = false
    private var offset = 0
    private var earlierDecisions: [String] = []

    /// - Parameter lastResort: avoided deployments, in the order to try them; asked when the
    ///   machine is exhausted, so fallback groups planned meanwhile contribute theirs.
    public init(_ machine: FailoverMachine, lastResort: @escaping @Sendable () -> [UpstreamTarget]) {
        self.machine = machine
        self.lastResort = lastResort
    }

    /// Attempts made.
    public var attempts: Int { offset + machine.attempts }
    /// The error the request fails with if nothing else answers.
    public var lastError: GatewayError? { machine.lastError }
    /// Every decision so far, for the request's log.
    public var decisions: [String] { earlierDecisions + machine.decisions }

    /// The next attempt (its `attempt` counts the whole request), or nil when it is over.
    public mutating func next(now: Double) -> FailoverMachine.Step? {
        if var step = machine.next(now: now) {
            step.attempt += offset
            return step
        }
        guard !inLastResort, machine.lastError.map({ Self.mayTryOthers(FailureClass($0)) }) ?? true else { return nil }
        let lastResort = self.lastResort()
        guard !lastResort.isEmpty else { return nil }
        inLastResort = true
        offset = machine.attempts
        earlierDecisions = machine.decisions + ["last resort: \(lastResort.map(\.deploymentID).joined(separator: ","))"]
        let plan = RoutePlan(routeKey: "", requestedModel: "", attempts: lastResort)
        machine = FailoverMachine(plan: plan, policy: machine.policy, budgetEnd: machine.budgetEnd, resolve: { _ in nil },
                                  jitter: machine.jitter)
        guard var step = machine.next(now: now) else { return nil }
        step.attempt += offset
        return step
    }

    /// Records that the current attempt failed with `error` at `now`.
    public mutating func failed(_ error: GatewayError, now: Double) {
        machine.failed(error, now: now)
    }

    /// See ``FailoverMachine/retryCurrent(now:reason:)``.
    public mutating func retryCurrent(now: Double, reason: String) {
        machine.retryCurrent(now: now, reason: reason)
    }

    /// See ``FailoverMachine/skipCurrent(reason:)``.
    public mutating func skipCurrent(reason: String) {
        machine.skipCurrent(reason: reason)
    }

    /// Whether a failure of this class leaves room for a deployment of the same model: a client
    /// error or a content-policy / context-window rejection would be refused there too.
    static func mayTryOthers(_ failure: FailureClass) -> Bool {
        switch failure {
        case .badRequest, .contentPolicy, .contextWindow: false
        default: true
        }
    }
}
