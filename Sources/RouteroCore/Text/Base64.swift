/// Base64 without Foundation, for every family that needs it: JWT segments (base64url, unpadded),
/// Anthropic plain-text documents (encode/decode), and Google's base64url bytes leaving the Gemini
/// family (``standard(_:)``).
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard base64 with padding.
    public static func encode(_ bytes: [UInt8]) -> String { encode(bytes, alphabet: standardAlphabet, pad: true) }

    /// base64url without padding (RFC 7515).
    public static func encodeURL(_ bytes: [UInt8]) -> String { encode(bytes, alphabet: urlAlphabet, pad: false) }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
            if pad { out += Array(repeating: UInt8(ascii: "="), count: 3 - rest) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of base64 `text` (padding optional, ASCII whitespace ignored; the URL-safe `-` and `_`
    /// are accepted too), or nil when it is not base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0, bits = 0, padding = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return nil
            }
            guard padding == 0 else { return nil }  // data after padding
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero padding of the last character: 6 bits left means a lone character.
        guard bits < 6, padding <= 2 else { return nil }
        return out
    }

    /// `text` in the standard alphabet with padding. Google's SDKs send inline bytes as base64url
    /// (`-`, `_`, often unpadded), which Gemini accepts and Anthropic's and OpenAI's `data:` URLs do
    /// not; bytes leaving the Gemini family are rewritten, anything already standard is returned as is.
    public static func standard(_ text: String) -> String {
        let bytes = text.utf8
        let urlSafe = bytes.contains(UInt8(ascii: "-")) || bytes.contains(UInt8(ascii: "_"))
        // Unpadded base64 leaves 2 or 3 characters in its last group; 1 is not base64 at all and is
        // left for the provider to refuse.
        let padding = bytes.count % 4 == 1 ? 0 : (4 - bytes.count % 4) % 4
        if !urlSafe && padding == 0 { return text }
        var out: [UInt8] = bytes.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }
        out += Array(repeating: UInt8(ascii: "="), count: padding)
        return String(decoding: out, as: UTF8.self)
    }
}
