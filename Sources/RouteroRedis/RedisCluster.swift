import RouteroSystem
import Synchronization

/// A Redis Cluster seen from one process: the slot map learned from `CLUSTER SLOTS`, a pool
/// (with its own breaker) per master node, and the redirections (`MOVED`, `ASK`) that keep the
/// map right while slots move.
///
/// The map is learned lazily on first use (start-up never blocks on Redis) and refreshed after
/// a `MOVED` or a connection failure, at most once per retry interval, by whichever caller
/// routes next; the other callers keep using the map they have. A `MOVED` slot is corrected at
/// once, before the refresh.
final class RedisCluster: Sendable {
    private struct Topology {
        /// Master address for each slot; nil until learned.
        var owners = [String?](repeating: nil, count: RedisSlot.count)
        var pools: [String: RedisNodePool] = [:]
        var stale = true
        var refreshing = false
        var lastRefresh = -Double.infinity
        var lastRefreshError: String?
    }

    /// Redirections followed for one command before giving up (a slot moving twice mid-call).
    static let maxRedirects = 5

    private let seeds: [RedisEndpoint]
    private let maxConnectionsPerNode: Int
    private let retryIntervalSeconds: Double
    private let topology = Mutex(Topology())

    init(seeds: [RedisEndpoint], maxConnectionsPerNode: Int, retryIntervalSeconds: Double) {
        precondition(!seeds.isEmpty, "a cluster needs at least one seed node")
        self.seeds = seeds
        self.maxConnectionsPerNode = maxConnectionsPerNode
        self.retryIntervalSeconds = retryIntervalSeconds
    }

    // MARK: Commands

    /// Runs `args` on the node serving `slot` (any node when nil), following redirections.
    func run(_ args: [[UInt8]], idempotent: Bool, slot: Int?) throws(RedisError) -> RedisReply {
        var target = try pool(for: slot)
        var asking = false
        for _ in 0...Self.maxRedirects {
            let reply: RedisReply
            do {
                // ASKING and the command go in one round trip on one connection, as ASK requires.
                reply = asking ? try target.pipeline([[Array("ASKING".utf8)], args], idempotent: idempotent)[1]
                               : try target.run(args, idempotent: idempotent)
            } catch {
                markStale()  // the node may have failed over to another address
                throw error
            }
            guard case .error(let message) = reply,
                  let redirect = RedisRedirect(message, answeredBy: target.endpoint.host) else { return reply }
            // A redirected command was not executed, so resending it is safe even when not idempotent.
            target = node(host: redirect.host, port: redirect.port)
            asking = redirect.kind == .ask
            if redirect.kind == .moved { learnMoved(redirect) }
        }
        throw RedisError(kind: .unavailable, message: "more than \(Self.maxRedirects) cluster redirections")
    }

    /// Runs `args` on every master; answers with the first error reply, else the first reply.
    /// Nodes that cannot be reached are skipped (a node that comes back loads scripts again on
    /// `NOSCRIPT`); the call throws only when no node could be reached.
    func broadcast(_ args: [[UInt8]], idempotent: Bool) throws(RedisError) -> RedisReply {
        var replies: [RedisReply] = []
        var firstError: RedisError?
        for pool in try masters() {
            do {
                replies.append(try pool.run(args, idempotent: idempotent))
            } catch {
                markStale()
                firstError = firstError ?? error
            }
        }
        if let error = replies.first(where: { if case .error = $0 { true } else { false } }) { return error }
        if let first = replies.first { return first }
        throw firstError ?? RedisError(kind: .unavailable, message: "no cluster node known")
    }

