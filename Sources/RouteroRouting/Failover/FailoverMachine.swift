public import RouteroCore
public import RouteroProviders

/// The attempt/failover loop as a pure state machine: given the plan, each attempt's failure and the
/// time, it says which deployment to try next and how long to wait first, or that the request is
/// over. The executor does the I/O; everything here is unit-tested without it.
///
/// Rules (per ``FailureClass``): a client error ends the request; a content-policy rejection or a
/// context-window error leaves the group for its `content_policy_fallbacks` /
/// `context_window_fallbacks` (else ends it); a timeout or an
/// unavailable deployment is not retried; a 5xx or broken connection is retried on the same
/// deployment after a jittered backoff (other ready deployments go first); a 429 makes its
/// deployment wait its `Retry-After` (or a backoff) and is retried only if that wait is short.
/// When the plan is exhausted the group's `fallbacks` (else `default_fallbacks`) are tried, once.
public struct FailoverMachine: Sendable {
    /// One attempt to make.
    public struct Step: Sendable {
        public var target: UpstreamTarget
        /// Seconds to wait before sending (a backoff or a `Retry-After`).
        public var delaySeconds: Double
        /// 1-based count of attempts so far, this one included.
        public var attempt: Int
    }

    struct Entry: Sendable {
        var target: UpstreamTarget
        var tries = 0
        var notBefore = 0.0
    }

    let policy: RetryPolicy
    let resolve: @Sendable (String) -> RoutePlan?
    let jitter: @Sendable () -> Double
    private var queue: [Entry]
    private var fallbackGroups: [String]
    private var fallbacksUsed = false
    private var current: Int?
    private var seen: Set<String>
    /// Attempts made.
    public private(set) var attempts = 0
    /// The error the request fails with if nothing else answers.
    public private(set) var lastError: GatewayError?
    /// Why the machine did what it did, one entry per decision, for the request's log.
    public private(set) var decisions: [String] = []
    private let contextWindowFallbacks: [String]
    private let contentPolicyFallbacks: [String]
    /// No attempt starts after this monotonic time (the request's total budget).
    let budgetEnd: Double

    /// - Parameters:
    ///   - fallbacks: the group's `fallbacks` (or `default_fallbacks`), tried once the plan is exhausted.
    ///   - contextWindowFallbacks: the group's `context_window_fallbacks`.
    ///   - contentPolicyFallbacks: the group's `content_policy_fallbacks`.
    ///   - budgetEnd: the monotonic time after which no attempt starts (`total_timeout_seconds`).
    ///   - resolve: a group name → its plan (nil when it resolves to nothing).
    ///   - jitter: a random fraction in [0, 1) for backoff (injected so tests are exact).
    public init(plan: RoutePlan, policy: RetryPolicy = RetryPolicy(), fallbacks: [String] = [],
                contextWindowFallbacks: [String] = [], contentPolicyFallbacks: [String] = [], budgetEnd: Double = .infinity,
                resolve: @escaping @Sendable (String) -> RoutePlan? = { _ in nil },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.policy = policy
        self.resolve = resolve
        self.jitter = jitter
        self.queue = plan.attempts.map { Entry(target: $0) }
        self.seen = Set(plan.attempts.map(\.deploymentID))
        self.fallbackGroups = fallbacks
        self.contextWindowFallbacks = contextWindowFallbacks
        self.contentPolicyFallbacks = contentPolicyFallbacks
        self.budgetEnd = budgetEnd
    }

    /// The next attempt, or nil when the request is over (``lastError`` says why).
    public mutating func next(now: Double) -> Step? {
        if queue.isEmpty, !fallbacksUsed { enterFallbacks() }
        guard !queue.isEmpty else { return nil }
        let index = queue.firstIndex { $0.notBefore <= now }
            ?? queue.indices.min { queue[$0].notBefore < queue[$1].notBefore }!
        if max(now, queue[index].notBefore) >= budgetEnd {
            queue.removeAll()
            fallbacksUsed = true
            decisions.append("time budget spent")
            return nil
        }
        current = index
        queue[index].tries += 1
        attempts += 1
        return Step(target: queue[index].target, delaySeconds: max(0, queue[index].notBefore - now), attempt: attempts)
    }

    /// Records that the current attempt failed with `error` at `now`.
    public mutating func failed(_ error: GatewayError, now: Double) {
        lastError = error
        guard let index = current else { return }
        current = nil
        let id = queue[index].target.deploymentID
        let failure = FailureClass(error)
        switch failure {
        case .badRequest:
            queue.removeAll()
            fallbacksUsed = true
            decisions.append("\(id): \(error.status) is final")
        case .contentPolicy:
            // Another deployment of the same model would refuse too; only a configured other model may not.
            queue.removeAll()
            fallbackGroups = contentPolicyFallbacks
            fallbacksUsed = contentPolicyFallbacks.isEmpty
            decisions.append("\(id): content policy; \(contentPolicyFallbacks.isEmpty ? "final" : "content_policy_fallbacks")")
        case .contextWindow:
            // Every deployment of this group serves the same model: go to the larger ones.
            queue.removeAll()
            fallbackGroups = contextWindowFallbacks
            fallbacksUsed = false
            decisions.append("\(id): context window exceeded; \(contextWindowFallbacks.isEmpty ? "no larger model configured" : "context_window_fallbacks")")
        case .timeout, .unavailable:
            queue.remove(at: index)
            decisions.append("\(id): \(error.status) moves on")
        case .serverError, .connection:
            if queue[index].tries > policy.sameDeploymentRetries {
                queue.remove(at: index)
                decisions.append("\(id): \(error.status) again; moves on")
            } else {
                queue[index].notBefore = now + backoff(queue[index].tries)
                decisions.append("\(id): \(error.status); retry after backoff")
            }
        case .rateLimited(let retryAfter):
            let wait = retryAfter ?? backoff(queue[index].tries)
            if wait > policy.maxRetryAfterSeconds || queue[index].tries > policy.sameDeploymentRetries {
                queue.remove(at: index)
                decisions.append("\(id): 429; moves on")
            } else {
                queue[index].notBefore = now + wait
                decisions.append("\(id): 429; not before +\(wait)s")
            }
        }
    }

    /// The current attempt is to be made again at once, as if it had not been tried (the executor
    /// changed the request, e.g. a continuation's form).
    public mutating func retryCurrent(now: Double, reason: String) {
        guard let index = current else { return }
        current = nil
        queue[index].tries -= 1
        queue[index].notBefore = now
        decisions.append("\(queue[index].target.deploymentID): \(reason)")
    }

    /// The current deployment is dropped for this request without its error becoming the request's
    /// (a continuation it could not take says nothing about the client's request).
    public mutating func skipCurrent(reason: String) {
        guard let index = current else { return }
        current = nil
        decisions.append("\(queue[index].target.deploymentID): \(reason); moves on")
        queue.remove(at: index)
    }

    private func backoff(_ tries: Int) -> Double {
        let cap = min(policy.backoffMaxSeconds, policy.backoffBaseSeconds * Double(1 << min(max(tries - 1, 0), 16)))
        return cap * jitter()
    }

    private mutating func enterFallbacks() {
        fallbacksUsed = true
        for group in fallbackGroups {
            guard let plan = resolve(group) else { continue }
            for target in plan.attempts where seen.insert(target.deploymentID).inserted {
                queue.append(Entry(target: target))
            }
        }
        if !fallbackGroups.isEmpty { decisions.append("fallbacks: \(fallbackGroups.joined(separator: ","))") }
    }
}
