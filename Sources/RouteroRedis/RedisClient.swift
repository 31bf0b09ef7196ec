import Synchronization

/// A thread-safe Redis client for a standalone Redis or a Redis Cluster, with one API for both.
///
/// Standalone: one bounded pool of blocking connections behind a circuit breaker
/// (``RedisNodePool``). Cluster: the slot map learned from the seed nodes, a pool and a breaker
/// per master, `MOVED`/`ASK` followed (``RedisCluster``). Either way every call is bounded by
/// the connect and command timeouts and a bounded pool wait; while a breaker is open calls fail
/// at once with `.unavailable`, and callers decide what that means (the cache serves without
/// caching, shared tokens are granted locally).
///
/// Which node a command goes to in a cluster is ``RedisRoute``'s rule: the first of KEYS for
/// scripts, the second argument for other keyed commands, or `routingKey:` when given.
public final class RedisClient: Sendable {
    private enum Topology: Sendable {
        case standalone(RedisNodePool)
        case cluster(RedisCluster)
    }

    /// The server, or in a cluster the first seed node.
    public let endpoint: RedisEndpoint
    private let topology: Topology
    /// SHA1 of each script Redis has loaded (`SCRIPT LOAD`), by source.
    private let scriptDigests = Mutex<[String: [UInt8]]>([:])

    /// A standalone Redis.
    /// - Parameters:
    ///   - maxConnections: connections open at once; more concurrent callers wait up to the
    ///     command timeout for one.
    ///   - retryIntervalSeconds: how long the circuit stays open after a failure.
    public init(endpoint: RedisEndpoint, maxConnections: Int = 16, retryIntervalSeconds: Double = 1.0) {
        self.endpoint = endpoint
        self.topology = .standalone(RedisNodePool(endpoint: endpoint, maxConnections: maxConnections,
                                                  retryIntervalSeconds: retryIntervalSeconds))
    }

    /// A Redis Cluster reached through `seeds` (any subset of its nodes). Credentials, database
    /// (must be 0) and timeouts of the first seed apply to every node. Nothing is contacted
    /// until the first call.
    /// - Parameters:
    ///   - maxConnectionsPerNode: connections open at once to each node.
    ///   - retryIntervalSeconds: how long a node's circuit stays open after a failure; also the
    ///     shortest time between two refreshes of the slot map.
    public init(clusterSeeds seeds: [RedisEndpoint], maxConnectionsPerNode: Int = 16, retryIntervalSeconds: Double = 1.0) {
        precondition(!seeds.isEmpty, "a cluster needs at least one seed node")
        self.endpoint = seeds[0]
        self.topology = .cluster(RedisCluster(seeds: seeds, maxConnectionsPerNode: maxConnectionsPerNode,
                                              retryIntervalSeconds: retryIntervalSeconds))
    }

    /// Whether this client talks to a Redis Cluster.
    public var isCluster: Bool {
        if case .cluster = topology { true } else { false }
    }

    /// The last connection error while a circuit is open or half-open (in a cluster: of every
    /// node that has one, or of a failed discovery), nil when Redis looks healthy.
    public var lastError: String? {
        switch topology {
        case .standalone(let pool): pool.lastError
        case .cluster(let cluster): cluster.lastError
        }
    }

    /// Runs one command. `idempotent` commands are retried once on a fresh connection when a
    /// pooled connection turns out to be dead (e.g. Redis restarted since it was opened).
    /// - Parameter routingKey: in a cluster, the key whose slot picks the node, for a command
    ///   whose key is not its second argument; ignored by a standalone Redis.
    public func command(_ args: [[UInt8]], idempotent: Bool = true, routingKey: [UInt8]? = nil)
        throws(RedisError) -> RedisReply
    {
        try dispatch(args, idempotent: idempotent, route: RedisRoute.of(args, routingKey: routingKey))
    }

    /// Convenience for text arguments.
    public func command(_ args: String...) throws(RedisError) -> RedisReply {
        try command(args.map { Array($0.utf8) })
    }

