public import RouteroCore
public import RouteroRedis

/// Exact-match cache of non-streaming responses, shared by all workers that use one Redis.
///
/// The key is a SHA-256 over the resolved route and the request body serialized with sorted
/// keys, so field order and whitespace do not matter but every parameter does. Redis being down
/// never fails a request: lookups miss and stores are skipped (`Outcome.unavailable`).
public struct ResponseCache: Sendable {
    /// What a lookup found.
    public enum Lookup: Sendable {
        case hit([UInt8])
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

    /// The Redis key for `body` sent to `routeKey`.
    public func key(routeKey: String, body: JSONObject) -> String {
        var normalized = JSONObject()
        for (name, value) in body where !Self.ignoredFields.contains(name) {
            normalized[name] = value
        }
        var material = Array(routeKey.utf8)
        material.append(0)  // separator that cannot occur in a route key
        material += JSON.serialize(.object(normalized), sortedKeys: true)
        return "\(namespace):cache:v1:\(SHA256.hex(SHA256.hash(material)))"
    }

    public func lookup(_ key: String) -> Lookup {
        do {
            switch try redis.command(["GET", key].map { Array($0.utf8) }) {
            case .string(let bytes): return .hit(bytes)
            case .null: return .miss
            case .error(let message): return .unavailable(message)
            default: return .miss
            }
        } catch {
            return .unavailable(error.description)
        }
    }

    /// Stores `body` under `key` with the configured TTL; returns an error text on failure.
    @discardableResult
    public func store(_ key: String, body: [UInt8]) -> String? {
        do {
            let reply = try redis.command([Array("SET".utf8), Array(key.utf8), body,
                                           Array("EX".utf8), Array(String(ttlSeconds).utf8)])
            if case .error(let message) = reply { return message }
            return nil
        } catch {
            return error.description
        }
    }
}
