import RouteroCore
import RouteroRedis
import RouteroState
import RouteroTestSupport
import Testing

/// The cache key must ignore how a request is written and delivered, never what it asks or who
/// asks it.
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
        #expect(cache.key(scope: "s", routeKey: "group:x", body: a) == cache.key(scope: "s", routeKey: "group:x", body: b))
        #expect(cache.key(scope: "s", routeKey: "group:x", body: a).hasPrefix("t:cache:v2:"))
    }

    @Test func everyParameterTheRouteAndTheCallerMatter() throws {
        let a = try body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5}"#)
        let b = try body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.6}"#)
        let c = try body(#"{"model":"m","messages":[{"role":"user","content":"hi!"}],"temperature":0.5}"#)
        let keys = [cache.key(scope: "s", routeKey: "group:x", body: a), cache.key(scope: "s", routeKey: "group:x", body: b),
                    cache.key(scope: "s", routeKey: "group:x", body: c), cache.key(scope: "s", routeKey: "group:y", body: a),
                    cache.key(scope: "tenant-2", routeKey: "group:x", body: a),
                    // Moving a character between scope and route must not collide.
                    cache.key(scope: "sg", routeKey: "roup:x", body: a)]
        #expect(Set(keys).count == 6)
    }
}

@Suite(.enabled(if: RedisServerProcess.available, "redis-server is not installed"))
struct ResponseCacheStoreTests {
    @Test func storesTheContentTypeWithTheBody() throws {
        let server = try #require(RedisServerProcess())
        defer { server.stop() }
        let cache = ResponseCache(redis: RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port)),
                                  namespace: "t", ttlSeconds: 60)
        let response = CachedResponse(contentType: "application/json; charset=utf-8", body: Array("{\"a\":\"\n\"}".utf8))
        #expect(cache.store("k1", response) == nil)
        guard case .hit(let back) = cache.lookup("k1") else { Issue.record("expected a hit"); return }
        #expect(back == response)
        guard case .miss = cache.lookup("k2") else { Issue.record("expected a miss"); return }
    }
}