    /// Runs `script` with `keys` and `args` by its digest. A server that does not know it (first
    /// use, a restarted or flushed Redis, a cluster node that joined or restarted) answers
    /// `NOSCRIPT`; the script is then loaded on that very node and run once more, so callers
    /// never see that error. In a cluster the call goes to the node of `keys[0]`; all keys must
    /// share one `{hash tag}`.
    public func evaluate(_ script: RedisScript, keys: [String], args: [[UInt8]], idempotent: Bool = false)
        throws(RedisError) -> RedisReply
    {
        let route: RedisRoute = keys.first.map { .slot(RedisSlot.of($0)) } ?? .anyNode
        var digest = scriptDigests.withLock { $0[script.source] }
        if digest == nil { digest = try load(script) }
        let call = { (sha: [UInt8]) -> [[UInt8]] in
            [Array("EVALSHA".utf8), sha, Array(String(keys.count).utf8)] + keys.map { Array($0.utf8) } + args
        }
        let reply = try dispatch(call(digest!), idempotent: idempotent, route: route)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            let loadHere = [Array("SCRIPT".utf8), Array("LOAD".utf8), Array(script.source.utf8)]
            let sha = try digestOf(dispatch(loadHere, idempotent: true, route: route), script)
            return try dispatch(call(sha), idempotent: idempotent, route: route)
        }
        return reply
    }

    /// Loads `script` (`SCRIPT LOAD`; in a cluster on every reachable master) and remembers its
    /// digest; used at start-up so the first request does not pay for it, and again whenever
    /// Redis has forgotten it.
    @discardableResult
    public func load(_ script: RedisScript) throws(RedisError) -> [UInt8] {
        let args = [Array("SCRIPT".utf8), Array("LOAD".utf8), Array(script.source.utf8)]
        return try digestOf(dispatch(args, idempotent: true, route: .everyNode), script)
    }

    /// Sends `commands` in one round trip and returns their replies in order (an `.error` reply
    /// for a command Redis refused). A thrown error means no reply can be trusted.
    ///
    /// In a cluster the commands are split by node (one round trip per node involved, node after
    /// node) and the replies put back in order; commands on one key keep their order. Keep the
    /// keys of one pipeline under one `{hash tag}` to keep it one round trip.
    public func pipeline(_ commands: [[[UInt8]]], idempotent: Bool = true) throws(RedisError) -> [RedisReply] {
        if commands.isEmpty { return [] }
        switch topology {
        case .standalone(let pool): return try pool.pipeline(commands, idempotent: idempotent)
        case .cluster(let cluster): return try cluster.pipeline(commands, idempotent: idempotent)
        }
    }

    /// A readiness check: PING through the breaker (in a cluster, every master through its own).
    /// While a circuit is open it answers at once without touching the network, so a load
    /// balancer probing many times a second can neither hang on a dead Redis nor keep re-opening
    /// connections to it.
    public func check() -> RedisError? {
        switch topology {
        case .standalone(let pool):
            do {
                let reply = try pool.run([Array("PING".utf8)], idempotent: true)
                if case .error(let m) = reply { return RedisError(kind: .unavailable, message: m) }
                return nil
            } catch {
                return error
            }
        case .cluster(let cluster):
            return cluster.check()
        }
    }

    private func dispatch(_ args: [[UInt8]], idempotent: Bool, route: RedisRoute) throws(RedisError) -> RedisReply {
        switch (topology, route) {
        case (.standalone(let pool), _): try pool.run(args, idempotent: idempotent)
        case (.cluster(let cluster), .slot(let slot)): try cluster.run(args, idempotent: idempotent, slot: slot)
        case (.cluster(let cluster), .anyNode): try cluster.run(args, idempotent: idempotent, slot: nil)
        case (.cluster(let cluster), .everyNode): try cluster.broadcast(args, idempotent: idempotent)
        }
    }

    private func digestOf(_ reply: RedisReply, _ script: RedisScript) throws(RedisError) -> [UInt8] {
        guard case .string(let sha) = reply else {
            throw RedisError(kind: .unavailable, message: "SCRIPT LOAD \(script.name): \(reply)")
        }
        scriptDigests.withLock { $0[script.source] = sha }
        return sha
    }
}
