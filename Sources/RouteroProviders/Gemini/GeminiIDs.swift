import RouteroCore

/// Ids the Gemini wire does not always carry: Gemini API calls often come without `functionCall.id`,
/// and responses sometimes without `responseId`, but every other family needs both.
package enum GeminiIDs {
    /// A tool-call id derived from `seed` (`call_` and 24 base62 characters of its SHA-256).
    ///
    /// Seeds are chosen to be unique and stable: the response id and the call's position for
    /// upstream answers, the call's position in the history for client requests. A stable id means a
    /// client sending the same history twice gets the same canonical ids (cache keys stay equal).
    package static func toolCall(seed: String) -> String {
        "call_" + base62(SHA256.hash(Array(seed.utf8)), count: 24)
    }

    /// A random id with `prefix`, for answers that carry no id of their own.
    package static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: generator.next() as UInt64) { bytes += $0 } }
        return prefix + base62(bytes, count: 24)
    }

    /// Whether a tool-call id was issued by Gemini and so belongs in `functionCall.id` and
    /// `functionResponse.id` when the history goes back to Gemini.
    ///
    /// Gemini 3 rejects a `functionResponse.id` that does not match its call, and some endpoints reject
    /// the field outright, so ids Gemini did not issue are left out: the gateway's generated ids and
    /// OpenAI's (`call_…`) and Anthropic's (`toolu_…`). Gemini then pairs calls and responses by name
    /// and order, as it always did before ids existed.
    package static func isGeminiIssued(_ id: String) -> Bool {
        !id.isEmpty && !id.hasPrefix("call_") && !id.hasPrefix("toolu_")
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// One character per byte (at most 32 from a digest); the modulo bias does not matter for ids.
    private static func base62(_ bytes: [UInt8], count: Int) -> String {
        String(decoding: bytes.prefix(count).map { alphabet[Int($0 % 62)] }, as: UTF8.self)
    }
}
