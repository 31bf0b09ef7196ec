import Dispatch
import RouteroSystem
import Synchronization

/// The connections to one Redis server (a standalone Redis, or one node of a cluster): a bounded
/// pool of blocking connections behind that server's own circuit breaker.
///
/// When the server is down, the first failure opens the circuit for `retryIntervalSeconds`; during
/// that time calls fail immediately with `.unavailable` instead of each request paying a connect
/// timeout. When the interval is over the circuit is half-open: exactly one caller is let through
/// as a probe while every other caller still fails fast; the probe's success closes the circuit,
/// its failure opens it for another interval. In a cluster every node has its own breaker, so one
/// dead node costs only the keys it serves.
final class RedisNodePool: Sendable {
    private struct Breaker {
        /// 0 when closed; otherwise when the next probe may run.
        var openUntil = 0.0
        var lastError: String?
        /// A caller is probing a half-open circuit.
        var probing = false
    }

    private enum Admission { case closed, probe, open(String) }

    let endpoint: RedisEndpoint
    private let retryIntervalSeconds: Double
    private let idle = Mutex<[RedisConnection]>([])
    private let permits: DispatchSemaphore
    private let breaker = Mutex(Breaker())

    /// - Parameter maxConnections: connections open at once; more concurrent callers wait up to
    ///   the command timeout for one, then fail (a pool wait is bounded like everything else).
    init(endpoint: RedisEndpoint, maxConnections: Int, retryIntervalSeconds: Double) {
        self.endpoint = endpoint
        self.retryIntervalSeconds = retryIntervalSeconds
        self.permits = DispatchSemaphore(value: maxConnections)
    }

    /// The last connection error while the circuit is open or half-open, nil when the server looks healthy.
    var lastError: String? {
        breaker.withLock { $0.openUntil > 0 ? $0.lastError : nil }
    }

    /// Whether a call now would be refused without touching the network.
    var refusesCalls: Bool {
        breaker.withLock { $0.openUntil > 0 && ($0.openUntil > Monotonic.now() || $0.probing) }
    }

    /// Runs one command. `idempotent` commands are retried once on a fresh connection when a
    /// pooled connection turns out to be dead (e.g. the server restarted since it was opened).
    func run(_ args: [[UInt8]], idempotent: Bool) throws(RedisError) -> RedisReply {
        try throughBreaker { () throws(RedisError) in
            try withConnection(idempotent: idempotent) { c throws(RedisError) in try c.run(args) }
        }
    }

    /// Sends `commands` in one round trip and returns their replies in order.
    func pipeline(_ commands: [[[UInt8]]], idempotent: Bool) throws(RedisError) -> [RedisReply] {
        try throughBreaker { () throws(RedisError) in
            try withConnection(idempotent: idempotent) { c throws(RedisError) in try c.pipeline(commands) }
        }
    }

    private func throughBreaker<T>(_ body: () throws(RedisError) -> T) throws(RedisError) -> T {
        let admission = breaker.withLock { b -> Admission in
            guard b.openUntil > 0 else { return .closed }
            if b.openUntil > Monotonic.now() || b.probing { return .open(b.lastError ?? "unknown error") }
            b.probing = true
            return .probe
        }
        if case .open(let reason) = admission {
            throw RedisError(kind: .unavailable, message: "circuit open for \(endpoint.address): \(reason)")
        }
        do {
            let result = try body()
            if case .probe = admission { breaker.withLock { $0 = Breaker() } }
            return result
        } catch {
            trip(error.message)  // also ends a probe
            throw error
        }
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
