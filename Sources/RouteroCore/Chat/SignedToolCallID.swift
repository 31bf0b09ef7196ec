/// Carries a Gemini `thoughtSignature` inside a tool-call id through clients that have no field for it.
///
/// Gemini 3 models reject a replayed function call without the signature they attached to it, and an
/// OpenAI or Anthropic client only sends back the call's id. So the id a client sees is
/// `<id>__thought__<signature>` (LiteLLM's spelling, so histories move between the two gateways), and
/// the id is split again when the history comes back. Signatures of other families never go into ids.
public enum SignedToolCallID {
    public static let separator = "__thought__"

    /// The id a client sees for `call`.
    public static func embed(_ call: ToolCall) -> String {
        guard let signature = call.signature, signature.family == .gemini else { return call.id }
        return call.id + separator + signature.value
    }

    /// The id and the Gemini signature carried in an id a client sent back.
    public static func extract(_ id: String) -> (id: String, signature: ProviderSignature?) {
        let bytes = Array(id.utf8), needle = Array(separator.utf8)
        guard bytes.count > needle.count else { return (id, nil) }
        for start in 0...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            let value = String(decoding: bytes[(start + needle.count)...], as: UTF8.self)
            return (String(decoding: bytes[..<start], as: UTF8.self),
                    value.isEmpty ? nil : ProviderSignature(family: .gemini, value: value))
        }
        return (id, nil)
    }
}
