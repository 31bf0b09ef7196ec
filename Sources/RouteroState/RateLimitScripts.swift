public import RouteroRedis

/// The Lua scripts behind ``RedisRateLimitStore``: each runs atomically in Redis, so no two
/// workers interleave between reading a counter and charging it. They mirror ``RateLimitMath``.
///
/// Counters are hashes `{s: window start ms, n: used}` that expire one second after their window
/// ends; parallel slots are a sorted set of slot ids scored by their lease expiry. Every key of one
/// call shares the scope's `{hash tag}`, so each call lands on one Redis Cluster slot.
public enum RateLimitScripts {
    /// KEYS: the counters, then the slot set when ARGV[3] is not empty.
    /// ARGV: counter count, window ms, slot id (or ''), parallel limit, lease ms, then limit and
    /// amount per counter. Returns `{refused index (0: admitted), window start, ms to reset,
    /// slots held before, used before per counter...}`; on admission everything is charged.
    public static let admit = RedisScript(name: "ratelimit-admit", source: """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local n = tonumber(ARGV[1])
        local win = tonumber(ARGV[2])
        local start = now - (now % win)
        local startText = string.format('%.0f', start)
        local used = {}
        local refused = 0
        for i = 1, n do
          local v = redis.call('HMGET', KEYS[i], 's', 'n')
          local u = 0
          if tonumber(v[1]) == start then u = tonumber(v[2]) or 0 end
          used[i] = u
          if refused == 0 and u + tonumber(ARGV[5 + 2 * i]) > tonumber(ARGV[4 + 2 * i]) then refused = i end
        end
        local held = 0
        local slot = ARGV[3]
        if slot ~= '' then
          redis.call('ZREMRANGEBYSCORE', KEYS[n + 1], '-inf', now)
          held = redis.call('ZCARD', KEYS[n + 1])
          if refused == 0 and held >= tonumber(ARGV[4]) then refused = n + 1 end
        end
        if refused == 0 then
          for i = 1, n do
            local amount = tonumber(ARGV[5 + 2 * i])
            if used[i] == 0 then
              redis.call('HSET', KEYS[i], 's', startText, 'n', amount)
            else
              redis.call('HINCRBY', KEYS[i], 'n', amount)
            end
            redis.call('PEXPIREAT', KEYS[i], string.format('%.0f', start + win + 1000))
          end
          if slot ~= '' then
            redis.call('ZADD', KEYS[n + 1], string.format('%.0f', now + tonumber(ARGV[5])), slot)
            redis.call('PEXPIRE', KEYS[n + 1], tonumber(ARGV[5]))
          end
        end
        local out = {refused, start, start + win - now, held}
        for i = 1, n do out[4 + i] = used[i] end
        return out
        """)

    /// KEYS: token counters. ARGV: the window start they were charged in, then one delta per key.
    /// A counter whose window has turned over is left alone; none goes below zero.
    public static let adjust = RedisScript(name: "ratelimit-adjust", source: """
        for i = 1, #KEYS do
          local v = redis.call('HMGET', KEYS[i], 's', 'n')
          if v[1] == ARGV[1] then
            local n = (tonumber(v[2]) or 0) + tonumber(ARGV[1 + i])
            if n < 0 then n = 0 end
            redis.call('HSET', KEYS[i], 'n', n)
          end
        end
        return 1
        """)

    public static let all = [admit, adjust]
}
