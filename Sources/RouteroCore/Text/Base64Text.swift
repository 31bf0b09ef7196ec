/// Base64 text normalisation between families.
public enum Base64Text {
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
