/// Where Redis is and how long to wait for it.
public struct RedisEndpoint: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Redis 6 ACL user; nil authenticates as the default user.
    public var username: String?
    public var password: String?
    public var db: Int
    public var connectTimeoutMs: Int
    public var commandTimeoutMs: Int

    public init(host: String, port: Int, username: String? = nil, password: String? = nil, db: Int = 0,
                connectTimeoutMs: Int = RedisEndpoint.defaultConnectTimeoutMs,
                commandTimeoutMs: Int = RedisEndpoint.defaultCommandTimeoutMs) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.db = db
        self.connectTimeoutMs = connectTimeoutMs
        self.commandTimeoutMs = commandTimeoutMs
    }

    /// Redis answers a GET/SET/EVALSHA in well under a millisecond on a LAN: a server that has not
    /// answered in 50 ms is stalled (fork, slow script, overload, frozen VM), and every feature
    /// built on Redis has a fallback that is cheaper than waiting. A TCP handshake is one round
    /// trip; 100 ms covers a loaded or cross-zone network and still fails long before a lost SYN
    /// would be retransmitted (1 s). deploy/ROUTING.md has the measured costs.
    public static let defaultCommandTimeoutMs = 50
    public static let defaultConnectTimeoutMs = 100

    /// `redis://host:port/db`, never showing the password.
    public var description: String { "redis://\(address)/\(db)" }

    /// `host:port` (IPv6 in brackets): how cluster nodes name each other.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The same credentials and timeouts for another node of the same cluster.
    func node(host: String, port: Int) -> RedisEndpoint {
        var copy = self
        copy.host = host
        copy.port = port
        return copy
    }
}

/// A reply copied out of hiredis' C structures.
public enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int)
    case null
    case array([RedisReply])
    case error(String)
}

/// Why a Redis command did not produce a reply.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Connect failed, the circuit is open, or the pool is exhausted.
        case unavailable
        /// The connection broke or timed out mid-command.
        case connectionLost = "connection_lost"
    }
    public let kind: Kind
    public let message: String
    public var description: String { "\(kind.rawValue): \(message)" }
}