    /// Splits `commands` by node, sends each node's share as one pipeline (node after node) and
    /// puts the replies back in order; commands answered with a redirection are re-run one by
    /// one. A node that fails makes the whole call throw, though other nodes' shares may have run.
    func pipeline(_ commands: [[[UInt8]]], idempotent: Bool) throws(RedisError) -> [RedisReply] {
        var byNode: [(pool: RedisNodePool, indices: [Int])] = []
        for (index, args) in commands.enumerated() {
            let slot: Int? = if case .slot(let s) = RedisRoute.of(args) { s } else { nil }
            let pool = try pool(for: slot)
            if let i = byNode.firstIndex(where: { $0.pool === pool }) {
                byNode[i].indices.append(index)
            } else {
                byNode.append((pool, [index]))
            }
        }
        var replies = [RedisReply](repeating: .null, count: commands.count)
        for (pool, indices) in byNode {
            let share: [RedisReply]
            do {
                share = try pool.pipeline(indices.map { commands[$0] }, idempotent: idempotent)
            } catch {
                markStale()
                throw error
            }
            for (index, reply) in zip(indices, share) { replies[index] = reply }
        }
        for index in replies.indices {
            guard case .error(let message) = replies[index],
                  RedisRedirect(message, answeredBy: "") != nil else { continue }
            let slot: Int? = if case .slot(let s) = RedisRoute.of(commands[index]) { s } else { nil }
            replies[index] = try run(commands[index], idempotent: idempotent, slot: slot)
        }
        return replies
    }

    /// One PING per master through each node's breaker; nil when every slot has a reachable master.
    func check() -> RedisError? {
        let masters: [RedisNodePool]
        do { masters = try self.masters() } catch { return error }
        var down: [String] = []
        for pool in masters {
            do {
                if case .error(let m) = try pool.run([Array("PING".utf8)], idempotent: true) {
                    down.append("\(pool.endpoint.address) (\(m))")
                }
            } catch {
                markStale()
                down.append("\(pool.endpoint.address) (\(error.message))")
            }
        }
        let uncovered = topology.withLock { $0.owners.lazy.filter { $0 == nil }.count }
        if down.isEmpty && uncovered == 0 { return nil }
        var parts: [String] = []
        if !down.isEmpty { parts.append("\(down.count) of \(masters.count) cluster nodes unreachable: " + down.joined(separator: ", ")) }
        if uncovered > 0 { parts.append("\(uncovered) slots without a master") }
        return RedisError(kind: .unavailable, message: parts.joined(separator: "; "))
    }

    /// Errors of the nodes whose circuit is open, or of the last failed discovery.
    var lastError: String? {
        let (pools, discovery) = topology.withLock { t in (Array(t.pools.values), t.lastRefreshError) }
        let errors = pools.compactMap(\.lastError)
        if !errors.isEmpty { return errors.sorted().joined(separator: "; ") }
        return discovery
    }

    // MARK: Topology

    /// The pool for `slot`, or any master for nil (one whose circuit is closed, if there is one).
    private func pool(for slot: Int?) throws(RedisError) -> RedisNodePool {
        refreshIfDue()
        let chosen: RedisNodePool? = topology.withLock { t in
            if let slot { return t.owners[slot].flatMap { t.pools[$0] } }
            let masters = Set(t.owners.compactMap { $0 }).sorted().compactMap { t.pools[$0] }
            return masters.first { !$0.refusesCalls } ?? masters.first
        }
        if let chosen { return chosen }
        if slot == nil { return node(host: seeds[0].host, port: seeds[0].port) }
        let reason = topology.withLock { $0.lastRefreshError } ?? "slot \(slot!) has no known master"
        throw RedisError(kind: .unavailable, message: "cluster: \(reason)")
    }

    /// Every distinct master of the current map.
    private func masters() throws(RedisError) -> [RedisNodePool] {
        refreshIfDue()
        let pools = topology.withLock { t in Set(t.owners.compactMap { $0 }).sorted().compactMap { t.pools[$0] } }
        if pools.isEmpty {
            throw RedisError(kind: .unavailable,
                             message: "cluster: " + (topology.withLock { $0.lastRefreshError } ?? "no master known"))
        }
        return pools
    }

    /// The pool of one node, created on first use; every node shares the seeds' credentials and timeouts.
    private func node(host: String, port: Int) -> RedisNodePool {
        let endpoint = seeds[0].node(host: host, port: port)
        return topology.withLock { t in
            if let pool = t.pools[endpoint.address] { return pool }
            let pool = RedisNodePool(endpoint: endpoint, maxConnections: maxConnectionsPerNode,
                                     retryIntervalSeconds: retryIntervalSeconds)
            t.pools[endpoint.address] = pool
            return pool
        }
    }

