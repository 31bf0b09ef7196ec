import Glibc
import RouteroRedis
import RouteroSystem
import RouteroTestSupport
import Synchronization
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
        #expect(client.check() == nil)
    }

    @Test func scriptsSurviveAFlushedScriptCache() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
        let script = RedisScript(name: "incr-by", source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try client.evaluate(script, keys: ["{t}:n"], args: [Array("2".utf8)]) == .integer(2))
        // Redis forgets every script (as after a restart): NOSCRIPT is absorbed by reloading.
        #expect(try client.command("SCRIPT", "FLUSH") == .status("OK"))
        #expect(try client.evaluate(script, keys: ["{t}:n"], args: [Array("3".utf8)]) == .integer(5))
        // A script error is a reply, not a thrown transport error.
        let broken = RedisScript(name: "broken", source: "return redis.call('NOSUCH')")
        if case .error = try client.evaluate(broken, keys: [], args: []) {} else { Issue.record("expected an error reply") }
    }

    @Test func pipelineAnswersInOrderInOneRoundTrip() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
        let replies = try client.pipeline([["SET", "p", "1"], ["INCR", "p"], ["NOSUCH"], ["GET", "p"]]
            .map { $0.map { Array($0.utf8) } })
        #expect(replies.count == 4)
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .integer(2))
        if case .error = replies[2] {} else { Issue.record("expected an error reply for NOSUCH") }
        #expect(replies[3] == .string(Array("2".utf8)))
        #expect(try client.command("PING") == .status("PONG"))  // the connection is still in sync
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
        #expect(client.check() != nil)
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

    /// Readiness probes many times a second against a frozen Redis (the handshake completes,
    /// PING never answers): each probe returns quickly and the breaker still decides when the
    /// network is tried again -- one probe per interval, not one per caller.
    @Test func readinessChecksRespectTheBreaker() throws {
        let frozen = BlackholeServer()
        defer { frozen.stop() }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: frozen.port, commandTimeoutMs: 100),
                                 retryIntervalSeconds: 0.3)
        let start = Monotonic.now()
        var calls = 0
        var slowest = 0.0
        while Monotonic.now() - start < 1.5 {
            let t0 = Monotonic.now()
            #expect(client.check() != nil)
            slowest = max(slowest, Monotonic.now() - t0)
            calls += 1
            usleep(20_000)
        }
        #expect(slowest < 0.5)
        #expect(calls >= 40, "probes blocked: only \(calls) in 1.5 s")
        // 1.5 s / 0.3 s intervals: about five probes reach the network, plus slack.
        #expect(frozen.connections <= 8)
    }

    /// After the interval exactly one caller probes; the others keep failing fast meanwhile.
    @Test func aHalfOpenCircuitLetsOneProbeThrough() throws {
        let frozen = BlackholeServer()
        defer { frozen.stop() }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: frozen.port, commandTimeoutMs: 300),
                                 retryIntervalSeconds: 0.1)
        _ = client.check()  // opens the circuit
        usleep(150_000)     // half-open now
        let before = frozen.connections
        let done = Atomic<Int>(0)
        for _ in 0..<8 {
            _ = NativeThread.detach {
                _ = try? client.command("GET", "x")
                done.add(1, ordering: .relaxed)
            }
        }
        usleep(100_000)
        // Seven callers failed fast while the single probe still waits on the frozen server.
        #expect(done.load(ordering: .relaxed) >= 7)
        #expect(frozen.connections - before == 1)
        usleep(400_000)
        #expect(done.load(ordering: .relaxed) == 8)
    }
}
