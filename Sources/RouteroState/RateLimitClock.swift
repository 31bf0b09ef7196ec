import Glibc

/// Unix time in milliseconds, for the in-memory store's windows (the Redis store uses Redis' own
/// clock, so hosts with skewed clocks still agree).
enum RateLimitClock {
    static func nowMs() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }

    /// A random slot id: unique enough that two requests never share one.
    static func slotID() -> String {
        var rng = SystemRandomNumberGenerator()
        let a = rng.next(), b = rng.next()
        return String(a, radix: 36) + "." + String(b, radix: 36)
    }
}
