import RouteroCore
import RouteroProviders

/// Canonical answers → Gemini `GenerateContentResponse` objects (reference 6.3, canonical → Gemini).
///
/// Parts keep the canonical order: text (and refusals) as `text`, tool calls as `functionCall {id,
/// name, args}` (the canonical id, which the client echoes in `functionResponse.id`), images as
/// `inlineData`. Reasoning is written as `thought: true` parts only when the client asked for
/// thoughts (`thinkingConfig.includeThoughts`), as Gemini itself does; a Gemini thought signature
/// travels as `thoughtSignature` on its thought part, or, for a signature without text, on the next
/// part. Other families' signatures never reach a Gemini client.
struct GeminiResponseEncoder {
    /// Whether the client asked for thought parts.
    let includeThoughts: Bool

    /// `{"candidates":[{"index":0,"content":{"role":"model","parts":[…]},"finishReason"}],
    /// "usageMetadata","modelVersion","responseId"}`; `content` is left out when there is nothing
    /// in it (as Google does for a blocked answer).
    func body(_ result: ChatResult) -> JSONObject {
        var candidate: JSONObject = ["index": 0]
        let parts = wireParts(result.parts)
        if !parts.isEmpty { candidate["content"] = Self.content(parts) }
        candidate["finishReason"] = .string(GeminiVocabulary.wireFinishReason(result.finishReason ?? .stop))
        var body: JSONObject = ["candidates": [.object(candidate)]]
        if let usage = result.usage { body["usageMetadata"] = .object(GeminiVocabulary.usageMetadata(usage)) }
        body["modelVersion"] = .string(result.model)
        body["responseId"] = .string(result.id)
        return body
    }

    /// `{"role":"model","parts":[…]}`.
    static func content(_ parts: [JSONObject]) -> JSONValue {
        .object(["role": "model", "parts": .array(parts.map(JSONValue.object))])
    }

    /// The Gemini parts for canonical parts.
    func wireParts(_ parts: [ContentPart]) -> [JSONObject] {
        var out: [JSONObject] = []
        var pendingSignature: String?
        func emit(_ part: JSONObject) {
            var part = part
            if let signature = pendingSignature, part["thoughtSignature"] == nil {
                part["thoughtSignature"] = .string(signature)
                pendingSignature = nil
            }
            out.append(part)
        }
        for part in parts {
            switch part {
            case .text(let text):
                if !text.text.isEmpty { emit(["text": .string(text.text)]) }
            case .refusal(let text):
                if !text.isEmpty { emit(["text": .string(text)]) }
            case .reasoning(let reasoning):
                let signature = reasoning.signature?.family == .gemini ? reasoning.signature?.value : nil
                if includeThoughts, !reasoning.text.isEmpty {
                    var thought: JSONObject = ["text": .string(reasoning.text), "thought": true]
                    if let signature { thought["thoughtSignature"] = .string(signature) }
                    out.append(thought)
                } else if let signature {
                    pendingSignature = signature
                }
            case .toolCall(let call):
                emit(Self.functionCallPart(call))
            case .image(let media), .audio(let media), .file(let media):
                if case .base64(let type, let data) = media.source {
                    emit(["inlineData": ["mimeType": .string(type), "data": .string(data)]])
                } else if case .url(let url, let type) = media.source {
                    emit(["fileData": ["mimeType": .string(type ?? "application/octet-stream"), "fileUri": .string(url)]])
                }
            case .toolResult:
                break
            }
        }
        return out
    }

    /// `{"functionCall":{"id","name","args"},"thoughtSignature"?}`; arguments that are not a JSON
    /// object become `{}` (Gemini's `args` is always an object), logged.
    static func functionCallPart(_ call: ToolCall) -> JSONObject {
        var args: JSONValue = .object([:])
        if call.arguments.contains(where: { !$0.isWhitespace }) {
            if let parsed = try? JSON.parse(call.arguments), parsed.objectValue != nil {
                args = parsed
            } else {
                Log.warning("tool call arguments are not a JSON object; sent to the gemini client as {}",
                            [("tool", call.name)])
            }
        }
        var part: JSONObject = ["functionCall": ["id": .string(call.id), "name": .string(call.name), "args": args]]
        if let signature = call.signature, signature.family == .gemini {
            part["thoughtSignature"] = .string(signature.value)
        }
        return part
    }

    /// Whether a Gemini body asks for thought parts.
    static func includeThoughts(in body: JSONObject) -> Bool {
        body[gemini: "generationConfig"]?.objectValue?[gemini: "thinkingConfig"]?.objectValue?[gemini: "includeThoughts"]?
            .boolValue == true
    }
}
