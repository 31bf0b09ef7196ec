extension JSON {
    /// Serializes `value` as compact JSON (no whitespace), UTF-8 encoded.
    ///
    /// Strings escape `"`, `\` and control characters (`\n \r \t \b \f`, otherwise `\u00XX`); all other
    /// characters, including non-ASCII, are written as UTF-8. Numbers are written as their literal text.
    /// - Parameters:
    ///   - value: the value to write.
    ///   - sortedKeys: sort object keys by their UTF-8 bytes at every level. Used for cache keys, where two
    ///     bodies that differ only in key order must hash the same; byte order (not `String` order, which
    ///     compares Unicode-normalized text) makes the result stable across platforms.
    public static func serialize(_ value: JSONValue, sortedKeys: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, sortedKeys: sortedKeys)
        return output
    }

    /// ``serialize(_:sortedKeys:)`` as a `String`.
    public static func string(_ value: JSONValue, sortedKeys: Bool = false) -> String {
        String(decoding: serialize(value, sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// Appends the compact JSON encoding of `value` to `output` (for callers assembling larger buffers).
    public static func write(_ value: JSONValue, into output: inout [UInt8], sortedKeys: Bool = false) {
        switch value {
        case .null: output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
        case .bool(true): output.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        case .bool(false): output.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
        case .number(let text): output.append(contentsOf: text.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            let members: [JSONObject.Element] =
                sortedKeys ? object.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : Array(object)
            for member in members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a quoted, escaped JSON string.
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
