public import RouteroRedis
public import RouteroRouting

/// ``RoutingStateStore`` in Redis, shared by every worker and host.
///
/// Keys, with `T` = `{<namespace>:rt:<group>}` (one hash tag per group, so a plan's state is on
/// one Redis Cluster node and read with one script call):
/// - `T:cd:<deployment>` hash `until` (ms, Redis clock), `why`: the cooldown deadline; expires
///   `RoutingStateTiming.halfOpenMs` after it (until then the breaker is half-open);
/// - `T:probe:<deployment>`: the half-open probe lease (SET NX PX, the holder's request token);
/// - `T:fails:<deployment>` hash `minute`, `count`: failures in the current minute (2 min TTL);
/// - `T:busy:<deployment>` sorted set: in-flight lease ids scored by expiry (ms);
/// - `T:lat:<deployment>` hash `stream`, `whole`: latency EWMAs in ms (1 h TTL).
public final class RedisRoutingStateStore: RoutingStateStore {
    let redis: RedisClient
    let namespace: String

    public init(redis: RedisClient, namespace: String) {
        self.redis = redis
        self.namespace = namespace
    }

    /// Loads every script (start-up), so the first request does not pay for `SCRIPT LOAD`.
    public func loadScripts() throws(RoutingStateError) {
        for script in RoutingScripts.all {
            do { try redis.load(script) } catch { throw RoutingStateError("SCRIPT LOAD \(script.name): \(error)") }
        }
    }

    func key(_ key: DeploymentKey, _ kind: String) -> String {
        "{\(namespace):rt:\(key.scope)}:\(kind):\(key.id)"
    }

    public func snapshot(_ keys: [DeploymentKey], probeToken: String, readLoad: Bool) throws(RoutingStateError) -> RoutingSnapshot {
        var snapshot = RoutingSnapshot()
        guard !keys.isEmpty else { return snapshot }
        // One script call per group (hash tag); a plan normally covers one group.
        var scopes: [String] = []
        var byScope: [String: [DeploymentKey]] = [:]
        for key in keys {
            if byScope[key.scope] == nil { scopes.append(key.scope) }
            byScope[key.scope, default: []].append(key)
        }
        for scope in scopes {
            let members = byScope[scope]!
            let names = members.flatMap { [key($0, "cd"), key($0, "probe"), key($0, "busy"), key($0, "lat")] }
            let reply = try run(RoutingScripts.snapshot, keys: names, args: [
                probeToken, String(RoutingStateTiming.probeLeaseMs), readLoad ? "1" : "0",
                String(RoutingStateTiming.halfOpenMs),
            ])
            guard case .array(let items) = reply, items.count == 1 + 5 * members.count, let now = items[0].int else {
                throw RoutingStateError("routing snapshot: unexpected reply \(reply)")
            }
            snapshot.nowMs = now
            for (index, member) in members.enumerated() {
                let base = 1 + 5 * index
                var health = DeploymentHealth()
                switch items[base].int {
                case 1: health.breaker = .open(untilMs: items[base + 1].int ?? now)
                case 2: health.breaker = .halfOpen(probe: true)
                case 3: health.breaker = .halfOpen(probe: false)
                default: health.breaker = .closed
                }
                health.inFlight = Int(items[base + 2].int ?? 0)
                health.streamLatencyMs = items[base + 3].double
                health.wholeLatencyMs = items[base + 4].double
                snapshot.health[member] = health
            }
        }
        return snapshot
    }

    public func recordFailure(_ key: DeploymentKey, rule: CooldownRule) throws(RoutingStateError) -> CooldownResult {
        let reply = try run(RoutingScripts.failure, keys: [self.key(key, "cd"), self.key(key, "fails"), self.key(key, "probe")],
                            args: [String(rule.allowedFails), String(rule.cooldownMs), String(rule.immediateMs),
                                   String(rule.retryAfterMs), rule.why, String(RoutingStateTiming.halfOpenMs)])
        guard case .array(let items) = reply, items.count == 2, let count = items[0].int, let until = items[1].int else {
            throw RoutingStateError("routing failure: unexpected reply \(reply)")
        }
        return CooldownResult(failures: Int(count), untilMs: until >= 0 ? until : nil)
    }

    public func closeBreaker(_ key: DeploymentKey) throws(RoutingStateError) {
        try command(["DEL", self.key(key, "cd"), self.key(key, "probe"), self.key(key, "fails")])
    }

    public func releaseProbe(_ key: DeploymentKey, probeToken: String) throws(RoutingStateError) {
        _ = try run(RoutingScripts.releaseProbe, keys: [self.key(key, "probe")], args: [probeToken])
    }

    public func recordLatency(_ key: DeploymentKey, stream: Bool, ms: Double) throws(RoutingStateError) {
        _ = try run(RoutingScripts.latency, keys: [self.key(key, "lat")],
                    args: [stream ? "stream" : "whole", String(ms), String(RoutingStateTiming.latencyAlpha),
                           String(RoutingStateTiming.latencyMs)])
    }

    public func beginLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError) {
        _ = try run(RoutingScripts.lease, keys: [self.key(key, "busy")], args: [lease, String(RoutingStateTiming.leaseMs)])
    }

    public func endLease(_ key: DeploymentKey, lease: String) throws(RoutingStateError) {
        try command(["ZREM", self.key(key, "busy"), lease])
    }

    private func run(_ script: RedisScript, keys: [String], args: [String]) throws(RoutingStateError) -> RedisReply {
        let reply: RedisReply
        do {
            reply = try redis.evaluate(script, keys: keys, args: args.map { Array($0.utf8) }, idempotent: false)
        } catch {
            throw RoutingStateError(error.description)
        }
        if case .error(let message) = reply { throw RoutingStateError("\(script.name): \(message)") }
        return reply
    }

    private func command(_ args: [String]) throws(RoutingStateError) {
        let reply: RedisReply
        do {
            reply = try redis.command(args.map { Array($0.utf8) })
        } catch {
            throw RoutingStateError(error.description)
        }
        if case .error(let message) = reply { throw RoutingStateError(message) }
    }
}

extension RedisReply {
    var int: Int64? {
        switch self {
        case .integer(let value): Int64(value)
        case .string(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// A number sent as text (empty: none).
    var double: Double? {
        guard case .string(let bytes) = self, !bytes.isEmpty else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }
}
