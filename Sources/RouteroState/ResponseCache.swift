public import RouteroCore
public import RouteroRedis

/// A response as the cache stores it: its content type and its body.
public struct CachedResponse: Sendable, Equatable {
    public var contentType: String
    public var body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }

    /// Stored value: the content type, a line feed, the body. A header value never holds a line
    /// feed (curl splits header lines on it), so the first one always ends the content type.
    var encoded: [UInt8] { Array(contentType.utf8) + [0x0A] + body }

    init?(encoded bytes: [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A), newline > 0 else { return nil }
        contentType = String(decoding: bytes[..<newline], as: UTF8.self)
        body = Array(bytes[(newline + 1)...])
    }
}

/// Exact-match cache of non-streaming responses, shared by all workers that use one Redis.
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
    /// - Parameter scope: the caller's identity (e.g. a hash of its key); never the key itself.
    public func key(scope: String, routeKey: String, body: JSONObject) -> String {
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
        return "\(namespace):cache:v2:\(SHA256.hex(SHA256.hash(material)))"
    }

    public func lookup(_ key: String) -> Lookup {
        do {
            switch try redis.command(["GET", key].map { Array($0.utf8) }) {
            case .string(let bytes): return CachedResponse(encoded: bytes).map(Lookup.hit) ?? .miss
            case .null: return .miss
            case .error(let message): return .unavailable(message)
            default: return .miss
            }
        } catch {
            return .unavailable(error.description)
        }
    }

    /// Stores `response` under `key` with the configured TTL; returns an error text on failure.
    @discardableResult
    public func store(_ key: String, _ response: CachedResponse) -> String? {
        do {
            let reply = try redis.command([Array("SET".utf8), Array(key.utf8), response.encoded,
                                           Array("EX".utf8), Array(String(ttlSeconds).utf8)])
            if case .error(let message) = reply { return message }
            return nil
        } catch {
            return error.description
        }
    }
}
