import Dispatch
import Glibc
import RouteroSystem
import Synchronization

/// A thread-safe Redis client: a bounded pool of blocking connections plus a circuit breaker.
///
/// When Redis is down, the first failure opens the circuit for `retryIntervalSeconds`; during
/// that time commands fail immediately with `.unavailable` instead of each request paying a
/// connect timeout. Callers decide what "unavailable" means (the cache serves without caching).
public final class RedisClient: Sendable {
    private struct Breaker {
        var openUntil = 0.0
        var lastError: String?
    }

    public let endpoint: RedisEndpoint
    private let retryIntervalSeconds: Double
    private let idle = Mutex<[RedisConnection]>([])
    private let permits: DispatchSemaphore
    private let breaker = Mutex(Breaker())

    /// - Parameters:
    ///   - maxConnections: connections open at once; more concurrent callers wait up to the
    ///     command timeout for one.
    public init(endpoint: RedisEndpoint, maxConnections: Int = 16, retryIntervalSeconds: Double = 1.0) {
        self.endpoint = endpoint
        self.retryIntervalSeconds = retryIntervalSeconds
        self.permits = DispatchSemaphore(value: maxConnections)
    }

    /// The last connection error while the circuit is open, nil when Redis looks healthy.
    public var lastError: String? {
        breaker.withLock { $0.openUntil > Monotonic.now() ? $0.lastError : nil }
    }

    /// Runs one command. `idempotent` commands are retried once on a fresh connection when a
    /// pooled connection turns out to be dead (e.g. Redis restarted since it was opened).
    public func command(_ args: [[UInt8]], idempotent: Bool = true) throws(RedisError) -> RedisReply {
        let open = breaker.withLock { $0.openUntil > Monotonic.now() ? $0.lastError : nil }
        if let open { throw RedisError(kind: .unavailable, message: "circuit open: \(open)") }
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
                let reply = try connection.run(args)
                idle.withLock { $0.append(connection) }
                return reply
            } catch {
                // The connection is out of sync or dead: drop it (deinit frees the context).
                if reused && attempts > 0 { continue }
                trip(error.message)
                throw error
            }
        }
    }

    /// Convenience for text arguments.
    public func command(_ args: String...) throws(RedisError) -> RedisReply {
        try command(args.map { Array($0.utf8) })
    }

    /// A PING that bypasses the breaker, for readiness checks.
    public func ping() -> RedisError? {
        breaker.withLock { $0.openUntil = 0 }
        do {
            let reply = try command(["PING"].map { Array($0.utf8) })
            if case .error(let m) = reply { return RedisError(kind: .unavailable, message: m) }
            return nil
        } catch {
            return error
        }
    }

    private func checkout() throws(RedisError) -> (RedisConnection, Bool) {
        if let c = idle.withLock({ $0.popLast() }) { return (c, true) }
        do {
            return (try RedisConnection(endpoint), false)
        } catch {
            trip(error.message)
            throw error
        }
    }

    private func trip(_ message: String) {
        breaker.withLock {
            $0.openUntil = Monotonic.now() + retryIntervalSeconds
            $0.lastError = message
        }
    }
}
