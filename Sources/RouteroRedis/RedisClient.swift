import Dispatch
import Glibc
import RouteroSystem
import Synchronization

/// A thread-safe Redis client: a bounded pool of blocking connections plus a circuit breaker.
///
/// When Redis is down, the first failure opens the circuit for `retryIntervalSeconds`; during
/// that time commands fail immediately with `.unavailable` instead of each request paying a
/// connect timeout. When the interval is over the circuit is half-open: exactly one caller is let
/// through as a probe while every other caller still fails fast; the probe's success closes the
/// circuit, its failure opens it for another interval. Callers decide what "unavailable" means
/// (the cache serves without caching).
public final class RedisClient: Sendable {
    private struct Breaker {
        /// 0 when closed; otherwise when the next probe may run.
        var openUntil = 0.0
        var lastError: String?
        /// A caller is probing a half-open circuit.
        var probing = false
    }

    private enum Admission { case closed, probe, open(String) }

    public let endpoint: RedisEndpoint
    private let retryIntervalSeconds: Double
    private let idle = Mutex<[RedisConnection]>([])
    private let permits: DispatchSemaphore
    private let breaker = Mutex(Breaker())
    /// SHA1 of each script Redis has loaded (`SCRIPT LOAD`), by source.
    private let scriptDigests = Mutex<[String: [UInt8]]>([:])

    /// - Parameters:
    ///   - maxConnections: connections open at once; more concurrent callers wait up to the
    ///     command timeout for one.
    public init(endpoint: RedisEndpoint, maxConnections: Int = 16, retryIntervalSeconds: Double = 1.0) {
        self.endpoint = endpoint
        self.retryIntervalSeconds = retryIntervalSeconds
        self.permits = DispatchSemaphore(value: maxConnections)
    }

    /// The last connection error while the circuit is open or half-open, nil when Redis looks healthy.
    public var lastError: String? {
        breaker.withLock { $0.openUntil > 0 ? $0.lastError : nil }
    }

    /// Runs one command. `idempotent` commands are retried once on a fresh connection when a
    /// pooled connection turns out to be dead (e.g. Redis restarted since it was opened).
    public func command(_ args: [[UInt8]], idempotent: Bool = true) throws(RedisError) -> RedisReply {
        let admission = breaker.withLock { b -> Admission in
            guard b.openUntil > 0 else { return .closed }
            if b.openUntil > Monotonic.now() || b.probing { return .open(b.lastError ?? "unknown error") }
            b.probing = true
            return .probe
        }
        if case .open(let reason) = admission {
            throw RedisError(kind: .unavailable, message: "circuit open: \(reason)")
        }
        do {
            let reply = try run(args, idempotent: idempotent)
            if case .probe = admission { breaker.withLock { $0 = Breaker() } }
            return reply
        } catch {
            trip(error.message)  // also ends a probe
            throw error
        }
    }

    /// Convenience for text arguments.
    public func command(_ args: String...) throws(RedisError) -> RedisReply {
        try command(args.map { Array($0.utf8) })
    }

    /// Runs `script` with `keys` and `args` by its digest. A server that does not know it (first
    /// use, a restarted or flushed Redis, another cluster node) answers `NOSCRIPT`; the script is
    /// then loaded and run once more, so callers never see that error.
    public func evaluate(_ script: RedisScript, keys: [String], args: [[UInt8]], idempotent: Bool = false)
        throws(RedisError) -> RedisReply
    {
        var digest = scriptDigests.withLock { $0[script.source] }
        if digest == nil { digest = try load(script) }
        let call = { (sha: [UInt8]) -> [[UInt8]] in
            [Array("EVALSHA".utf8), sha, Array(String(keys.count).utf8)] + keys.map { Array($0.utf8) } + args
        }
        let reply = try command(call(digest!), idempotent: idempotent)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            return try command(call(try load(script)), idempotent: idempotent)
        }
        return reply
    }

    /// Loads `script` (`SCRIPT LOAD`) and remembers its digest; used at start-up so the first
    /// request does not pay for it, and again whenever Redis has forgotten it.
    @discardableResult
    public func load(_ script: RedisScript) throws(RedisError) -> [UInt8] {
        let reply = try command([Array("SCRIPT".utf8), Array("LOAD".utf8), Array(script.source.utf8)])
        guard case .string(let sha) = reply else {
            throw RedisError(kind: .unavailable, message: "SCRIPT LOAD \(script.name): \(reply)")
        }
        scriptDigests.withLock { $0[script.source] = sha }
        return sha
    }

    /// Sends `commands` in one round trip and returns their replies in order (an `.error` reply
    /// for a command Redis refused). A thrown error means no reply can be trusted.
    public func pipeline(_ commands: [[[UInt8]]], idempotent: Bool = true) throws(RedisError) -> [RedisReply] {
        if commands.isEmpty { return [] }
        let admission = breaker.withLock { b -> Admission in
            guard b.openUntil > 0 else { return .closed }
            if b.openUntil > Monotonic.now() || b.probing { return .open(b.lastError ?? "unknown error") }
            b.probing = true
            return .probe
        }
        if case .open(let reason) = admission {
            throw RedisError(kind: .unavailable, message: "circuit open: \(reason)")
        }
        do {
            let replies = try withConnection(idempotent: idempotent) { c throws(RedisError) in try c.pipeline(commands) }
            if case .probe = admission { breaker.withLock { $0 = Breaker() } }
            return replies
        } catch {
            trip(error.message)
            throw error
        }
    }

    /// A readiness check: PING through the breaker. While the circuit is open it answers at once
    /// without touching the network, so a load balancer probing many times a second can neither
    /// hang on a dead Redis nor keep re-opening connections to it.
    public func check() -> RedisError? {
        do {
            let reply = try command(["PING"].map { Array($0.utf8) })
            if case .error(let m) = reply { return RedisError(kind: .unavailable, message: m) }
            return nil
        } catch {
            return error
        }
    }

    private func run(_ args: [[UInt8]], idempotent: Bool) throws(RedisError) -> RedisReply {
        try withConnection(idempotent: idempotent) { c throws(RedisError) in try c.run(args) }
    }

    private func withConnection<T>(idempotent: Bool, _ body: (RedisConnection) throws(RedisError) -> T) throws(RedisError) -> T {
        let wait = DispatchTime.now() + .milliseconds(endpoint.commandTimeoutMs)
        if permits.wait(timeout: wait) == .timedOut {
            throw RedisError(kind: .unavailable, message: "all \(endpoint) connections busy")
        }
        defer { permits.signal() }
        var attempts = idempotent ? 2 : 1
        while true {
            attempts -= 1
            let (connection, reused) = try checkout()
            do {
                let result = try body(connection)
                idle.withLock { $0.append(connection) }
                return result
            } catch {
                // The connection is out of sync or dead: drop it (deinit frees the context).
                if reused && attempts > 0 { continue }
                throw error
            }
        }
    }

    private func checkout() throws(RedisError) -> (RedisConnection, Bool) {
        if let c = idle.withLock({ $0.popLast() }) { return (c, true) }
        return (try RedisConnection(endpoint), false)
    }

    private func trip(_ message: String) {
        breaker.withLock {
            $0.openUntil = Monotonic.now() + retryIntervalSeconds
            $0.lastError = message
            $0.probing = false
        }
    }
}
