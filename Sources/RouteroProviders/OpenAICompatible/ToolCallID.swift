import RouteroCore

/// Tool-call id rewriting for providers with id rules (Mistral: exactly 9 characters of
/// `[A-Za-z0-9]`, "Tool call id was call_abc but must be a-z, A-Z, 0-9, with a length of 9").
enum ToolCallID {
    /// `id` unchanged when it already fits; otherwise 9 base62 digits of its SHA-256. The mapping
    /// is a pure function of the id, so the assistant turn's `tool_calls[].id` and the tool
    /// turn's `tool_call_id` map to the same value in every request of a conversation, with no
    /// state kept between requests.
    static func nineCharacter(_ id: String) -> String {
        if id.utf8.count == 9, id.utf8.allSatisfy(isAlphanumeric) { return id }
        let digest = SHA256.hash(Array(id.utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        var out: [UInt8] = []
        for _ in 0..<9 {
            out.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
