internal import CFastCGI
import Glibc
import RouteroSystem
import Synchronization

/// Serves FastCGI requests with connection loops on an elastic pool of blocking threads.
///
/// Every connection loop is a task on an ``ElasticExecutor``: it blocks its thread in
/// `FCGX_Accept_r` on the shared listening socket (libfcgi on Linux is built without an accept
/// lock, and concurrent `accept` is safe), then runs the handler. When a loop accepts and sees
/// that no other loop is left waiting, it starts one more, up to `maxThreads`; loops above
/// `minSpareThreads` idle ones end. With nginx's `fastcgi_keep_conn on`, a loop keeps its
/// connection and waits on it for the next request; such parked loops are not counted as
/// accepting, so the pool still grows and an idle kept connection can never starve new ones
/// (the thread-per-connection trap in STACK.md §2).
///
/// The handler may block its thread, and the executor adds threads while every one is busy.
/// Where it suspends instead (a held stream between chunks), and while a kept connection waits,
/// the loop holds no thread: thousands of held streams cost a few threads, not a stack each.
///
/// Admission: at most `maxConcurrentRequests` requests run the handler at once. One more is
/// answered at once by the `overloaded` handler (an error with `retry-after`), instead of waiting
/// in the listen backlog until nginx gives up on it.
public final class FastCGIServer: Sendable {
    /// Tunables of the thread pool.
    public struct Configuration: Sendable {
        /// Threads that wait in accept even when idle.
        public var minSpareThreads: Int
        /// Requests that run the handler at once; further ones get the `overloaded` answer.
        public var maxConcurrentRequests: Int
        /// Hard bound on connection loops (running requests, kept connections waiting, and
        /// `overloaded` answers) and on threads. Past it, connections wait in the listen backlog.
        public var maxThreads: Int
        /// Stack size per request thread.
        public var threadStackBytes: Int
        /// Test seam: runs right after `FCGX_Accept_r` returns, before any counter changes, so a
        /// test can hold a thread where a preemption would otherwise be needed to expose a race.
        var afterAccept: (@Sendable () -> Void)?

        /// - Parameter maxThreads: defaults to `maxConcurrentRequests + 1024`, room for nginx's
        ///   idle kept connections (its upstream `keepalive` per nginx worker process) and rejections.
        public init(minSpareThreads: Int = 8, maxConcurrentRequests: Int = 4096, maxThreads: Int? = nil,
                    threadStackBytes: Int = 512 * 1024) {
            self.minSpareThreads = minSpareThreads
            self.maxConcurrentRequests = maxConcurrentRequests
            self.maxThreads = maxThreads ?? maxConcurrentRequests + 1024
            self.threadStackBytes = threadStackBytes
        }
    }

