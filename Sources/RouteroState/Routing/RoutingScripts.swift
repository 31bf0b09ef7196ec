import RouteroRedis

/// The Lua scripts of ``RedisRoutingStateStore``. Each names every key it touches in KEYS, and
/// the keys of one call share their group's `{hash tag}`, so Redis Cluster runs each on one node.
/// Times come from Redis `TIME`, so hosts with skewed clocks still agree on every deadline.
enum RoutingScripts {
    static let now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """

    /// KEYS: per deployment `cd`, `probe`, `busy`, `lat`. ARGV: probe token, probe lease ms,
    /// read load (`1`), half-open ms. Returns `{now, state, until, busy, stream, whole, ...}` with
    /// state 0 closed, 1 open, 2 half-open and this caller probes, 3 half-open probed elsewhere.
    static let snapshot = RedisScript(name: "routing-snapshot", source: now + """

        local out = {now}
        for i = 1, #KEYS, 4 do
          local state, untilv, busy, ls, lw = 0, -1, 0, '', ''
          local u = redis.call('HGET', KEYS[i], 'until')
          if u then
            untilv = tonumber(u)
            if untilv > now then
              state = 1
            elseif now - untilv > tonumber(ARGV[4]) then
              redis.call('DEL', KEYS[i])
            elseif redis.call('SET', KEYS[i + 1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              state = 2
            elseif redis.call('GET', KEYS[i + 1]) == ARGV[1] then
              state = 2
            else
              state = 3
            end
          end
          if ARGV[3] == '1' then
            redis.call('ZREMRANGEBYSCORE', KEYS[i + 2], '-inf', now)
            busy = redis.call('ZCARD', KEYS[i + 2])
            ls = redis.call('HGET', KEYS[i + 3], 'stream') or ''
            lw = redis.call('HGET', KEYS[i + 3], 'whole') or ''
          end
          out[#out + 1] = state
          out[#out + 1] = untilv
          out[#out + 1] = busy
          out[#out + 1] = ls
          out[#out + 1] = lw
        end
        return out
        """)

    /// KEYS: `cd`, `fails`, `probe`. ARGV: allowed fails, cooldown ms, immediate ms, retry-after
    /// ms, why, half-open ms. Counts the failure in the current minute; when the rule asks for a
    /// cooldown the deadline becomes max(old, now + duration) and a probe lease is released.
    /// Returns `{count, until or -1}`.
    static let failure = RedisScript(name: "routing-failure", source: now + """

        local minute = math.floor(now / 60000)
        local count = 1
        if tonumber(redis.call('HGET', KEYS[2], 'minute') or '-1') == minute then
          count = tonumber(redis.call('HGET', KEYS[2], 'count') or '0') + 1
        end
        redis.call('HSET', KEYS[2], 'minute', minute, 'count', count)
        redis.call('PEXPIRE', KEYS[2], 120000)
        local duration = tonumber(ARGV[3])
        if count > tonumber(ARGV[1]) then duration = math.max(duration, tonumber(ARGV[2])) end
        duration = math.max(duration, tonumber(ARGV[4]))
        local old = tonumber(redis.call('HGET', KEYS[1], 'until') or '-1')
        if duration > 0 then
          local new = now + duration
          if new > old then
            redis.call('HSET', KEYS[1], 'until', new, 'why', ARGV[5])
            old = new
          end
          redis.call('DEL', KEYS[3])
          redis.call('PEXPIRE', KEYS[1], old - now + tonumber(ARGV[6]))
        end
        if old > now then return {count, old} end
        return {count, -1}
        """)

    /// KEYS: `lat`. ARGV: field (`stream` | `whole`), sample ms, alpha, ttl ms. EWMA update.
    static let latency = RedisScript(name: "routing-latency", source: """
        local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '')
        local v = tonumber(ARGV[2])
        if old then v = old + tonumber(ARGV[3]) * (v - old) end
        redis.call('HSET', KEYS[1], ARGV[1], tostring(v))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return tostring(v)
        """)

    /// KEYS: `busy`. ARGV: lease id, ttl ms. Adds (or refreshes) the lease with score now + ttl.
    static let lease = RedisScript(name: "routing-lease", source: now + """

        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """)

    /// KEYS: `probe`. ARGV: holder token. Deletes the lease only if that token holds it.
    static let releaseProbe = RedisScript(name: "routing-release-probe", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)

    static let all = [snapshot, failure, latency, lease, releaseProbe]
}
