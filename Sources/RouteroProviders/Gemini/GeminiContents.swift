import RouteroCore

/// Canonical messages → Gemini `systemInstruction` and `contents` (reference 6.2, OpenAI → Gemini).
///
/// - System and developer messages become `systemInstruction.parts`, in order.
/// - User parts become `text`, `inlineData` or `fileData` parts (``GeminiMedia``).
/// - An assistant message becomes a `model` turn: text (empty text skipped), Gemini-signed reasoning
///   replayed as `thought` parts, then one `functionCall` per tool call with its `thoughtSignature`
///   re-attached (from the call, or from a ``SignedToolCallID`` the client echoed back).
/// - Tool results become `functionResponse` parts of a `user` turn: the name comes from the call the
///   result answers, `response` is `{"output": …}` (`{"error": …}` for a failed call) holding the
///   parsed JSON result or the text, and images in a result follow as `inlineData` parts of the
///   same turn, never dropped.
/// - Consecutive turns of one role are merged (a merged `user` turn puts its function responses
///   first, so they directly follow the calls); a turn with no parts is never sent.
/// - Every content carries its `role` (Vertex requires it).
struct GeminiContentsEncoder {
    let policy: ParameterPolicy

    private(set) var systemParts: [JSONValue] = []
    private var turns: [(role: String, parts: [JSONObject])] = []
    /// Tool-call id (signature removed) → function name, from the assistant turns seen so far.
    private var callNames: [String: String] = [:]

    init(policy: ParameterPolicy) { self.policy = policy }

    /// `{"parts": [...]}` for the instructions, or nil when there are none.
    var systemInstruction: JSONValue? {
        systemParts.isEmpty ? nil : .object(["parts": .array(systemParts)])
    }

    /// The contents, in order.
    var contents: [JSONValue] {
        turns.map { turn in
            var parts = turn.parts
            if turn.role == "user" {
                // Function responses answer the preceding model turn: they go first.
                let responses = parts.filter { $0["functionResponse"] != nil }
                parts = responses + parts.filter { $0["functionResponse"] == nil }
            }
            return .object(["role": .string(turn.role), "parts": .array(parts.map(JSONValue.object))])
        }
    }

    /// Encodes every message.
    mutating func encode(_ messages: [ChatMessage]) throws(GatewayError) {
        for message in messages {
            switch message.role {
            case .system, .developer:
                for part in message.parts {
                    if case .text(let text) = part, !text.text.isEmpty { systemParts.append(["text": .string(text.text)]) }
                }
            case .user, .tool:
                append("user", try userParts(message.parts))
            case .assistant:
                append("model", try modelParts(message.parts))
            }
        }
    }

    private mutating func append(_ role: String, _ parts: [JSONObject]) {
        guard !parts.isEmpty else { return }
        if let last = turns.indices.last, turns[last].role == role {
            turns[last].parts += parts
        } else {
            turns.append((role, parts))
        }
    }

    private mutating func userParts(_ parts: [ContentPart]) throws(GatewayError) -> [JSONObject] {
        var out: [JSONObject] = []
        var media: [JSONObject] = []  // images from tool results, after the function responses
        for part in parts {
            switch part {
            case .text(let text):
                if !text.text.isEmpty { out.append(["text": .string(text.text)]) }
            case .image(let m):
                if let wire = try mediaPart(m, .image) { out.append(wire) }
            case .audio(let m):
                if let wire = try mediaPart(m, .audio) { out.append(wire) }
            case .file(let m):
                if let wire = try mediaPart(m, .file) { out.append(wire) }
            case .toolResult(let result):
                out.append(try functionResponse(result))
                for item in result.content {
                    switch item {
                    case .image(let m): if let wire = try mediaPart(m, .image) { media.append(wire) }
                    case .audio(let m): if let wire = try mediaPart(m, .audio) { media.append(wire) }
                    case .file(let m): if let wire = try mediaPart(m, .file) { media.append(wire) }
                    default: break
                    }
                }
            case .refusal(let text):
                if !text.isEmpty { out.append(["text": .string(text)]) }
            case .toolCall, .reasoning:
                break  // only assistant turns carry these
            }
        }
        return out + media
    }

