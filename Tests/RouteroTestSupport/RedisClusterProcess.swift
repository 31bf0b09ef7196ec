import Glibc
import RouteroSystem

/// A throwaway 3-master Redis Cluster on loopback (redis-server 7.0+, no replicas), built with
/// `CLUSTER ADDSLOTSRANGE` + `CLUSTER MEET` so it needs no redis-cli and is ready in about a
/// second. `cluster-require-full-coverage no` keeps the other nodes serving while one is down,
/// which is what a node-restart test needs to see.
public final class RedisClusterProcess {
    public private(set) var nodes: [RedisServerProcess] = []
    /// Slot ranges of the nodes, in order.
    public static let ranges: [ClosedRange<Int>] = [0...5460, 5461...10922, 10923...16383]
    private let directory: String
    private var busPorts: [Int] = []

    /// Up to three tries, each on fresh ports: on a loaded machine a port picked free can be
    /// taken before redis binds it, and then that node never joins.
    public init?() {
        var template = Array("/tmp/routero-cluster-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        directory = String(cString: dir)
        for _ in 0..<3 {
            if assemble() { return }
            stopNodes()
        }
        stop()
        return nil
    }

    private func assemble() -> Bool {
        for _ in 0..<3 {
            let bus = RedisServerProcess.freePort()
            busPorts.append(bus)
            guard let node = RedisServerProcess(extraArguments: arguments(bus: bus)) else { return false }
            nodes.append(node)
        }
        for (node, range) in zip(nodes, Self.ranges) {
            _ = Self.send(node.port, ["CLUSTER", "ADDSLOTSRANGE", String(range.lowerBound), String(range.upperBound)])
        }
        meet()
        return waitUntilConsistent()
    }

    /// Introduces every node to node 0. Repeated while waiting: a MEET is fire-and-forget, and
    /// one lost handshake would otherwise leave a node out for good.
    private func meet() {
        for index in 1..<nodes.count {
            _ = Self.send(nodes[0].port, ["CLUSTER", "MEET", "127.0.0.1", String(nodes[index].port), String(busPorts[index])])
        }
    }

    deinit { stop() }

    public var ports: [Int] { nodes.map(\.port) }

    /// The node id (`CLUSTER MYID`) of node `index`.
    public func nodeID(_ index: Int) -> String {
        Self.send(nodes[index].port, ["CLUSTER", "MYID"]) ?? ""
    }

    /// Kills node `index` (SIGKILL: no goodbye to the others).
    public func kill(_ index: Int) { nodes[index].stop() }

    /// Starts node `index` again on its port with its saved cluster config (same id, same
    /// slots), then waits until the cluster agrees again. False if it did not.
    @discardableResult
    public func start(_ index: Int) -> Bool {
        let port = nodes[index].port
        guard let node = RedisServerProcess(port: port, extraArguments: arguments(bus: busPorts[index])) else {
            return false
        }
        nodes[index] = node
        return waitUntilConsistent()
    }

    /// Moves an (empty) `slot` from node `from` to node `to` the way a resharding does:
    /// IMPORTING on the target, MIGRATING on the source, then `SETSLOT … NODE` on the target
    /// first (which bumps its config epoch, so gossip cannot undo it) and on the others.
    public func moveSlot(_ slot: Int, from: Int, to: Int) {
        let source = nodeID(from), target = nodeID(to)
        Self.send(nodes[to].port, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source])
        Self.send(nodes[from].port, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", target])
        Self.send(nodes[to].port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target])
        for (i, node) in nodes.enumerated() where i != to {
            Self.send(node.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target])
        }
    }

    /// The index of the node serving `slot` according to the launcher's layout.
    public static func node(forSlot slot: Int) -> Int { ranges.firstIndex { $0.contains(slot) }! }

    public func stop() {
        stopNodes()
        rmdir(directory)
    }

    private func stopNodes() {
        nodes.forEach { $0.stop() }
        for bus in busPorts { unlink("\(directory)/nodes-\(bus).conf") }
        nodes = []
        busPorts = []
    }

    private func arguments(bus: Int) -> [String] {
        // The config file is named by bus port so a restarted node finds its own.
        ["--cluster-enabled", "yes", "--cluster-config-file", "\(directory)/nodes-\(bus).conf",
         "--cluster-port", String(bus), "--cluster-node-timeout", "2000",
         "--cluster-require-full-coverage", "no", "--dir", directory]
    }

    /// Every node reports `cluster_state:ok` and knows three masters.
    private func waitUntilConsistent(timeout: Double = 15) -> Bool {
        let deadline = Monotonic.now() + timeout
        var nextMeet = Monotonic.now() + 2
        while Monotonic.now() < deadline {
            let ok = nodes.allSatisfy { node in
                let info = Self.send(node.port, ["CLUSTER", "INFO"]) ?? ""
                return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3")
                    && info.contains("cluster_slots_assigned:16384")
            }
            if ok { return true }
            usleep(50_000)
            if Monotonic.now() > nextMeet { meet(); nextMeet = Monotonic.now() + 2 }
        }
        return false
    }

    /// One command over a fresh connection; the reply's text (status, error, integer or bulk
    /// string; "(nil)" for a null bulk string), nil when the node did not answer within a second.
    @discardableResult
    public static func send(_ port: Int, _ args: [String]) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))  // bounds connect too
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var request = "*\(args.count)\r\n"
        for arg in args { request += "$\(arg.utf8.count)\r\n\(arg)\r\n" }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { return nil }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !complete(reply) {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            reply += buffer[0..<n]
        }
        guard let end = headerEnd(reply) else { return nil }
        let header = String(decoding: reply[..<end], as: UTF8.self)
        guard header.hasPrefix("$") else { return String(header.dropFirst()) }
        guard let length = Int(header.dropFirst()), length >= 0 else { return "(nil)" }
        return String(decoding: reply[(end + 2)..<(end + 2 + length)], as: UTF8.self)
    }

    /// Index of the CR of the first CRLF.
    private static func headerEnd(_ reply: [UInt8]) -> Int? {
        guard reply.count >= 2 else { return nil }
        return (0..<(reply.count - 1)).first { reply[$0] == 13 && reply[$0 + 1] == 10 }
    }

    private static func complete(_ reply: [UInt8]) -> Bool {
        guard let end = headerEnd(reply) else { return false }
        let header = String(decoding: reply[..<end], as: UTF8.self)
        guard header.hasPrefix("$"), let length = Int(header.dropFirst()), length >= 0 else { return true }
        return reply.count >= end + 2 + length + 2
    }
}
