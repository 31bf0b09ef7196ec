import Glibc

/// A TCP server on 127.0.0.1 that accepts connections, reads and discards whatever arrives and
/// never answers: a frozen Redis or a hung upstream as the kernel shows them (the handshake
/// completes, nothing comes back). Counts the connections it accepted.
public final class BlackholeServer: Sendable {
    private let listener = LoopbackListener(backlog: 256)

    public init() {
        listener.start { fd in
            var sink = [UInt8](repeating: 0, count: 4096)
            while read(fd, &sink, sink.count) > 0 {}
            close(fd)
        }
    }

    public var port: Int { listener.port }
    public var connections: Int { listener.connections.load(ordering: .relaxed) }

    public func stop() { listener.stop() }
}
