import Glibc
import RouteroSystem
import Synchronization

/// A TCP server on 127.0.0.1 that accepts connections, reads and discards whatever arrives and
/// never answers: a frozen Redis or a hung upstream as the kernel shows them (the handshake
/// completes, nothing comes back). Counts the connections it accepted.
public final class BlackholeServer: Sendable {
    public let port: Int
    private let listenFD: Int32
    public let connections = Atomic<Int>(0)

    public init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 256)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        _ = NativeThread.detach { [self] in acceptLoop() }
    }

    public func stop() { shutdown(listenFD, Int32(SHUT_RDWR)); close(listenFD) }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            connections.add(1, ordering: .relaxed)
            _ = NativeThread.detach {
                var sink = [UInt8](repeating: 0, count: 4096)
                while read(fd, &sink, sink.count) > 0 {}
                close(fd)
            }
        }
    }
}
