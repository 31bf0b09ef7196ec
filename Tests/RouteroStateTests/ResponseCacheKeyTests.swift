import RouteroCore
import RouteroRedis
@testable import RouteroState
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
        #expect(cache.key(scope: "s", routeKey: "group:x", body: a).hasPrefix("t:cache:v3:"))
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
        guard case .hit(let back) = cache.lookup("k1", now: 0) else { Issue.record("expected a hit"); return }
        #expect(back == response)
        guard case .miss = cache.lookup("k2", now: 0) else { Issue.record("expected a miss"); return }
    }
}

/// Per-request cache controls (LiteLLM's body field and the Cache-Control header).
struct CacheControlsTests {
    @Test func headerAndBodyControls() throws {
        let header = try CacheControls(cacheControlHeader: "No-Store, max-age=30", body: nil)
        #expect(header.noStore && !header.noCache && header.maxAgeSeconds == 30)
        let body = try CacheControls(cacheControlHeader: nil, body: .object([
            "no-cache": true, "ttl": 2.5, "s-maxage": 10, "namespace": "team-a",
        ]))
        #expect(body.noCache && !body.noStore && body.ttlSeconds == 3 && body.maxAgeSeconds == 10 && body.namespace == "team-a")
        #expect(try CacheControls(cacheControlHeader: "private, weird", body: nil) == CacheControls())
    }

    @Test func badControlsNameTheirField() {
        func param(_ body: JSONValue) -> String? {
            do { _ = try CacheControls(cacheControlHeader: nil, body: body); return nil } catch { return error.param }
        }
        #expect(param(.string("no")) == "cache")
        #expect(param(.object(["ttl": 0])) == "cache.ttl")
        #expect(param(.object(["ttl": "5"])) == "cache.ttl")
        #expect(param(.object(["no-store": "yes"])) == "cache.no-store")
        #expect(param(.object(["namespace": "a b"])) == "cache.namespace")
        #expect(param(.object(["colour": true])) == "cache.colour")
    }

    @Test func entriesKnowTheirAgeAndOldOnesDoNotParse() throws {
        let entry = CachedResponse(contentType: "application/json", body: Array("{}\n".utf8), storedAt: 1_700_000_000)
        #expect(CachedResponse(encoded: entry.encoded) == entry)
        #expect(CachedResponse(encoded: Array("application/json\n{}".utf8)) == nil)  // a v2 entry
    }
}
