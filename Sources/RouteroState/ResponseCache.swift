public import RouteroCore
public import RouteroRedis

/// A response as the cache stores it: its content type and its body, and when it was stored.
public struct CachedResponse: Sendable, Equatable {
    public var contentType: String
    public var body: [UInt8]
    /// Unix seconds when it was stored (0 when not known).
    public var storedAt: Int

    public init(contentType: String, body: [UInt8], storedAt: Int = 0) {
        self.contentType = contentType
        self.body = body
        self.storedAt = storedAt
    }

    /// Stored value: the storing time in decimal, a space, the content type, a line feed, the body.
    /// A header value never holds a line feed (curl splits header lines on it), so the first one
    /// always ends the content type.
    var encoded: [UInt8] { Array("\(storedAt) \(contentType)".utf8) + [0x0A] + body }

    init?(encoded bytes: [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A), let space = bytes[..<newline].firstIndex(of: 0x20),
              let stored = Int(String(decoding: bytes[..<space], as: UTF8.self)), space + 1 < newline else { return nil }
        storedAt = stored
        contentType = String(decoding: bytes[(space + 1)..<newline], as: UTF8.self)
        body = Array(bytes[(newline + 1)...])
    }
}

/// Exact-match cache of chat answers, shared by all workers that use one Redis. A streaming
/// request and a whole-body request with the same parameters share an entry (stored as the whole
/// `chat.completion`; the gateway replays it as a stream when the client asked for one).
///
/// The key is a SHA-256 over the caller's scope (whose answers these are), the resolved route and
/// the request body serialized with sorted keys, so field order and whitespace do not matter but
/// every parameter does, and two tenants can never read each other's entries. Redis being down
/// never fails a request: lookups miss and stores are skipped (`Lookup.unavailable`).
public struct ResponseCache: Sendable {
    /// What a lookup found.
    public enum Lookup: Sendable {
        case hit(CachedResponse)
        case miss
        /// Redis could not be asked; the request proceeds uncached.
        case unavailable(String)
    }

    /// Body fields that say how to deliver or account a response but not what it contains.
    public static let ignoredFields: Set<String> = ["stream", "stream_options", "cache", "metadata"]

    private let redis: RedisClient
    private let namespace: String
    private let ttlSeconds: Int

    public init(redis: RedisClient, namespace: String, ttlSeconds: Int) {
        self.redis = redis
        self.namespace = namespace
        self.ttlSeconds = ttlSeconds
    }

    /// The Redis key for `body` sent to `routeKey` on behalf of `scope`.
    /// - Parameters:
    ///   - scope: the caller's identity (e.g. a hash of its key); never the key itself.
    ///   - partition: a request's own `cache.namespace`, keeping its entries apart.
    public func key(scope: String, routeKey: String, body: JSONObject, partition: String? = nil) -> String {
        var normalized = JSONObject()
        for (name, value) in body where !Self.ignoredFields.contains(name) {
            normalized[name] = value
        }
        // NUL separators cannot occur in a scope or a route key, so the parts cannot run together.
        var material = Array(scope.utf8)
        material.append(0)
        material += Array(routeKey.utf8)
        material.append(0)
        material += JSON.serialize(.object(normalized), sortedKeys: true)
        let digest = SHA256.hex(SHA256.hash(material))
        return partition.map { "\(namespace):cache:v3:\($0):\(digest)" } ?? "\(namespace):cache:v3:\(digest)"
    }

    /// - Parameters:
    ///   - maxAgeSeconds: a hit older than this is a miss (a request's `s-maxage`).
    ///   - now: Unix seconds.
    public func lookup(_ key: String, maxAgeSeconds: Int? = nil, now: Int) -> Lookup {
        do {
            switch try redis.command(["GET", key].map { Array($0.utf8) }) {
            case .string(let bytes):
                guard let entry = CachedResponse(encoded: bytes) else { return .miss }
                if let maxAgeSeconds, now - entry.storedAt > maxAgeSeconds { return .miss }
                return .hit(entry)
            case .null: return .miss
            case .error(let message): return .unavailable(message)
            default: return .miss
            }
        } catch {
            return .unavailable(error.description)
        }
    }

    /// Stores `response` under `key` for `ttl` seconds (else the configured TTL); returns an
    /// error text on failure.
    @discardableResult
    public func store(_ key: String, _ response: CachedResponse, ttl: Int? = nil) -> String? {
        do {
            let reply = try redis.command([Array("SET".utf8), Array(key.utf8), response.encoded,
                                           Array("EX".utf8), Array(String(ttl ?? ttlSeconds).utf8)])
            if case .error(let message) = reply { return message }
            return nil
        } catch {
            return error.description
        }
    }
}