    private func markStale() { topology.withLock { $0.stale = true } }

    private func learnMoved(_ redirect: RedisRedirect) {
        let address = seeds[0].node(host: redirect.host, port: redirect.port).address
        topology.withLock {
            $0.owners[redirect.slot] = address
            $0.stale = true
        }
    }

    /// Refreshes the map when it is stale and the last attempt is older than the retry interval.
    /// One caller refreshes; the others go on with the map they have (a failure is kept in
    /// `lastRefreshError` and reported by the callers that find no master for their slot).
    private func refreshIfDue() {
        let due = topology.withLock { t -> Bool in
            guard t.stale, !t.refreshing, Monotonic.now() - t.lastRefresh >= retryIntervalSeconds else { return false }
            t.refreshing = true
            return true
        }
        guard due else { return }
        let result = discover()
        topology.withLock { t in
            t.refreshing = false
            t.lastRefresh = Monotonic.now()
            switch result {
            case .success(let owners):
                t.owners = owners
                t.stale = false
                t.lastRefreshError = nil
            case .failure(let error):
                t.lastRefreshError = error.message
            }
        }
    }

    /// Asks the known masters, then the seeds, for `CLUSTER SLOTS` until one answers.
    private func discover() -> Result<[String?], RedisError> {
        let known = topology.withLock { t in Set(t.owners.compactMap { $0 }).sorted().compactMap { t.pools[$0] } }
        let candidates = known.filter { !$0.refusesCalls } + seeds.map { node(host: $0.host, port: $0.port) }
        var lastError = RedisError(kind: .unavailable, message: "no seed node answered CLUSTER SLOTS")
        var asked = Set<String>()
        for pool in candidates where asked.insert(pool.endpoint.address).inserted {
            do {
                let reply = try pool.run([Array("CLUSTER".utf8), Array("SLOTS".utf8)], idempotent: true)
                let ranges = try Self.parseSlots(reply, askedHost: pool.endpoint.host)
                var owners = [String?](repeating: nil, count: RedisSlot.count)
                for range in ranges {
                    let address = node(host: range.host, port: range.port).endpoint.address
                    for slot in range.slots { owners[slot] = address }
                }
                return .success(owners)
            } catch {
                lastError = RedisError(kind: error.kind, message: "discovery via \(pool.endpoint.address): \(error.message)")
            }
        }
        return .failure(lastError)
    }

    struct SlotRange: Equatable {
        let slots: ClosedRange<Int>
        let host: String
        let port: Int
    }

    /// `CLUSTER SLOTS`: `[[start, end, [ip, port, id, …], replica…], …]`. An empty ip means the
    /// node that answered (Redis sends it when it does not know its own address).
    static func parseSlots(_ reply: RedisReply, askedHost: String) throws(RedisError) -> [SlotRange] {
        func bad(_ why: String) -> RedisError { RedisError(kind: .unavailable, message: "CLUSTER SLOTS: \(why)") }
        if case .error(let message) = reply { throw bad(message) }
        guard case .array(let entries) = reply else { throw bad("unexpected reply \(reply)") }
        var ranges: [SlotRange] = []
        for entry in entries {
            guard case .array(let fields) = entry, fields.count >= 3,
                  case .integer(let start) = fields[0], case .integer(let end) = fields[1],
                  0 <= start, start <= end, end < RedisSlot.count,
                  case .array(let master) = fields[2], master.count >= 2,
                  case .string(let ip) = master[0], case .integer(let port) = master[1]
            else { throw bad("malformed slot range") }
            let host = String(decoding: ip, as: UTF8.self)
            ranges.append(SlotRange(slots: start...end, host: host.isEmpty || host == "?" ? askedHost : host, port: port))
        }
        if ranges.isEmpty { throw bad("no slots assigned (is the cluster created?)") }
        return ranges
    }
}
