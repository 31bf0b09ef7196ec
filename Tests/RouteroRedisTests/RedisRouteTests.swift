@testable import RouteroRedis
import Testing

/// The cluster routing rule, redirection parsing and the CLUSTER SLOTS reader, without a server.
struct RedisRouteTests {
    static func route(_ args: String..., key: String? = nil) -> RedisRoute {
        RedisRoute.of(args.map { Array($0.utf8) }, routingKey: key.map { Array($0.utf8) })
    }

    @Test func keyedCommandsRouteByTheirSecondArgument() {
        for name in ["GET", "set", "DEL", "INCRBY", "PEXPIRE", "PTTL", "HGET", "ZADD", "MGET"] {
            #expect(Self.route(name, "{t}k", "1") == .slot(RedisSlot.of("t")), "\(name)")
        }
        #expect(Self.route("OBJECT", "ENCODING", "k", key: "k") == .slot(RedisSlot.of("k")))
    }

    @Test func scriptsRouteByTheirFirstKey() {
        #expect(Self.route("EVALSHA", "abc", "2", "{x}a", "{x}b", "arg") == .slot(RedisSlot.of("x")))
        #expect(Self.route("eval", "return 1", "0", "notakey") == .anyNode)
        #expect(Self.route("EVALSHA", "abc", "junk") == .anyNode)
    }

    @Test func keylessAndBroadcastCommands() {
        #expect(Self.route("PING") == .anyNode)
        #expect(Self.route("CLUSTER", "SLOTS") == .anyNode)
        #expect(Self.route("SCRIPT", "LOAD", "return 1") == .everyNode)
        #expect(Self.route("FLUSHALL") == .everyNode)
        #expect(RedisRoute.of([]) == .anyNode)
    }

    @Test func redirections() {
        #expect(RedisRedirect("MOVED 3999 127.0.0.1:6381", answeredBy: "h")
                == RedisRedirect("MOVED 3999 127.0.0.1:6381", answeredBy: "other"))
        let ask = RedisRedirect("ASK 12 [::1]:7000", answeredBy: "h")
        #expect(ask?.kind == .ask && ask?.host == "::1" && ask?.port == 7000 && ask?.slot == 12)
        #expect(RedisRedirect("MOVED 5 :7001", answeredBy: "10.0.0.9")?.host == "10.0.0.9")
        #expect(RedisRedirect("MOVED 16384 h:1", answeredBy: "h") == nil)
        #expect(RedisRedirect("ERR wrong number of arguments", answeredBy: "h") == nil)
        #expect(RedisRedirect("NOSCRIPT No matching script", answeredBy: "h") == nil)
    }

    @Test func clusterSlotsReply() throws {
        let node = { (ip: String, port: Int) -> RedisReply in .array([.string(Array(ip.utf8)), .integer(port), .string(Array("id".utf8))]) }
        let reply = RedisReply.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(16383), node("", 7001)]),
        ])
        #expect(try RedisCluster.parseSlots(reply, askedHost: "10.0.0.2") == [
            .init(slots: 0...5460, host: "10.0.0.1", port: 7000),
            .init(slots: 5461...16383, host: "10.0.0.2", port: 7001),
        ])
        #expect(throws: RedisError.self) { try RedisCluster.parseSlots(.array([]), askedHost: "h") }
        #expect(throws: RedisError.self) {
            try RedisCluster.parseSlots(.error("ERR This instance has cluster support disabled"), askedHost: "h")
        }
        #expect(throws: RedisError.self) {
            try RedisCluster.parseSlots(.array([.array([.integer(5), .integer(2), node("h", 1)])]), askedHost: "h")
        }
    }
}
