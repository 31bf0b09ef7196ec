/// OpenAI's rate-limit response headers, from the counters an admission saw.
///
/// `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`
/// and the same three for `-tokens`, in OpenAI's formats: integers, and resets as durations such
/// as `1s`, `6m0s`, `59.5s`, `20ms`. When several counters of one unit apply (a key's rpm and its
/// per-model rpm), the one with the least room left is reported: that is the one that refuses next.
public enum RateLimitHeaders {
    public static func values(_ states: [RateLimitState]) -> [(String, String)] {
        var headers: [(String, String)] = []
        for unit in [RateLimitUnit.requests, .tokens] {
            let ofUnit = states.filter { $0.unit == unit }
            guard let tightest = ofUnit.min(by: { ($0.remaining, -$0.resetMs) < ($1.remaining, -$1.resetMs) }) else { continue }
            headers += [
                ("x-ratelimit-limit-\(unit.rawValue)", String(tightest.limit)),
                ("x-ratelimit-remaining-\(unit.rawValue)", String(tightest.remaining)),
                ("x-ratelimit-reset-\(unit.rawValue)", duration(ms: tightest.resetMs)),
            ]
        }
        return headers
    }

    /// `retry-after` (whole seconds, rounded up, at least 1) and `retry-after-ms` for a refusal
    /// whose limit frees up in `ms`.
    public static func retryAfter(ms: Int) -> [(String, String)] {
        let ms = max(ms, 1)
        return [("retry-after", String(max(1, (ms + 999) / 1000))), ("retry-after-ms", String(ms))]
    }

    /// OpenAI's duration format: `20ms` under a second, else `[Nh][Nm]S[.fff]s` (`1s`, `6m0s`, `1m30.5s`).
    public static func duration(ms: Int) -> String {
        let ms = max(0, ms)
        if ms < 1000 { return "\(ms)ms" }
        let hours = ms / 3_600_000, minutes = ms / 60_000 % 60, millis = ms % 60_000
        var seconds = String(millis / 1000)
        if millis % 1000 != 0 {
            var fraction = String(millis % 1000)
            while fraction.count < 3 { fraction = "0" + fraction }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            seconds += "." + fraction
        }
        if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
        if minutes > 0 { return "\(minutes)m\(seconds)s" }
        return "\(seconds)s"
    }
}
