import Glibc
import RouteroSystem
import Synchronization

/// TCP sockets on 127.0.0.1 for the test servers.
public enum LoopbackSocket {
    /// A socket bound to 127.0.0.1 on a free port, listening with `backlog` (or only bound when
    /// `backlog` is nil); returns the descriptor and the port.
    public static func bound(listening backlog: Int32? = 64) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ptr in
                _ = bind(fd, ptr, len)
                return getsockname(fd, ptr, &len)
            }
        }
        if let backlog { listen(fd, backlog) }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}

/// A listening loopback socket whose every accepted connection is served on its own thread.
public final class LoopbackListener: Sendable {
    public let port: Int
    private let fd: Int32
    /// Connections accepted so far.
    public let connections = Atomic<Int>(0)

    public init(backlog: Int32 = 64) {
        (fd, port) = LoopbackSocket.bound(listening: backlog)
    }

    /// Starts accepting; `serve` owns (and closes) each connection's descriptor.
    public func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        _ = NativeThread.detach { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }
                connections.add(1, ordering: .relaxed)
                _ = NativeThread.detach { serve(connection) }
            }
        }
    }

    public func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}
