public import RouteroCore

/// One request's say over the cache: the `Cache-Control` header and LiteLLM's body field
/// `"cache": {"no-cache": true, "no-store": true, "ttl": 60, "s-maxage": 30, "namespace": "team-a"}`.
///
/// - `no-cache`: do not answer from the cache (the fresh answer is still stored);
/// - `no-store`: do not store this answer (a cached one may still be served);
/// - `ttl`: store this answer for that many seconds instead of `cache.ttl_seconds`;
/// - `s-maxage` (also `max-age` in the header): serve only an entry at most that many seconds old;
/// - `namespace`: keep this request's entries apart from the default ones (a tenant's, a test's).
public struct CacheControls: Sendable, Equatable {
    public var noCache = false
    public var noStore = false
    public var ttlSeconds: Int?
    public var maxAgeSeconds: Int?
    public var namespace: String?

    /// The longest per-request TTL accepted (30 days), as for `cache.ttl_seconds`.
    public static let maxTTL = 2_592_000

    public init() {}

    /// Reads the controls; the body field is never forwarded upstream.
    /// - Throws: 400 naming `cache.<field>` for a value of the wrong kind.
    public init(cacheControlHeader: String?, body: JSONValue?) throws(GatewayError) {
        for directive in (cacheControlHeader ?? "").lowercased().split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
            switch parts.first ?? "" {
            case "no-cache": noCache = true
            case "no-store": noStore = true
            case "max-age", "s-maxage":
                if parts.count == 2, let n = Int(parts[1]), n >= 0 { maxAgeSeconds = n }
            default: continue  // unknown directives are ignored, as HTTP caches do
            }
        }
        guard let body else { return }
        guard let object = body.objectValue else {
            throw .invalidRequest("cache must be an object such as {\"no-cache\": true}.", param: "cache")
        }
        for (key, value) in object {
            switch key {
            case "no-cache": noCache = try Self.flag(value, key) || noCache
            case "no-store": noStore = try Self.flag(value, key) || noStore
            case "ttl": ttlSeconds = try Self.seconds(value, key, range: 1...Self.maxTTL)
            case "s-maxage", "max-age": maxAgeSeconds = try Self.seconds(value, key, range: 0...Self.maxTTL)
            case "namespace":
                guard let text = value.stringValue, (1...64).contains(text.utf8.count),
                      text.utf8.allSatisfy({ Self.namespaceBytes.contains($0) }) else {
                    throw .invalidRequest("cache.namespace must be 1 to 64 characters of A-Z a-z 0-9 _ . -",
                                          param: "cache.namespace")
                }
                namespace = text
            default:
                throw .invalidRequest("cache.\(key) is not a cache control (no-cache, no-store, ttl, s-maxage, namespace).",
                                      param: "cache.\(key)")
            }
        }
    }

    private static let namespaceBytes = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-".utf8))

    private static func flag(_ value: JSONValue, _ key: String) throws(GatewayError) -> Bool {
        guard let flag = value.boolValue else { throw .invalidRequest("cache.\(key) must be true or false.", param: "cache.\(key)") }
        return flag
    }

    private static func seconds(_ value: JSONValue, _ key: String, range: ClosedRange<Int>) throws(GatewayError) -> Int {
        guard let number = value.doubleValue, number.isFinite, number >= Double(range.lowerBound),
              number <= Double(range.upperBound) else {
            throw .invalidRequest("cache.\(key) must be a number of seconds from \(range.lowerBound) to \(range.upperBound).",
                                  param: "cache.\(key)")
        }
        return Int(number.rounded(.up))
    }
}
