public import RouteroCore
public import RouteroRedis

/// Rate limits in Redis, exact across every worker and host that shares it: one script call per
/// admission checks and charges all of a scope's counters and its parallel slot together.
///
/// Keys (deploy/CONFIG.md, "Redis key layout"): `<namespace>:rl:{<scope>}:<counter>` (a hash:
/// window start and count) and `<namespace>:rl:{<scope>}:par` (a sorted set of slot leases).
/// The scope is the hash tag, so every key of one call maps to one Redis Cluster slot.
public final class RedisRateLimitStore: RateLimitStore {
    private let redis: RedisClient
    private let namespace: String

    public init(redis: RedisClient, namespace: String) {
        self.redis = redis
        self.namespace = namespace
    }

    /// Loads the scripts, so the first request does not pay for it. Failure is fine: a script
    /// Redis does not know is loaded on first use.
    public func loadScripts() -> String? {
        for script in RateLimitScripts.all {
            do { try redis.load(script) } catch { return error.description }
        }
        return nil
    }

    /// The key of `name` in `scope`.
    public func key(_ scope: String, _ name: String) -> String { "\(namespace):rl:{\(scope)}:\(name)" }

    public func admit(_ check: RateLimitCheck) throws(RateLimitStoreError) -> RateLimitDecision {
        let slot = check.maxParallel == nil ? "" : RateLimitClock.slotID()
        var keys = check.counters.map { key(check.scope, $0.name) }
        if check.maxParallel != nil { keys.append(key(check.scope, "par")) }
        var args = [String(check.counters.count), String(check.windowMs), slot, String(check.maxParallel ?? 0),
                    String(check.leaseMs)]
        for counter in check.counters { args += [String(counter.limit), String(counter.amount)] }
        let reply = try run(RateLimitScripts.admit, keys: keys, args: args)
        guard case .array(let items) = reply, items.count == 4 + check.counters.count else {
            throw RateLimitStoreError("ratelimit-admit: unexpected reply \(reply)")
        }
        let numbers = items.map { item -> Int in if case .integer(let n) = item { n } else { -1 } }
        guard !numbers.contains(-1) else { throw RateLimitStoreError("ratelimit-admit: unexpected reply \(reply)") }
        let nowMs = numbers[1] + check.windowMs - numbers[2]
        let decision = RateLimitMath.decision(check, used: Array(numbers[4...]), slotsHeld: numbers[3], nowMs: nowMs,
                                              slot: slot.isEmpty ? nil : slot)
        // The script and RateLimitMath apply one rule; a disagreement would mean a charge the
        // decision does not know about, so it is reported rather than trusted.
        let admitted = if case .admitted = decision { true } else { false }
        guard admitted == (numbers[0] == 0) else { throw RateLimitStoreError("ratelimit-admit: script and rule disagree") }
        return decision
    }

    public func adjust(_ reservation: RateLimitReservation, deltas: [(name: String, delta: Int)]) throws(RateLimitStoreError) {
        guard !deltas.isEmpty else { return }
        _ = try run(RateLimitScripts.adjust, keys: deltas.map { key(reservation.scope, $0.name) },
                    args: [String(reservation.windowStart)] + deltas.map { String($0.delta) })
    }

    public func release(_ reservation: RateLimitReservation) throws(RateLimitStoreError) {
        guard let slot = reservation.slot else { return }
        do {
            _ = try redis.command([Array("ZREM".utf8), Array(key(reservation.scope, "par").utf8), Array(slot.utf8)])
        } catch {
            throw RateLimitStoreError(error.description)
        }
    }

    public func usage(_ queries: [(scope: String, names: [String])], windowMs: Int) throws(RateLimitStoreError) -> [[Int]] {
        let commands: [[[UInt8]]] = queries.flatMap { q in
            q.names.map { name -> [[UInt8]] in [Array("HMGET".utf8), Array(key(q.scope, name).utf8), [0x73], [0x6E]] }
        }
        let replies: [RedisReply]
        do { replies = try redis.pipeline(commands) } catch { throw RateLimitStoreError(error.description) }
        // Windows are aligned to Redis' clock; this host's clock decides which is current here.
        // A skew of a few ms only matters at the minute boundary, and only for ordering.
        let start = RateLimitMath.windowStart(nowMs: RateLimitClock.nowMs(), windowMs: windowMs)
        var values = replies.makeIterator()
        return queries.map { q in
            q.names.map { _ in
                guard case .array(let pair)? = values.next(), pair.count == 2,
                      case .string(let s) = pair[0], case .string(let n) = pair[1],
                      let windowStart = Int(String(decoding: s, as: UTF8.self)), abs(windowStart - start) < windowMs / 2
                else { return 0 }
                return Int(String(decoding: n, as: UTF8.self)) ?? 0
            }
        }
    }

    private func run(_ script: RedisScript, keys: [String], args: [String]) throws(RateLimitStoreError) -> RedisReply {
        let reply: RedisReply
        do {
            reply = try redis.evaluate(script, keys: keys, args: args.map { Array($0.utf8) })
        } catch {
            throw RateLimitStoreError(error.description)
        }
        if case .error(let message) = reply { throw RateLimitStoreError("\(script.name): \(message)") }
        return reply
    }
}
