extension JSONParser {
    /// Parses a string starting at its opening quote. The common case (no escapes) is a single scan
    /// and one validating copy; escapes fall back to building the UTF-8 bytes by hand.
    mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = try makeString(UnsafeBufferPointer(rebasing: bytes[start..<position]), offset: start)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if byte < 0x20 { throw fail("control character in string") }
            position += 1
        }
        throw fail("unterminated string")
    }

    /// RFC 8259 requires UTF-8; invalid sequences are rejected rather than silently replaced so a
    /// forwarded body never differs from what the client meant.
    func makeString(_ utf8: UnsafeBufferPointer<UInt8>, offset: Int) throws(JSONParseError) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw fail("invalid UTF-8 in string", at: offset)
        }
        return text
    }

    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(position - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return try buffer.withUnsafeBufferPointer { (utf8) throws(JSONParseError) -> String in
                    try makeString(utf8, offset: start)
                }
            case UInt8(ascii: "\\"):
                position += 1
                try appendEscape(into: &buffer)
            case 0..<0x20:
                throw fail("control character in string")
            default:
                buffer.append(byte)
                position += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Decodes the escape after a backslash (the backslash is already consumed).
    mutating func appendEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        guard position < bytes.count else { throw fail("unterminated string") }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"): appendScalar(try parseUnicodeEscape(), into: &buffer)
        default: throw fail("invalid escape", at: position - 1)
        }
    }

    /// Parses the hex digits of `\uXXXX` (after the `u`), pairing a high surrogate with a following
    /// `\uDC00-DFFF` escape. Unpaired surrogates become U+FFFD (see ``JSON/parse(_:maxDepth:)``).
    mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let unit = try parseHex4()
        switch unit {
        case 0xD800...0xDBFF:
            // Look ahead for "\uDC00".."\uDFFF"; anything else leaves the high surrogate unpaired.
            if bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let saved = position
                position += 2
                let low = try parseHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                position = saved  // the next escape is decoded on its own
            }
            return "\u{FFFD}"
        case 0xDC00...0xDFFF:
            return "\u{FFFD}"
        default:
            return Unicode.Scalar(unit) ?? "\u{FFFD}"
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    func appendScalar(_ scalar: Unicode.Scalar, into buffer: inout [UInt8]) {
        UTF8.encode(scalar) { buffer.append($0) }
    }
}
