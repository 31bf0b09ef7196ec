import RouteroConfig
import RouteroCore
import RouteroProviders
import RouteroRedis
import RouteroRouting
import RouteroState
import RouteroSystem
import Synchronization
import Glibc

/// The gateway's side of shared routing: the store, the cooldown policy, and which strategies
/// need leases or latencies recorded. Built once per process (``Gateway/init``).
final class RoutingRuntime: Sendable {
    let state: SharedRoutingState
    let cooldowns: CooldownPolicy
    let latencyBuffer: Double
    /// Some configured strategy reads in-flight counts / latencies, so attempts record them.
    let recordsLeases: Bool
    let recordsLatency: Bool
    let leases = LeaseRefresher()
    private let redisStore: RedisRoutingStateStore?

    init(config: GatewayConfig, redis: RedisClient?) {
        redisStore = redis.map { RedisRoutingStateStore(redis: $0, namespace: config.cache.namespace) }
        let routing = config.routing
        state = SharedRoutingState(shared: redisStore, reuseHealthySeconds: routing.stateCacheSeconds)
        cooldowns = CooldownPolicy(allowedFails: routing.allowedFails ?? RoutingSettings.defaultAllowedFails,
                                   cooldownSeconds: routing.cooldownSeconds ?? RoutingSettings.defaultCooldownSeconds,
                                   enabled: !routing.disableCooldowns)
        latencyBuffer = routing.latencyBuffer
        let strategies = [routing.strategy] + routing.policies.map(\.strategy)
        recordsLeases = strategies.contains { RoutingStrategy(configName: $0) == .leastBusy }
        recordsLatency = strategies.contains { RoutingStrategy(configName: $0) == .latency }
    }
}

extension RoutingRuntime {
    /// Loads the routing scripts into Redis so the first request does not pay for it.
    func loadScripts() {
        guard let redisStore else { return }
        do {
            try redisStore.loadScripts()
        } catch {
            // Redis may come up later: evaluate() loads a script on first use (NOSCRIPT).
            Log.warning("routing state: scripts not loaded at start-up", [("error", error.message)])
        }
    }
}

/// One request's routing: the keys and breaker states of what it planned, and what it holds.
final class RequestRouting: Sendable {
    struct Planned: Sendable {
        let key: DeploymentKey
        let breaker: BreakerState
    }

    struct State {
        var planned: [String: Planned] = [:]
        var lastResort: [UpstreamTarget] = []
        var notes: [(String, String)] = []
    }

    /// One attempt under way.
    struct Ticket {
        let planned: Planned?
        let lease: SharedRoutingState.Lease?
        let started: Double
    }

    let runtime: RoutingRuntime
    let router: ModelRouter
    let requestID: String
    let stream: Bool
    private let state: Mutex<State>
    /// The request's own plan, ordered against the shared state.
    let plan: RoutePlan

    init(plan: RoutePlan, runtime: RoutingRuntime, router: ModelRouter, requestID: String, stream: Bool) {
        self.runtime = runtime
        self.router = router
        self.requestID = requestID
        self.stream = stream
        let state = Mutex(State())
        self.plan = Self.advise(plan, runtime: runtime, requestID: requestID, stream: stream, state: state)
        self.state = state
    }

    /// Reads the shared state of `plan`'s deployments (one round trip) and orders the plan.
    private static func advise(_ plan: RoutePlan, runtime: RoutingRuntime, requestID: String, stream: Bool,
                               state: borrowing Mutex<State>) -> RoutePlan {
        guard !plan.details.isEmpty, runtime.cooldowns.enabled || plan.strategy.readsLoad else { return plan }
        let snapshot = runtime.state.snapshot(plan.details.map(\.key), probeToken: requestID,
                                              readLoad: plan.strategy.readsLoad)
        let outcome = RouteAdvice.advise(plan, snapshot: snapshot, stream: stream, latencyBuffer: runtime.latencyBuffer)
        state.withLock { state in
            for detail in plan.details {
                state.planned[detail.target] = Planned(key: detail.key, breaker: snapshot[detail.key].breaker)
            }
            state.lastResort += outcome.plan.lastResort
            if !outcome.avoided.isEmpty {
                state.notes.append(("avoid", outcome.avoided.map { "\($0.0.id) \($0.1)" }.joined(separator: ",")))
            }
            if !outcome.probing.isEmpty { state.notes.append(("probe", outcome.probing.map(\.id).joined(separator: ","))) }
            if !snapshot.shared, runtime.state.hasSharedStore { state.notes.append(("routing_state", "local")) }
        }
        return outcome.plan
    }

    /// Fallback groups are ordered against the shared state too (a FailoverMachine `resolve`).
    var resolveFallback: @Sendable (String) -> RoutePlan? {
        { [self] group in
            guard let plan = try? router.plan(model: group) else { return nil }
            return Self.advise(plan, runtime: runtime, requestID: requestID, stream: stream, state: state)
        }
    }

