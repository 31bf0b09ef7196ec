/// Byte-level substring tests for the hot paths (one per streamed event).
///
/// `String.contains(_: some StringProtocol)` is the standard library's Unicode-aware searcher: it
/// walks grapheme boundaries and hashes, and a profile of the stream relay showed it as the largest
/// single cost per event. The needles here are ASCII JSON keys, for which a byte comparison over the
/// UTF-8 view is exact.
///
/// Both work on `Span`s (the strings' and arrays' own storage, no copy); a second profile showed the
/// index-by-index walk of a `String.UTF8View` at 8 % of a relaying worker's CPU.
public enum UTF8Search {
    /// Whether `text` contains the bytes of `needle`.
    public static func contains(_ text: String, _ needle: String) -> Bool {
        firstIndex(of: needle.utf8.span, in: text.utf8.span, from: 0) != nil
    }

    /// The first offset at or after `from` where `needle` occurs in `bytes`.
    public static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from: Int = 0) -> Int? {
        firstIndex(of: needle.span, in: bytes.span, from: from)
    }

    /// The first offset at or after `from` where `needle` occurs in `bytes`.
    public static func firstIndex(of needle: Span<UInt8>, in bytes: Span<UInt8>, from: Int = 0) -> Int? {
        guard needle.count > 0 else { return from }
        let first = needle[0]
        let last = bytes.count - needle.count
        var i = max(from, 0)
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
