import RouteroCore
import RouteroState

/// What the response cache may store. Only what a later identical request should get back
/// verbatim: a 200 `application/json` body that parses as a `chat.completion`, no larger than
/// `cache.max_entry_bytes`. Error bodies, HTML from a proxy, or a streaming answer sent as a
/// plain body never poison the cache.
enum CachePolicy {
    /// - Parameter response: a complete 200 answer (attempts hand over nothing else).
    static func storable(_ response: CachedResponse, maxBytes: Int) -> Bool {
        guard response.body.count <= maxBytes, mediaType(response.contentType) == "application/json",
              let object = (try? JSON.parse(response.body))?.objectValue else { return false }
        return object["object"]?.stringValue == "chat.completion" && object["choices"]?.arrayValue != nil
    }

    /// `application/json; charset=utf-8` → `application/json`.
    static func mediaType(_ contentType: String) -> String {
        contentType.prefix { $0 != ";" }.trimmingSpaces().lowercased()
    }
}