    /// The failover loop over `machine`, with the avoided deployments as its last resort.
    func failover(_ machine: FailoverMachine) -> RoutedFailover {
        RoutedFailover(machine, lastResort: { [self] in state.withLock { $0.lastResort } })
    }

    /// Log fields gathered while planning.
    var notes: [(String, String)] { state.withLock { $0.notes } }

    /// Before an attempt: takes an in-flight lease when a least-busy strategy is configured.
    func begin(_ target: UpstreamTarget) -> Ticket {
        let planned = state.withLock { $0.planned[Self.identity(target)] }
        var lease: SharedRoutingState.Lease?
        if runtime.recordsLeases, let planned {
            lease = runtime.state.beginLease(planned.key, id: "\(requestID):\(Self.identity(target))")
            runtime.leases.hold(lease!, state: runtime.state)
        }
        return Ticket(planned: planned, lease: lease, started: Monotonic.now())
    }

    /// After an attempt: releases the lease and records the outcome (breaker, latency); a
    /// stream's latency is its time to first byte (``Exchange/firstByteAt``).
    func end(_ ticket: Ticket, _ outcome: AttemptOutcome, _ x: inout Exchange) {
        if let (key, value) = record(ticket, outcome, firstByteAt: x.firstByteAt) { x.note(key, value) }
        x.firstByteAt = nil
    }

    private func record(_ ticket: Ticket, _ outcome: AttemptOutcome, firstByteAt: Double?) -> (String, String)? {
        if let lease = ticket.lease {
            runtime.leases.release(lease)
            runtime.state.endLease(lease)
        }
        guard let planned = ticket.planned else { return nil }
        switch outcome {
        case .delivered:
            if planned.breaker != .closed { runtime.state.closeBreaker(planned.key) }
            if runtime.recordsLatency {
                let end = stream ? firstByteAt : Monotonic.now()
                if let end { runtime.state.recordLatency(planned.key, stream: stream, ms: (end - ticket.started) * 1000) }
            }
            return planned.breaker != .closed ? ("breaker_closed", planned.key.id) : nil
        case .failed(let error), .interrupted(let error, _):
            // A stream that broke after reaching the client failed on the deployment too.
            guard let rule = runtime.cooldowns.rule(for: error, breaker: planned.breaker) else { return nil }
            let result = runtime.state.recordFailure(planned.key, rule: rule)
            guard result.untilMs != nil, rule.duration(afterFailure: result.failures) > 0 else { return nil }
            Log.info("deployment cooling down", [
                ("id", requestID), ("deployment", planned.key.description), ("why", rule.why),
                ("failures_this_minute", String(result.failures)),
            ])
            return ("cooldown", planned.key.id)
        case .clientGone:
            // The client leaving says nothing about the deployment; a probe it held is given up
            // so another request can probe now rather than after the lease lapses.
            if planned.breaker == .halfOpen(probe: true) { runtime.state.releaseProbe(planned.key, probeToken: requestID) }
            return nil
        }
    }

    static func identity(_ target: UpstreamTarget) -> String { AttemptDetail.identity(of: target) }
}

/// Keeps in-flight leases of long attempts (streams) alive: every third of the lease time one
/// thread per process refreshes them all. A worker that dies stops refreshing, so its counts
/// lapse within ``RoutingStateTiming/leaseMs``.
final class LeaseRefresher: Sendable {
    private let live = Mutex<[String: SharedRoutingState.Lease]>([:])
    private let started = Atomic<Bool>(false)

    func hold(_ lease: SharedRoutingState.Lease, state: SharedRoutingState) {
        live.withLock { $0[lease.id] = lease }
        guard !started.exchange(true, ordering: .relaxed) else { return }
        _ = NativeThread.detach(stackBytes: 256 << 10) { [weak self] in
            while let refresher = self {
                sleep(UInt32(RoutingStateTiming.leaseMs / 3000))
                state.refresh(refresher.live.withLock { Array($0.values) })
            }
        }
    }

    func release(_ lease: SharedRoutingState.Lease) {
        _ = live.withLock { $0.removeValue(forKey: lease.id) }
    }
}

extension Gateway {
    /// Start-up work that talks to Redis (`serve` only; `check-config` never connects).
    public func prepareSharedState() {
        routingRuntime.loadScripts()
    }

    /// Plans `plan` against the fleet's shared routing state (cooldowns, probes, load).
    func routeRequest(_ plan: RoutePlan, stream: Bool, x: inout Exchange) -> RequestRouting {
        let routing = RequestRouting(plan: plan, runtime: routingRuntime, router: router, requestID: x.requestID, stream: stream)
        for (key, value) in routing.notes { x.note(key, value) }
        return routing
    }
}
