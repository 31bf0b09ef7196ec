internal import CFastCGI
import Glibc
import RouteroSystem
import Synchronization

/// Serves FastCGI requests with an elastic pool of blocking threads.
///
/// Every pool thread loops `FCGX_Accept_r` on the shared listening socket (libfcgi on Linux is
/// built without an accept lock, and concurrent `accept` is safe). When a thread accepts and sees
/// that no other thread is left waiting, it spawns one more, up to `maxThreads`; threads above
/// `minSpareThreads` idle ones exit. With nginx's `fastcgi_keep_conn on`, a thread keeps its
/// connection and waits on it for the next request; such parked threads are not counted as
/// accepting, so the pool still grows and an idle kept connection can never starve new ones
/// (the thread-per-connection trap in STACK.md §2).
public final class FastCGIServer: @unchecked Sendable {
    /// Tunables of the thread pool.
    public struct Configuration: Sendable {
        /// Threads that wait in accept even when idle.
        public var minSpareThreads: Int
        /// Upper bound on threads, i.e. on concurrent requests; further connections wait in
        /// the listen backlog.
        public var maxThreads: Int
        /// Stack size per request thread.
        public var threadStackBytes: Int
        public init(minSpareThreads: Int = 8, maxThreads: Int = 4096, threadStackBytes: Int = 512 * 1024) {
            self.minSpareThreads = minSpareThreads
            self.maxThreads = maxThreads
            self.threadStackBytes = threadStackBytes
        }
    }

    private let listener: FastCGIListener
    private let configuration: Configuration
    private let handler: @Sendable (FastCGIRequest) -> Void
    private let waiting = Atomic<Int>(0)
    private let threads = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    private let parked = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    /// Creates a server on an open listener; `handler` runs on a request thread per request.
    public init(listener: FastCGIListener, configuration: Configuration,
                handler: @escaping @Sendable (FastCGIRequest) -> Void) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
    }

    /// Requests being handled right now.
    public var inFlight: Int { active.load(ordering: .relaxed) }
    /// Threads alive in the pool.
    public var threadCount: Int { threads.load(ordering: .relaxed) }

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
    public var keptIdle: Int { parked.load(ordering: .relaxed) }

    /// Waits until no request is in flight and nginx has closed its idle kept connections (its
    /// upstream `keepalive_timeout`), or `seconds` pass; returns the requests left in flight.
    ///
    /// Exiting while nginx still holds an idle kept connection would race with a request it
    /// sends on it at that moment, which nginx does not retry for POST.
    public func waitForDrain(seconds: Double) -> Int {
        let deadline = Monotonic.now() + seconds
        while (inFlight > 0 || keptIdle > 0) && Monotonic.now() < deadline {
            usleep(20_000)
        }
        return inFlight
    }

    private func spawn() {
        while true {
            let n = threads.load(ordering: .relaxed)
            if n >= configuration.maxThreads { return }
            if threads.compareExchange(expected: n, desired: n + 1, ordering: .relaxed).exchanged { break }
        }
        let ok = NativeThread.detach(stackBytes: configuration.threadStackBytes) { [self] in
            self.acceptLoop()
        }
        if !ok { threads.subtract(1, ordering: .relaxed) }
    }

    private func acceptLoop() {
        let raw = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { raw.deallocate(); threads.subtract(1, ordering: .relaxed) }
        FCGX_InitRequest(raw, listener.fd, 0)
        while true {
            let kept = raw.pointee.ipcFd >= 0
            if kept {
                // nginx kept the connection (fastcgi_keep_conn on): wait for its next request
                // here, so libfcgi never blocks in a read we cannot account for.
                parked.add(1, ordering: .relaxed)
                let next = KeptConnection.waitForNextRequest(fd: raw.pointee.ipcFd)
                parked.subtract(1, ordering: .relaxed)
                if next == .closed {
                    FCGX_Free(raw, 1)  // closes the fd; ipcFd becomes -1
                    continue
                }
            } else {
                if stopping.load(ordering: .relaxed) { break }
                waiting.add(1, ordering: .relaxed)
            }
            let rc = FCGX_Accept_r(raw)
            if !kept { waiting.subtract(1, ordering: .relaxed) }
            if rc < 0 {
                // The listener was shut down (drain) or accept failed transiently.
                if stopping.load(ordering: .relaxed) { break }
                usleep(1000)
                continue
            }
            // Always keep one thread blocked in accept on the listening socket.
            if waiting.load(ordering: .relaxed) == 0 { spawn() }
            active.add(1, ordering: .relaxed)
            let request = FastCGIRequest(raw: raw)
            handler(request)
            request.drainBody()
            if stopping.load(ordering: .relaxed) {
                // Draining: answer what arrives on kept connections, then close them.
                raw.pointee.keepConnection = 0
            }
            FCGX_Finish_r(raw)
            active.subtract(1, ordering: .relaxed)
            // Retire only well above the spare count (spawning and retiring around the same
            // threshold churns threads), and never while holding a kept connection: nobody else
            // would read it.
            if raw.pointee.ipcFd < 0,
               waiting.load(ordering: .relaxed) >= max(4 * configuration.minSpareThreads, 32) { break }
        }
        FCGX_Free(raw, 1)
    }
}
