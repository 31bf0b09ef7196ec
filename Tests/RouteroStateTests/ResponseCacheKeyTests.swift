import RouteroCore
import RouteroRedis
import RouteroState
import Testing

/// The cache key must ignore how a request is written and delivered, never what it asks.
struct ResponseCacheKeyTests {
    // key(...) does not talk to Redis, so an unreachable endpoint is fine here.
    let cache = ResponseCache(redis: RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: 1)),
                              namespace: "t", ttlSeconds: 60)

    func body(_ text: String) throws -> JSONObject {
        try #require(try JSON.parse(text).objectValue)
    }

    @Test func fieldOrderAndDeliveryFieldsDoNotMatter() throws {
        let a = try body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5}"#)
        let b = try body(#"{"temperature":0.5,"stream":false,"messages":[{"content":"hi","role":"user"}],"model":"m","cache":{"ttl":5}}"#)
        #expect(cache.key(routeKey: "group:x", body: a) == cache.key(routeKey: "group:x", body: b))
        #expect(cache.key(routeKey: "group:x", body: a).hasPrefix("t:cache:v1:"))
    }

    @Test func everyParameterAndTheRouteMatter() throws {
        let a = try body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5}"#)
        let b = try body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.6}"#)
        let c = try body(#"{"model":"m","messages":[{"role":"user","content":"hi!"}],"temperature":0.5}"#)
        let keys = [cache.key(routeKey: "group:x", body: a), cache.key(routeKey: "group:x", body: b),
                    cache.key(routeKey: "group:x", body: c), cache.key(routeKey: "group:y", body: a)]
        #expect(Set(keys).count == 4)
    }
}
