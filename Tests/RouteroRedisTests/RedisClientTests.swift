import Glibc
import RouteroRedis
import RouteroSystem
import RouteroTestSupport
import Testing

@Suite(.serialized, .enabled(if: RedisServerProcess.available, "redis-server is not installed"))
struct RedisClientTests {
    @Test func binarySafeRoundTrip() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }  // also keeps the server alive until the test ends
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
        let value: [UInt8] = [0, 1, 2, 0, 255, 10, 13, 0]
        #expect(try client.command([Array("SET".utf8), Array("k\u{0}ey".utf8), value]) == .status("OK"))
        #expect(try client.command([Array("GET".utf8), Array("k\u{0}ey".utf8)]) == .string(value))
        #expect(try client.command("GET", "missing") == .null)
        #expect(try client.command("INCR", "n") == .integer(1))
        if case .error = try client.command("NOSUCHCOMMAND") {} else { Issue.record("expected an error reply") }
        #expect(client.ping() == nil)
    }

    @Test func downRedisFailsFastThroughTheBreaker() throws {
        let port = RedisServerProcess.freePort()  // nothing listens here
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), retryIntervalSeconds: 5)
        #expect(throws: RedisError.self) { try client.command("GET", "x") }
        let start = Monotonic.now()
        for _ in 0..<100 { _ = try? client.command("GET", "x") }
        // With the circuit open, 100 calls cost no connect attempts at all.
        #expect(Monotonic.now() - start < 0.05)
        #expect(client.lastError != nil)
        #expect(client.ping() != nil)
    }

    @Test func reconnectsAfterARestart() throws {
        var server = try #require(RedisServerProcess())
        let port = server.port
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), retryIntervalSeconds: 0.05)
        #expect(try client.command("SET", "a", "1") == .status("OK"))
        server.stop()
        #expect(throws: RedisError.self) { try client.command("GET", "a") }
        // A new server on the same port: the pooled connection is dead, a fresh one works.
        server = try #require(RedisServerProcess(port: port))
        defer { server.stop() }
        usleep(100_000)
        #expect(try client.command("SET", "a", "2") == .status("OK"))
    }

    @Test func frozenRedisTimesOutInsteadOfHanging() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port, commandTimeoutMs: 200))
        #expect(try client.command("PING") == .status("PONG"))
        server.pause()
        let start = Monotonic.now()
        #expect(throws: RedisError.self) { try client.command("GET", "x") }
        let elapsed = Monotonic.now() - start
        // Two tries (a pooled connection is retried once on a fresh one), 200 ms each at most.
        #expect(elapsed < 1.5)
    }
}

