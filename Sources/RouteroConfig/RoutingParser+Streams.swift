import Yams

/// The stream-failover and shared-state keys, read the same way from the native `routing:` section
/// and LiteLLM's `router_settings` (Routero extensions there, except `stream_timeout`, which
/// LiteLLM's router has).
extension RoutingParser {
    static func readStreamKeys(_ map: inout YAMLMap, into routing: inout RoutingSettings,
                               context: ConfigContext) throws(ConfigError)
    {
        if let node = map.take("stream_continuation") {
            routing.streamContinuation = try context.bool(node, at: map.child("stream_continuation"))
        }
        if let node = map.take("stream_stall_timeout_seconds") {
            routing.streamStallTimeoutSeconds = try context.seconds(node, at: map.child("stream_stall_timeout_seconds"))
        }
        if let node = map.take("stream_timeout") {
            routing.streamTimeoutSeconds = try context.seconds(node, at: map.child("stream_timeout"))
        }
        if let node = map.take("total_timeout_seconds") {
            routing.totalTimeoutSeconds = try context.seconds(node, at: map.child("total_timeout_seconds"))
        }
        if let node = map.take("state_cache_seconds") {
            let path = map.child("state_cache_seconds")
            let value = try context.seconds(node, at: path, allowZero: true)
            // It bounds how late a cooldown set elsewhere is seen, which ROUTING.md promises < 1 s
            // at the default; more than a few seconds would make cooldowns fleet-wide in name only.
            guard value <= RoutingSettings.maxStateCacheSeconds else {
                throw ConfigError(keyPath: path, message: "expected at most \(RoutingSettings.maxStateCacheSeconds) seconds",
                                  line: node.mark?.line)
            }
            routing.stateCacheSeconds = value
        }
    }
}
