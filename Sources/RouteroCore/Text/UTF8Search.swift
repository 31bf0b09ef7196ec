/// Byte-level substring tests for the hot paths (one per streamed event).
///
/// `String.contains(_: some StringProtocol)` is the standard library's Unicode-aware searcher: it
/// walks grapheme boundaries and hashes, and a profile of the stream relay showed it as the largest
/// single cost per event. The needles here are ASCII JSON keys, for which a byte comparison over the
/// UTF-8 view is exact.
public enum UTF8Search {
    /// Whether `text` contains the bytes of `needle`.
    public static func contains(_ text: String, _ needle: String) -> Bool {
        let pattern = needle.utf8
        guard let first = pattern.first else { return true }
        let view = text.utf8
        var i = view.startIndex
        while i != view.endIndex {
            if view[i] == first {
                var j = view.index(after: i)
                var k = pattern.index(after: pattern.startIndex)
                while k != pattern.endIndex, j != view.endIndex, view[j] == pattern[k] {
                    j = view.index(after: j)
                    k = pattern.index(after: k)
                }
                if k == pattern.endIndex { return true }
            }
            i = view.index(after: i)
        }
        return false
    }

    /// The first offset at or after `from` where `needle` occurs in `bytes`.
    public static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from: Int = 0) -> Int? {
        guard let first = needle.first else { return from }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
