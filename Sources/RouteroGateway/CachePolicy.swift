import RouteroCore
import RouteroState

/// What the response cache may store. Only what a later identical request should get back
/// verbatim: a 200 `application/json` body that parses as a `chat.completion`, no larger than
/// `cache.max_entry_bytes`. Error bodies, HTML from a proxy, or a streaming answer sent as a
/// plain body never poison the cache.
enum CachePolicy {
    static func storable(status: Int, contentType: String, body: [UInt8], maxBytes: Int) -> CachedResponse? {
        guard status == 200, body.count <= maxBytes, mediaType(contentType) == "application/json",
              let value = try? JSON.parse(body), let object = value.objectValue,
              object["object"]?.stringValue == "chat.completion", object["choices"]?.arrayValue != nil
        else { return nil }
        return CachedResponse(contentType: contentType, body: body)
    }

    /// `application/json; charset=utf-8` → `application/json`.
    static func mediaType(_ contentType: String) -> String {
        contentType.prefix { $0 != ";" }.trimmingSpaces().lowercased()
    }
}
