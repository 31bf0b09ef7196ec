/// A structural check of JSON text without building a tree: for a relay that forwards events
/// unparsed but must not forward a broken one (a chunk cut in half, or garbage).
public enum JSONShape {
    /// Whether `text` is one JSON object whose brackets and strings all close, with nothing but
    /// whitespace around it. It does not check literals or numbers: what it catches is truncation
    /// and non-JSON, the ways a stream's chunk goes bad in transit.
    public static func isWholeObject(_ text: String) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        var sawRoot = false
        let bytes = text.utf8.span
        for index in bytes.indices {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                else if byte < 0x20 { return false }  // raw control characters never occur inside a JSON string
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case _ where depth == 0:
                // Outside the root only one `{` may appear, and only once.
                guard byte == UInt8(ascii: "{"), !sawRoot else { return false }
                sawRoot = true
                depth = 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: "\""):
                inString = true
            default:
                continue
            }
        }
        return sawRoot && depth == 0 && !inString
    }
}
