import Glibc
import RouteroRedis
import RouteroSystem
import RouteroTestSupport
import Testing

/// Against a real 3-master cluster on loopback (``RedisClusterProcess``), started per test.
@Suite(.serialized, .enabled(if: RedisServerProcess.available, "redis-server is not installed"))
struct RedisClusterTests {
    static func client(_ cluster: RedisClusterProcess, seeds: Int = 1, retry: Double = 0.2) -> RedisClient {
        RedisClient(clusterSeeds: cluster.ports.prefix(seeds).map { RedisEndpoint(host: "127.0.0.1", port: $0) },
                    retryIntervalSeconds: retry)
    }

    /// A key per node: the first of `prefix-0`, `prefix-1`, ... whose slot that node serves.
    static func keys(_ prefix: String) -> [String] {
        (0..<3).map { node in
            (0...).lazy.map { "\(prefix)-\($0)" }.first { RedisClusterProcess.node(forSlot: RedisSlot.of($0)) == node }!
        }
    }

    static func text(_ reply: RedisReply) -> String? {
        if case .string(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The fixture's own guard: a node whose port was taken before redis bound it is reported
    /// at once (so the cluster retries on fresh ports) instead of never joining.
    @Test func aServerWhosePortIsTakenIsReported() throws {
        let first = try #require(RedisServerProcess())
        defer { first.stop() }
        #expect(RedisServerProcess(port: first.port) == nil)
    }

    @Test func slotsAgreeWithTheServer() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        for key in ["123456789", "foo", "bar", "{user1000}.following", "foo{}{bar}", "a{b}c"] {
            #expect(RedisClusterProcess.send(cluster.ports[0], ["CLUSTER", "KEYSLOT", key]) == String(RedisSlot.of(key)), "\(key)")
        }
    }

    /// One seed is enough: the map is learned from it, and keys land on the node of their slot
    /// (each node holds exactly the key that belongs to it).
    @Test func commandsReachTheNodeOfTheirSlot() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        let client = Self.client(cluster)
        #expect(client.isCluster)
        let keys = Self.keys("k")
        for key in keys {
            #expect(try client.command("SET", key, "v-\(key)") == .status("OK"))
        }
        for (node, key) in keys.enumerated() {
            #expect(Self.text(try client.command("GET", key)) == "v-\(key)")
            #expect(RedisClusterProcess.send(cluster.ports[node], ["DBSIZE"]) == "1")
        }
        #expect(try client.command("INCRBY", keys[2] + "n", "5") == .integer(5))
        #expect(try client.command("PEXPIRE", keys[1], "60000") == .integer(1))
        // Keyless commands go to any node; multi-key commands in one slot work, across slots
        // Redis says CROSSSLOT (a reply, not a transport error).
        #expect(try client.command("PING") == .status("PONG"))
        let a = "{tag}a", b = "{tag}b"
        _ = try client.command("SET", a, "1")
        _ = try client.command("SET", b, "2")
        #expect(try client.command("MGET", a, b) == .array([.string(Array("1".utf8)), .string(Array("2".utf8))]))
        if case .error(let m) = try client.command("MGET", keys[0], keys[1]) { #expect(m.hasPrefix("CROSSSLOT")) } else {
            Issue.record("expected CROSSSLOT")
        }
        // An explicit routing key overrides the rule (here: a command whose key is its third argument).
        #expect(try client.command([Array("OBJECT".utf8), Array("ENCODING".utf8), Array(keys[2].utf8)],
                                   routingKey: Array(keys[2].utf8)) == .string(Array("embstr".utf8)))
        #expect(client.check() == nil)
    }

    /// Scripts run on the node of KEYS[1]; each node that does not know the script (never
    /// loaded there, or flushed) answers NOSCRIPT and gets it loaded, invisibly to the caller.
    @Test func scriptsRunOnEveryNodeAndSurviveAFlush() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        let client = Self.client(cluster)
        let script = RedisScript(name: "incr-by", source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")
        let sha = String(decoding: try client.load(script), as: UTF8.self)
        for port in cluster.ports {  // loaded on every node
            #expect(RedisClusterProcess.send(port, ["EVALSHA", sha, "0", "0"])?.hasPrefix("NOSCRIPT") == false)
        }
        let keys = Self.keys("script")
        for key in keys {
            #expect(try client.evaluate(script, keys: [key], args: [Array("2".utf8)]) == .integer(2))
        }
        // Only node 1 forgets its scripts (as after a restart).
        #expect(RedisClusterProcess.send(cluster.ports[1], ["SCRIPT", "FLUSH"]) == "OK")
        for key in keys {
            #expect(try client.evaluate(script, keys: [key], args: [Array("3".utf8)]) == .integer(5))
        }
        // SCRIPT commands go to every node.
        #expect(try client.command("SCRIPT", "FLUSH") == .status("OK"))
        for port in cluster.ports {
            #expect(RedisClusterProcess.send(port, ["EVALSHA", sha, "0", "0"])?.hasPrefix("NOSCRIPT") == true)
        }
        #expect(try client.evaluate(script, keys: [keys[2]], args: [Array("1".utf8)]) == .integer(6))
    }

    /// A pipeline over keys of all three nodes: split per node, replies back in order.
    @Test func pipelinesSplitPerNodeKeepTheirOrder() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        let client = Self.client(cluster)
        let keys = Self.keys("p")
        var commands: [[String]] = []
        for key in keys { commands += [["SET", key, "1"], ["INCR", key]] }
        commands += [["NOSUCH", keys[0]], ["GET", keys[2]], ["GET", keys[0]]]
        let replies = try client.pipeline(commands.map { $0.map { Array($0.utf8) } })
        #expect(replies.count == commands.count)
        for i in 0..<3 {
            #expect(replies[2 * i] == .status("OK"))
            #expect(replies[2 * i + 1] == .integer(2))
        }
        if case .error = replies[6] {} else { Issue.record("expected an error reply for NOSUCH") }
        #expect(replies[7] == .string(Array("2".utf8)) && replies[8] == .string(Array("2".utf8)))
    }

    /// A slot moves to another node (the last step of a resharding): the old node answers
    /// MOVED, the client follows it at once and updates its map, and later commands go
    /// straight to the new owner. During a migration, ASK is followed with ASKING.
    @Test func followsMovedAndAskAfterASlotMigration() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        let client = Self.client(cluster)
        let key = Self.keys("m")[0]
        let slot = RedisSlot.of(key)
        #expect(try client.command("GET", key) == .null)  // map learned, slot on node 0
        cluster.moveSlot(slot, from: 0, to: 2)
        #expect(try client.command("SET", key, "moved") == .status("OK"))
        #expect(RedisClusterProcess.send(cluster.ports[2], ["GET", key]) == "moved")
        #expect(Self.text(try client.command("GET", key)) == "moved")

        // ASK: slot of another key half-migrated from node 1 to node 2; the key is not on the
        // source any more, so node 1 answers ASK and the command must run on node 2 after ASKING.
        let other = Self.keys("a")[1]
        let otherSlot = RedisSlot.of(other)
        let source = cluster.nodeID(1), target = cluster.nodeID(2)
        RedisClusterProcess.send(cluster.ports[2], ["CLUSTER", "SETSLOT", String(otherSlot), "IMPORTING", source])
        RedisClusterProcess.send(cluster.ports[1], ["CLUSTER", "SETSLOT", String(otherSlot), "MIGRATING", target])
        #expect(try client.command(["SET", other, "asked"].map { Array($0.utf8) }, idempotent: false) == .status("OK"))
        // Without ASKING the importing node does not serve the slot yet: it redirects back.
        #expect(RedisClusterProcess.send(cluster.ports[2], ["GET", other])?.hasPrefix("MOVED") == true)
        #expect(Self.text(try client.command("GET", other)) == "asked")
        // A pipeline whose share for node 1 answers ASK: re-run one by one, order intact.
        let replies = try client.pipeline([["GET", other], ["SET", key, "again"]].map { $0.map { Array($0.utf8) } })
        #expect(replies == [.string(Array("asked".utf8)), .status("OK")])
    }

    /// Node 1 is killed: its keys fail fast (its breaker is open, no hang), the other nodes'
    /// keys keep working, readiness names the node; restarted, everything recovers without a
    /// new client.
    @Test func survivesANodeRestart() throws {
        let cluster = try #require(RedisClusterProcess())
        defer { cluster.stop() }
        let client = Self.client(cluster, seeds: 3, retry: 0.2)
        let keys = Self.keys("r")
        for key in keys { #expect(try client.command("SET", key, "1") == .status("OK")) }
        cluster.kill(1)
        #expect(throws: RedisError.self) { try client.command("GET", keys[1]) }
        let start = Monotonic.now()
        for _ in 0..<50 { _ = try? client.command("GET", keys[1]) }
        #expect(Monotonic.now() - start < 2.0, "calls to a dead node must fail fast")
        #expect(Self.text(try client.command("GET", keys[0])) == "1")
        #expect(Self.text(try client.command("GET", keys[2])) == "1")
        let problem = try #require(client.check())
        #expect(problem.message.contains("127.0.0.1:\(cluster.ports[1])"))
        #expect(client.lastError != nil)

        #expect(cluster.start(1))
        var recovered = false
        let deadline = Monotonic.now() + 10
        while Monotonic.now() < deadline {
            if (try? client.command("SET", keys[1], "2")) == .status("OK") { recovered = true; break }
            usleep(50_000)
        }
        #expect(recovered)
        #expect(Self.text(try client.command("GET", keys[1])) == "2")
        // The restarted node forgot its scripts: evaluate reloads there.
        let script = RedisScript(name: "get", source: "return redis.call('GET', KEYS[1])")
        #expect(Self.text(try client.evaluate(script, keys: [keys[1]], args: [])) == "2")
        var healthy = false
        for _ in 0..<100 where !healthy { healthy = client.check() == nil; if !healthy { usleep(50_000) } }
        #expect(healthy)
    }

    /// Nothing answers at the seed: calls fail fast and readiness says why.
    @Test func unreachableSeedsFailFast() {
        let port = RedisServerProcess.freePort()
        let client = RedisClient(clusterSeeds: [RedisEndpoint(host: "127.0.0.1", port: port)], retryIntervalSeconds: 5)
        #expect(throws: RedisError.self) { try client.command("GET", "x") }
        let start = Monotonic.now()
        for _ in 0..<100 { _ = try? client.command("GET", "x") }
        #expect(Monotonic.now() - start < 0.5)
        #expect(client.check() != nil)
        #expect(client.lastError != nil)
    }
}
