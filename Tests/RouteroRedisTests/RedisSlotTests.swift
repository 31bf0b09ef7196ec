import RouteroRedis
import Testing

struct RedisSlotTests {
    /// The reference vector of the Redis Cluster specification, and keys whose slots
    /// `CLUSTER KEYSLOT` reports (checked against redis-server 7.0).
    @Test func crc16AndSlotsMatchRedis() {
        #expect(RedisSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisSlot.of("123456789") == 0x31C3 % 16384)
        #expect(RedisSlot.of("foo") == 12182)
        #expect(RedisSlot.of("bar") == 5061)
        #expect(RedisSlot.of("") == 0)
    }

    @Test func hashTagsFollowRedisRules() {
        #expect(RedisSlot.of("{user1000}.following") == RedisSlot.of("{user1000}.followers"))
        #expect(RedisSlot.of("{user1000}.following") == RedisSlot.of("user1000"))
        // Only the first {...}; an empty tag means the whole key is hashed.
        #expect(RedisSlot.of("foo{bar}{zap}") == RedisSlot.of("bar"))
        #expect(RedisSlot.of("foo{{bar}}zap") == RedisSlot.of("{bar"))
        #expect(RedisSlot.of("foo{}{bar}") != RedisSlot.of("bar"))
        #expect(RedisSlot.of("foo{}{bar}") == Int(RedisSlot.crc16(Array("foo{}{bar}".utf8)) % 16384))
        #expect(RedisSlot.of("{routero}:cooldown:a") == RedisSlot.of("{routero}:ratelimit:b"))
        // Binary keys hash by bytes.
        #expect(RedisSlot.of([0xFF, 0x00, 0x7B, 0x61, 0x7D]) == RedisSlot.of("a"))
    }
}