    private mutating func modelParts(_ parts: [ContentPart]) throws(GatewayError) -> [JSONObject] {
        var out: [JSONObject] = []
        // A signature Gemini put on a text or call part arrives as signed reasoning with no text:
        // it goes back on the next part of the turn.
        var pendingSignature: String?
        var sawCall = false
        func attach(_ part: inout JSONObject) {
            if let signature = pendingSignature, part["thoughtSignature"] == nil {
                part["thoughtSignature"] = .string(signature)
                pendingSignature = nil
            }
        }
        for part in parts {
            switch part {
            case .text(let text):
                guard !text.text.isEmpty else { continue }
                var wire: JSONObject = ["text": .string(text.text)]
                attach(&wire)
                out.append(wire)
            case .refusal(let text):
                guard !text.isEmpty else { continue }
                out.append(["text": .string(text)])
            case .reasoning(let reasoning):
                // Only Gemini's own signed thoughts mean anything to Gemini; other families' reasoning
                // (and unsigned thought summaries, which Gemini never needs back) stay out.
                guard let signature = reasoning.signature, signature.family == .gemini else { continue }
                if reasoning.text.isEmpty {
                    pendingSignature = signature.value
                } else {
                    out.append(["text": .string(reasoning.text), "thought": true,
                                "thoughtSignature": .string(signature.value)])
                }
            case .toolCall(let call):
                let (id, carried) = SignedToolCallID.extract(call.id)
                callNames[id] = call.name
                var functionCall = JSONObject()
                if GeminiIDs.isGeminiIssued(id) { functionCall["id"] = .string(id) }
                functionCall["name"] = .string(call.name)
                functionCall["args"] = Self.arguments(call.arguments, name: call.name)
                var wire: JSONObject = ["functionCall": .object(functionCall)]
                let signature = call.signature?.family == .gemini ? call.signature : carried
                // Gemini 3 validates the signature of the first functionCall of each model turn (it
                // signs only the first of parallel calls). A first call Gemini did not make — another
                // family's, or one whose signature a client dropped — carries Google's documented
                // placeholder, which skips that validation.
                if let signature {
                    wire["thoughtSignature"] = .string(signature.value)
                } else if !sawCall {
                    wire["thoughtSignature"] = .string(Self.placeholderSignature)
                }
                sawCall = true
                attach(&wire)
                out.append(wire)
            case .image(let m):
                if let wire = try mediaPart(m, .image) { out.append(wire) }
            case .audio(let m):
                if let wire = try mediaPart(m, .audio) { out.append(wire) }
            case .file(let m):
                if let wire = try mediaPart(m, .file) { out.append(wire) }
            case .toolResult:
                break
            }
        }
        return out
    }

    /// Google's value for function calls whose real thought signature is unknown.
    static let placeholderSignature = "skip_thought_signature_validator"

    private func functionResponse(_ result: ToolResult) throws(GatewayError) -> JSONObject {
        let (id, _) = SignedToolCallID.extract(result.callID)
        guard let name = callNames[id] ?? result.name, !name.isEmpty else {
            throw .invalidRequest(
                "A tool result answers tool_call_id '\(id)', but no earlier assistant message has a tool call "
                    + "with that id; Gemini needs the function name of every tool result.",
                param: "messages", code: "invalid_tool_call_id")
        }
        var response = JSONObject()
        if GeminiIDs.isGeminiIssued(id) { response["id"] = .string(id) }
        response["name"] = .string(name)
        response["response"] = .object([result.isError ? "error" : "output": Self.resultValue(result.text)])
        return ["functionResponse": .object(response)]
    }

    private func mediaPart(_ media: MediaPart, _ kind: GeminiMedia.Kind) throws(GatewayError) -> JSONObject? {
        if let wire = GeminiMedia.wirePart(media, kind: kind) { return wire }
        // A provider file id (OpenAI `file-…`, Anthropic `file_…`) names nothing Gemini can read.
        try policy.unsupported("file_id")
        return nil
    }

    /// Tool-call arguments as the object Gemini wants: the parsed JSON; `{}` for empty or invalid
    /// arguments (logged), and a non-object value wrapped as `{"value": …}`.
    static func arguments(_ text: String, name: String) -> JSONValue {
        guard text.contains(where: { !$0.isWhitespace }) else { return .object([:]) }
        guard let parsed = try? JSON.parse(text) else {
            Log.warning("tool call arguments are not JSON; sent to gemini as {}", [("tool", name)])
            return .object([:])
        }
        return parsed.objectValue != nil ? parsed : .object(["value": parsed])
    }

    /// A tool result's text as a JSON value when it is JSON (`{"temp":18}`, `42`), else the string.
    static func resultValue(_ text: String) -> JSONValue {
        if let first = text.first(where: { !$0.isWhitespace }), "{[\"-0123456789tfn".contains(first),
           let parsed = try? JSON.parse(text) {
            return parsed
        }
        return .string(text)
    }
}
