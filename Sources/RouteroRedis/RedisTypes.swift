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
                connectTimeoutMs: Int = 200, commandTimeoutMs: Int = 250) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.db = db
        self.connectTimeoutMs = connectTimeoutMs
        self.commandTimeoutMs = commandTimeoutMs
    }

    /// `redis://host:port/db`, never showing the password.
    public var description: String { "redis://\(host):\(port)/\(db)" }
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
