/// Where a command goes in a Redis Cluster.
///
/// The rule (deploy/ROUTING.md, "Redis: cluster, timeouts and outages"):
/// - an explicit `routingKey:` wins;
/// - `EVAL`/`EVALSHA` (and their `_RO` forms, `FCALL`) route by the first of their KEYS, or go to
///   any node without keys;
/// - `SCRIPT …`, `FLUSHALL`, `FLUSHDB` go to every node (a script must be known wherever it runs);
/// - a short list of server commands without keys (`PING`, `INFO`, `CLUSTER …`, …) goes to any node;
/// - every other command routes by its second argument, which is the key for every keyed command
///   Routero sends (`GET`, `SET`, `DEL`, `INCR`, `INCRBY`, `EXPIRE`, `PEXPIRE`, `TTL`, `PTTL`,
///   `HGET`, `HSET`, `ZADD`, `MGET` …). Multi-key commands must keep their keys in one slot (one
///   `{hash tag}`); Redis refuses others with `CROSSSLOT`.
///
/// A wrong guess (a command whose key is elsewhere) is still answered correctly: the node answers
/// `MOVED` to the right one, which is followed.
enum RedisRoute: Equatable {
    case slot(Int)
    case anyNode
    case everyNode

    static func of(_ args: [[UInt8]], routingKey: [UInt8]? = nil) -> RedisRoute {
        if let routingKey { return .slot(RedisSlot.of(routingKey)) }
        guard let first = args.first else { return .anyNode }
        let name = String(decoding: first, as: UTF8.self).uppercased()
        if broadcast.contains(name) { return .everyNode }
        if keyless.contains(name) { return .anyNode }
        if scriptCalls.contains(name) {
            // EVALSHA sha numkeys key1 ... : the first key is the fourth argument.
            guard args.count > 3, let n = Int(String(decoding: args[2], as: UTF8.self)), n > 0 else { return .anyNode }
            return .slot(RedisSlot.of(args[3]))
        }
        return args.count > 1 ? .slot(RedisSlot.of(args[1])) : .anyNode
    }

    static let broadcast: Set<String> = ["SCRIPT", "FLUSHALL", "FLUSHDB"]
    static let keyless: Set<String> = ["PING", "ECHO", "INFO", "TIME", "CLUSTER", "CONFIG", "CLIENT", "COMMAND",
                                       "DBSIZE", "HELLO", "AUTH", "SELECT", "RANDOMKEY", "KEYS", "SCAN", "WAIT",
                                       "LASTSAVE", "ROLE", "READONLY", "READWRITE", "ASKING"]
    static let scriptCalls: Set<String> = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]
}

/// A `MOVED` or `ASK` redirection from a cluster node.
struct RedisRedirect: Equatable {
    enum Kind { case moved, ask }
    let kind: Kind
    let slot: Int
    let host: String
    let port: Int

    /// Parses `MOVED 3999 127.0.0.1:6381` / `ASK 3999 127.0.0.1:6381`; nil for any other error.
    /// An empty host (`MOVED 3999 :6381`, sent when the node does not know its address) means
    /// the node that answered.
    init?(_ message: String, answeredBy answering: String) {
        let parts = message.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]), (0..<RedisSlot.count).contains(slot),
              let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...])
        else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        self.slot = slot
        var host = String(parts[2][..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? answering : host
        self.port = port
    }
}
