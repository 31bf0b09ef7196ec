import Yams

/// The stream-failover keys, read the same way from the native `routing:` section and LiteLLM's
/// `router_settings` (Routero extensions there, except `stream_timeout`, which LiteLLM's router has).
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
    }
}
