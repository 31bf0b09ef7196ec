/// A Lua script run atomically by Redis (`EVALSHA`, falling back to `EVAL`-by-load on `NOSCRIPT`).
///
/// Every shared-state operation that must be exact across workers and hosts (rate-limit windows,
/// cooldown deadlines that only ever extend, in-flight leases) is one script, so no two workers can
/// interleave between its read and its write. Scripts name every key they touch in `KEYS` (Redis
/// Cluster routes by them; keys of one call share a `{hash tag}`).
public struct RedisScript: Sendable, Hashable {
    /// A short name for logs and errors.
    public let name: String
    /// The Lua source.
    public let source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}
