internal import CFastCGI
import Glibc
import RouteroSystem
import Synchronization

/// The listening socket nginx connects to: `unix:/path/to.sock` or `host:port`.
public final class FastCGIListener: Sendable {
    /// Why the socket could not be opened.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The listening file descriptor.
    public let fd: Int32
    /// The Unix socket path, when listening on one.
    public let unixPath: String?
    private let closed = Atomic<Bool>(false)

    /// Initializes libfcgi once per process and opens `address`.
    ///
    /// - Parameter address: `unix:/run/routero/w1.sock` or `127.0.0.1:9001` (also `:9001`).
    public init(address: String, backlog: Int32 = 1024) throws(OpenError) {
        _ = FastCGIListener.libraryInitialized
        var spec = address
        var path: String? = nil
        if address.hasPrefix("unix:") {
            spec = String(address.dropFirst(5))
            path = spec
            if spec.isEmpty { throw OpenError(description: "listen address '\(address)' has no socket path") }
        } else if !address.contains(":") {
            throw OpenError(description: "listen address '\(address)' is neither unix:/path nor host:port")
        }
        // libfcgi unlinks a stale socket file itself before binding.
        let fd = FCGX_OpenSocket(spec, backlog)
        if fd < 0 {
            throw OpenError(description: "cannot listen on \(address): \(String(cString: strerror(errno)))")
        }
        if let path {
            // nginx workers run as another user; the socket directory is what protects it.
            chmod(path, 0o666)
        }
        self.fd = fd
        self.unixPath = path
    }

    private static let libraryInitialized: Bool = {
        FCGX_Init()
        routero_ignore_sigpipe()
        return true
    }()

    /// Stops accepting new connections.
    ///
    /// A Unix socket is unlinked first, so nginx's next connect fails with ENOENT and goes to
    /// another worker before any request byte is sent (nginx never retries a POST it already
    /// sent). The backlog that is already queued is given up to a second to be accepted, then
    /// `shutdown` wakes every thread blocked in accept.
    public func close() {
        if closed.exchange(true, ordering: .sequentiallyConsistent) { return }
        if let unixPath {
            unlink(unixPath)
            let deadline = Monotonic.now() + 1.0
            while Monotonic.now() < deadline {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 0) <= 0 { break }
                usleep(10_000)
            }
        }
        shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// Process signal plumbing for a graceful stop.
public enum StopSignals {
    /// Blocks stop signals in the calling thread and every thread created after it.
    /// Call first thing in `main`, before any thread exists.
    public static func blockInAllThreads() { _ = routero_block_signals() }

    /// Blocks until SIGTERM, SIGINT or SIGHUP arrives; returns the signal number.
    public static func wait() -> Int32 { routero_wait_for_stop_signal() }
}
