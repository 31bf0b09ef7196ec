/// One Redis server address (a cluster seed node).
public struct RedisNodeAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port, 1-65535.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `host:port`, `host` (port 6379) or `[v6]:port`; errors name `keyPath`.
    public static func parse(_ text: String, keyPath: String, line: Int? = nil) throws(ConfigError) -> RedisNodeAddress {
        func fail(_ message: String) -> ConfigError { ConfigError(keyPath: keyPath, message: message, line: line) }
        var rest = Substring(text.trimmingWhitespace())
        var host: String
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
        } else {
            host = String(rest.prefix { $0 != ":" })
            rest = rest.drop { $0 != ":" }
        }
        var port = 6379
        if !rest.isEmpty {
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65535).contains(p) else {
                throw fail("expected host:port with a port from 1 to 65535")
            }
            port = p
        }
        host = host.trimmingWhitespace()
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
            throw fail("expected host:port (credentials go in redis.password)")
        }
        return RedisNodeAddress(host: host, port: port)
    }
}

/// Where the shared state lives: one Redis server, or the seed nodes of a Redis Cluster (no TLS
/// in this version).
public struct RedisSettings: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets); in cluster mode the first seed.
    public var host: String
    /// TCP port, 1-65535.
    public var port: Int = 6379
    /// Redis Cluster mode (`redis.cluster`, or implied by `redis.cluster_nodes`).
    public var cluster = false
    /// The seed nodes in cluster mode (`redis.cluster_nodes`; at least `host:port`).
    public var clusterNodes: [RedisNodeAddress] = []
    /// ACL user name (Redis 6+), if any.
    public var username: String?
    /// `AUTH` password, if any.
    public var password: Secret?
    /// Database index selected after connecting.
    public var db: Int = 0
    /// Connect timeout in milliseconds (`redis.connect_timeout_ms`).
    public var connectTimeoutMs: Int = 100
    /// Per-command timeout in milliseconds (`redis.command_timeout_ms`); also bounds the wait
    /// for a free pooled connection.
    public var commandTimeoutMs: Int = 50
    /// `/health/ready` while Redis is unreachable (`redis.unreachable_readiness`): 200
    /// `degraded` by default (the gateway still serves); `not_ready` answers 503, for operators
    /// whose gateway is useless without Redis (e.g. fail-closed limits) or who fail over elsewhere.
    public var notReadyWhenUnreachable = false

    /// Creates settings for `host:port`.
    public init(host: String, port: Int = 6379, password: Secret? = nil, db: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.db = db
    }

    /// `redis://[user:]<redacted>@host:port/db`: the password is never shown.
    public var description: String {
        var auth = ""
        if username != nil || password != nil {
            auth = (username ?? "") + (password == nil ? "" : ":<redacted>") + "@"
        }
        if cluster {
            return "redis-cluster://\(auth)" + seeds.map(\.description).joined(separator: ",")
        }
        return "redis://\(auth)\(RedisNodeAddress(host: host, port: port))/\(db)"
    }

    /// The nodes to connect to first: the cluster seeds, or the one server.
    public var seeds: [RedisNodeAddress] {
        cluster && !clusterNodes.isEmpty ? clusterNodes : [RedisNodeAddress(host: host, port: port)]
    }

    /// Turns these settings into cluster mode with `nodes` as seeds. Redis Cluster has only
    /// database 0, so any other is refused (naming `keyPath`).
    public mutating func makeCluster(seeds nodes: [RedisNodeAddress], keyPath: String, line: Int? = nil) throws(ConfigError) {
        guard db == 0 else {
            throw ConfigError(keyPath: keyPath, message: "Redis Cluster has only database 0 (the URL selects \(db))", line: line)
        }
        let all = nodes.isEmpty ? [RedisNodeAddress(host: host, port: port)] : nodes
        cluster = true
        clusterNodes = all
        host = all[0].host
        port = all[0].port
    }

    /// The address part of `other` (server or cluster seeds, credentials, database), keeping
    /// these settings' timeouts and readiness choice: how `--redis` overrides the file.
    public func withAddress(of other: RedisSettings) -> RedisSettings {
        var merged = other
        merged.connectTimeoutMs = connectTimeoutMs
        merged.commandTimeoutMs = commandTimeoutMs
        merged.notReadyWhenUnreachable = notReadyWhenUnreachable
        return merged
    }

    /// Parses one `redis://` URL, or a comma-separated list of them naming the seed nodes of a
    /// Redis Cluster (they must carry the same credentials; the database must be 0).
    public static func parse(urls text: String, keyPath: String = "redis.url", line: Int? = nil)
        throws(ConfigError) -> RedisSettings
    {
        let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }
        guard parts.count > 1 else { return try parse(url: text, keyPath: keyPath, line: line) }
        var first = try parse(url: parts[0], keyPath: keyPath, line: line)
        var nodes = [RedisNodeAddress(host: first.host, port: first.port)]
        for part in parts.dropFirst() {
            let next = try parse(url: part, keyPath: keyPath, line: line)
            guard next.username == first.username || next.username == nil,
                  next.password?.value == first.password?.value || next.password == nil,
                  next.db == first.db else {
                throw ConfigError(keyPath: keyPath, message: "every URL of a cluster list must carry the same "
                                  + "credentials and database (or none after the first)", line: line)
            }
            nodes.append(RedisNodeAddress(host: next.host, port: next.port))
        }
        try first.makeCluster(seeds: nodes, keyPath: keyPath, line: line)
        return first
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]` (the `--redis` flag, `redis.url`,
    /// LiteLLM's `REDIS_URL`). The password may be percent-encoded; IPv6 hosts go in brackets.
    /// - Parameters:
    ///   - url: the URL text.
    ///   - keyPath: what to name in errors (`--redis`, `redis.url`, `REDIS_URL`).
    ///   - line: the YAML line of the value, if it came from the file.
    /// - Throws: ``ConfigError`` naming `keyPath`; the message never repeats the URL (it may
    ///   hold a password).
    public static func parse(url: String, keyPath: String = "redis.url", line: Int? = nil)
        throws(ConfigError) -> RedisSettings
    {
        func fail(_ message: String) -> ConfigError {
            ConfigError(keyPath: keyPath, message: message, line: line)
        }
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else {
            if url.lowercased().hasPrefix("rediss://") {
                throw fail("TLS (rediss://) is not supported yet; use redis://")
            }
            throw fail("expected a URL of the form redis://[:password@]host:port[/db]")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var settings = RedisSettings(host: "")
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            let user = String(userInfo[..<(colon ?? userInfo.endIndex)])
            if !user.isEmpty { settings.username = try decode(user, fail) }
            if let colon {
                let password = try decode(String(userInfo[userInfo.index(after: colon)...]), fail)
                if !password.isEmpty { settings.password = Secret(value: password, source: "\(keyPath) URL") }
            }
        }
        var hostPort = rest
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let dbText = rest[rest.index(after: slash)...]
            if !dbText.isEmpty {
                guard let db = Int(dbText), db >= 0 else { throw fail("database must be a non-negative integer") }
                settings.db = db
            }
        }
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            settings.host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if !hostPort.isEmpty && !hostPort.hasPrefix(":") { throw fail("unexpected text after the IPv6 address") }
        } else {
            settings.host = String(hostPort.prefix { $0 != ":" })
            hostPort = hostPort.drop { $0 != ":" }
        }
        if hostPort.hasPrefix(":") {
            guard let port = Int(hostPort.dropFirst()), (1...65535).contains(port) else {
                throw fail("port must be an integer from 1 to 65535")
            }
            settings.port = port
        }
        guard !settings.host.isEmpty else { throw fail("the URL has no host") }
        return settings
    }

    /// Percent-decodes user info (passwords often contain reserved characters).
    private static func decode(_ text: String, _ fail: (String) -> ConfigError) throws(ConfigError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw fail("invalid percent-encoding in the URL's user info")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
