package import RouteroCore

/// Gemini `model`-turn parts → canonical parts, for upstream answers and for the history a Gemini
/// client sends (both spell a model turn the same way).
///
/// - `text` → text; with `thought: true` → reasoning.
/// - `thoughtSignature` → a Gemini ``ProviderSignature``: on a thought part it signs that reasoning;
///   on a plain text part it comes out as signed reasoning with no text just before the text (the
///   canonical model signs reasoning, not text), and ``GeminiContentsEncoder`` puts it back on the
///   text when the history returns to Gemini; on a `functionCall` part it is the call's signature.
/// - `functionCall` → a tool call: id from `functionCall.id`, else from `callID(n, name)` for the
///   n-th call of the turn; arguments are the compact JSON of `args` (`{}` when absent).
/// - `inlineData` / `fileData` → image, audio or file parts by MIME type.
/// - Anything else (`executableCode`, `codeExecutionResult`, server-side tool parts) has no
///   canonical form and is skipped.
package enum GeminiParts {
    /// The canonical parts of a model turn; `callID` names calls that came without an id.
    package static func modelParts(_ parts: [JSONValue], callID: (_ index: Int, _ name: String) -> String)
        -> [ContentPart] {
        var out: [ContentPart] = []
        var calls = 0
        for value in parts {
            guard let part = value.objectValue else { continue }
            let signature = part[gemini: "thoughtSignature"]?.stringValue.map { ProviderSignature(family: .gemini, value: $0) }
            if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true {
                    out.append(.reasoning(ReasoningPart(text: text, signature: signature)))
                    continue
                }
                if let signature { out.append(.reasoning(ReasoningPart(text: "", signature: signature))) }
                guard !text.isEmpty else { continue }
                if case .text(let previous)? = out.last {
                    out[out.count - 1] = .text(TextPart(previous.text + text))
                } else {
                    out.append(.text(TextPart(text)))
                }
            } else if let call = part[gemini: "functionCall"]?.objectValue {
                out.append(.toolCall(toolCall(call, signature: signature,
                                             fallbackID: callID(calls, call["name"]?.stringValue ?? ""))))
                calls += 1
            } else if let media = GeminiMedia.canonicalPart(inlineData: part[gemini: "inlineData"],
                                                            fileData: part[gemini: "fileData"]) {
                out.append(media)
            } else if let signature {
                out.append(.reasoning(ReasoningPart(text: "", signature: signature)))
            }
        }
        return out
    }

    /// A `functionCall` object as a canonical call.
    package static func toolCall(_ call: JSONObject, signature: ProviderSignature?, fallbackID: @autoclosure () -> String)
        -> ToolCall {
        let id = call["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? fallbackID()
        let arguments = call["args"].map { $0.isNull ? "{}" : JSON.string($0) } ?? "{}"
        return ToolCall(id: id, name: call["name"]?.stringValue ?? "", arguments: arguments, signature: signature)
    }
}