    private let listener: FastCGIListener
    private let configuration: Configuration
    private let handler: @Sendable (FastCGIRequest) async -> Void
    private let executor: ElasticExecutor
    private let overloaded: @Sendable (FastCGIRequest) -> Void
    private let waiting = Atomic<Int>(0)
    private let loops = Atomic<Int>(0)
    /// Requests between accept and finish, admitted or not (what drain waits for).
    private let active = Atomic<Int>(0)
    /// Requests running the handler (what admission limits).
    private let admitted = Atomic<Int>(0)
    private let parked = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    /// Creates a server on an open listener; `handler` runs once per request, on a request thread.
    /// - Parameter overloaded: answers a request that arrives while `maxConcurrentRequests` are
    ///   running; by default a plain-text 503 with `retry-after: 1`.
    public init(listener: FastCGIListener, configuration: Configuration,
                handler: @escaping @Sendable (FastCGIRequest) async -> Void,
                overloaded: (@Sendable (FastCGIRequest) -> Void)? = nil) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
        self.executor = ElasticExecutor(maxThreads: configuration.maxThreads, keepIdle: configuration.minSpareThreads,
                                        stackBytes: configuration.threadStackBytes)
        self.overloaded = overloaded ?? { request in
            request.respond(status: 503, headers: [("Content-Type", "text/plain"), ("Retry-After", "1")],
                            body: Array("overloaded\n".utf8))
        }
    }

    /// Requests being handled right now (admitted or being rejected).
    public var inFlight: Int { active.load(ordering: .sequentiallyConsistent) }
    /// Threads alive in the pool.
    public var threadCount: Int { executor.threadCount }
    /// Threads running a job now: a loop in accept, a request running or blocked (tests).
    var busyThreads: Int { executor.busyThreads }
    /// Connection loops: waiting in accept, serving a request, or waiting on a kept connection.
    var loopCount: Int { loops.load(ordering: .relaxed) }
    /// Threads waiting in accept (tests: spare threads count here once they have started).
    var accepting: Int { waiting.load(ordering: .sequentiallyConsistent) }

    /// Starts the spare threads and returns.
    public func start() {
        for _ in 0..<max(1, configuration.minSpareThreads) { spawn() }
    }

    /// Stops accepting: new connections go to the other workers (nginx retries a socket that
    /// refuses), connections already queued on ours are still served.
    public func stopAccepting() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        listener.close()
    }

    /// Idle kept connections, each waiting for nginx's next request on it.
    public var keptIdle: Int { parked.load(ordering: .sequentiallyConsistent) }

    /// Waits until no request is in flight, no thread is still inside accept, and nginx has
    /// closed its idle kept connections (its upstream `keepalive_timeout`), or `seconds` pass;
    /// returns the requests left in flight.
    ///
    /// Exiting while nginx still holds an idle kept connection would race with a request it
    /// sends on it at that moment, which nginx does not retry for POST. A thread still inside
    /// accept may hold a connection it has not counted yet; after `stopAccepting` every such
    /// thread returns promptly, so waiting for them costs nothing.
    public func waitForDrain(seconds: Double) -> Int {
        let deadline = Monotonic.now() + seconds
        while busy && Monotonic.now() < deadline {
            usleep(20_000)
        }
        return inFlight
    }

    private var busy: Bool {
        active.load(ordering: .sequentiallyConsistent) > 0 || parked.load(ordering: .sequentiallyConsistent) > 0
            || waiting.load(ordering: .sequentiallyConsistent) > 0
    }

    private func spawn() {
        while true {
            let n = loops.load(ordering: .relaxed)
            if n >= configuration.maxThreads { return }
            if loops.compareExchange(expected: n, desired: n + 1, ordering: .relaxed).exchanged { break }
        }
        Task(executorPreference: executor) { [self] in await connectionLoop() }
    }

    private func connectionLoop() async {
        let raw = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { raw.deallocate(); loops.subtract(1, ordering: .relaxed) }
        FCGX_InitRequest(raw, listener.fd, 0)
        // Counter order matters for drain: a request is counted as active before the thread
        // stops counting as parked or waiting, so `busy` can never read false in between.
        while true {
            let kept = raw.pointee.ipcFd >= 0
            if kept {
                // nginx kept the connection (fastcgi_keep_conn on): wait for its next request
                // here, so libfcgi never blocks in a read we cannot account for.
                parked.add(1, ordering: .sequentiallyConsistent)
                let next = await KeptConnection.nextRequest(fd: raw.pointee.ipcFd)
                if next == .closed {
                    parked.subtract(1, ordering: .sequentiallyConsistent)
                    FCGX_Free(raw, 1)  // closes the fd; ipcFd becomes -1
                    if enoughAccepting { break }
                    continue
                }
                active.add(1, ordering: .sequentiallyConsistent)
                parked.subtract(1, ordering: .sequentiallyConsistent)
            } else {
                if stopping.load(ordering: .sequentiallyConsistent) { break }
                waiting.add(1, ordering: .sequentiallyConsistent)
            }
            let rc = FCGX_Accept_r(raw)
            configuration.afterAccept?()
            if !kept {
                if rc >= 0 { active.add(1, ordering: .sequentiallyConsistent) }
                waiting.subtract(1, ordering: .sequentiallyConsistent)
            }
            if rc < 0 {
                if kept { active.subtract(1, ordering: .sequentiallyConsistent) }
                // The listener was shut down (drain) or accept failed transiently.
                if stopping.load(ordering: .sequentiallyConsistent) { break }
                usleep(1000)
                continue
            }
            // Always keep one thread blocked in accept on the listening socket.
            if waiting.load(ordering: .relaxed) == 0 { spawn() }
            let request = FastCGIRequest(raw: raw)
            if admitted.add(1, ordering: .relaxed).newValue > configuration.maxConcurrentRequests {
                admitted.subtract(1, ordering: .relaxed)
                overloaded(request)
            } else {
                await handler(request)
                admitted.subtract(1, ordering: .relaxed)
            }
            request.drainBody()
            request.stopWatchingClient()
            if stopping.load(ordering: .sequentiallyConsistent) || request.misuse != nil {
                // Draining: answer what arrives on kept connections, then close them. A response
                // the handler wrote out of order cannot be trusted to have framed correctly.
                raw.pointee.keepConnection = 0
            }
            FCGX_Finish_r(raw)
            active.subtract(1, ordering: .sequentiallyConsistent)
            // Never end while holding a kept connection: nobody else would read it.
            if raw.pointee.ipcFd < 0, enoughAccepting { break }
        }
        FCGX_Free(raw, 1)
    }

    /// Whether a loop without a connection should end instead of going back to accept. A loop
    /// in accept holds a thread, and a loop is cheap to start again (a task; the executor keeps
    /// its idle threads), so loops beyond the spare count end. Otherwise every stream that
    /// ends would leave one thread blocked in accept: 2,000 of them after a burst of streams.
    private var enoughAccepting: Bool {
        waiting.load(ordering: .relaxed) >= max(1, configuration.minSpareThreads)
    }
}
