public import RouteroRedis

/// Access tokens shared by every worker on every host through Redis, so a fleet makes one token
/// grant per expiry window instead of one per process.
///
/// Keys (documented in deploy/CONFIG.md): `{namespace}:token:{id}` holds `"<expires-at unix s> <token>"`
/// and expires on its own shortly before the token does; `{namespace}:token-lock:{id}` is held
/// (SET NX PX) by the one worker fetching a new token. Ids are hashes of the credential, never the
/// credential itself. Without Redis every method answers "nothing shared" and each process grants alone.
public final class SharedTokenStore: Sendable {
    let redis: RedisClient?
    let namespace: String

    /// A token and when it expires.
    public struct Entry: Sendable, Equatable {
        public var token: String
        /// Unix seconds.
        public var expiresAt: Int

        public init(token: String, expiresAt: Int) {
            self.token = token
            self.expiresAt = expiresAt
        }
    }

    public init(redis: RedisClient?, namespace: String) {
        self.redis = redis
        self.namespace = namespace
    }

    /// Whether tokens can be shared at all.
    public var isShared: Bool { redis != nil }

    /// The shared token for `id`, if a live one is stored.
    public func read(_ id: String) -> Entry? {
        guard let redis, case .string(let bytes)? = try? redis.command([Array("GET".utf8), key(id)]) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let space = text.firstIndex(of: " "), let expires = Int(text[..<space]) else { return nil }
        return Entry(token: String(text[text.index(after: space)...]), expiresAt: expires)
    }

    /// Stores `entry` for `ttlSeconds` (the caller subtracts its refresh margin).
    public func write(_ id: String, _ entry: Entry, ttlSeconds: Int) {
        guard let redis, ttlSeconds > 0 else { return }
        _ = try? redis.command([Array("SET".utf8), key(id), Array("\(entry.expiresAt) \(entry.token)".utf8),
                                Array("EX".utf8), Array(String(ttlSeconds).utf8)], idempotent: true)
    }

    /// Tries to become the one worker granting a token for `id`; the lock lapses after `ms`.
    /// True without Redis (this process is on its own).
    public func tryLock(_ id: String, ms: Int) -> Bool {
        guard let redis else { return true }
        switch try? redis.command([Array("SET".utf8), lockKey(id), Array("1".utf8), Array("NX".utf8),
                                   Array("PX".utf8), Array(String(ms).utf8)], idempotent: false) {
        case .status("OK")?: return true
        case .null?: return false
        default: return true  // Redis unreachable: grant locally rather than wait for nobody
        }
    }

    /// Releases the grant lock.
    public func unlock(_ id: String) {
        guard let redis else { return }
        _ = try? redis.command([Array("DEL".utf8), lockKey(id)])
    }

    private func key(_ id: String) -> [UInt8] { Array("\(namespace):token:\(id)".utf8) }
    private func lockKey(_ id: String) -> [UInt8] { Array("\(namespace):token-lock:\(id)".utf8) }
}
