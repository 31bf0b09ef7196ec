import RouteroCore
import RouteroProviders

/// Canonical stream events → a Gemini client's stream (reference 6.4, upstream OpenAI → Gemini).
///
/// - Each text delta is one chunk `{"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":…}]}}],
///   "modelVersion","responseId"}`; reasoning deltas likewise as `thought` parts, when the client
///   asked for thoughts.
/// - Tool-call argument fragments are buffered per index; every call becomes one `functionCall`
///   part (parsed `args`) when the finish arrives, in the last chunk.
/// - The last chunk carries `finishReason` and `usageMetadata`. Usage may follow the finish, so that
///   chunk is held until ``ChatStreamEvent/end`` or ``close()``.
/// - Framing: `data: {…}\r\n\r\n` events with `alt=sse`, else one JSON array (`[` before the first
///   chunk, `,\r\n` between chunks, `]` after the last).
/// - ``fail(_:)`` ends the stream with a Google error object in the same framing.
struct GeminiStreamEncoder: ChatStreamEncoder {
    let sseFraming: Bool
    let parts: GeminiResponseEncoder

    private var id = ""
    private var model = ""
    private var calls: [Int: (id: String, name: String, arguments: String, signature: ProviderSignature?)] = [:]
    private var finishReason: FinishReason?
    private var usage: Usage?
    /// A Gemini signature to put on the next part sent.
    private var pendingSignature: String?
    private var sentChunks = 0
    private var closed = false

    init(sseFraming: Bool, includeThoughts: Bool) {
        self.sseFraming = sseFraming
        self.parts = GeminiResponseEncoder(includeThoughts: includeThoughts)
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        guard !closed else { return [] }
        switch event {
        case .start(let id, let model, let usage):
            self.id = id
            self.model = model
            if let usage { self.usage = usage }
            return []
        case .text(let text):
            guard !text.isEmpty else { return [] }
            return chunk(parts: [signed(["text": .string(text)])])
        case .reasoning(let text):
            guard parts.includeThoughts, !text.isEmpty else { return [] }
            return chunk(parts: [["text": .string(text), "thought": true]])
        case .reasoningSignature(let signature):
            if signature.family == .gemini { pendingSignature = signature.value }
            return []
        case .redactedReasoning:
            return []
        case .toolCallStart(let index, let id, let name, let signature):
            calls[index] = (id, name, "", signature)
            return []
        case .toolCallArguments(let index, let fragment):
            calls[index]?.arguments += fragment
            return []
        case .finish(let reason, _):
            finishReason = reason
            return []
        case .usage(let usage):
            self.usage = usage
            return []
        case .error(let error):
            return fail(error)
        case .end:
            return close()
        }
    }

    mutating func fail(_ error: GatewayError) -> [UInt8] {
        guard !closed else { return [] }
        closed = true
        let object = GeminiWireError.object(error)
        if sseFraming { return GeminiWireError.sseEvent(object) }
        var out: [UInt8] = sentChunks == 0 ? Array("[".utf8) : Array(",\r\n".utf8)
        out += JSON.serialize(.object(object))
        out += Array("]".utf8)
        return out
    }

    /// The held last chunk: buffered calls, the finish reason (`STOP` when the upstream ended without
    /// one) and the usage; then `]` for the array framing.
    mutating func close() -> [UInt8] {
        guard !closed else { return [] }
        var wire = calls.keys.sorted().compactMap { calls[$0] }.map { call in
            signed(GeminiResponseEncoder.functionCallPart(
                ToolCall(id: call.id, name: call.name, arguments: call.arguments, signature: call.signature)))
        }
        // Google's last chunk always has a part; clients read `content.parts` unconditionally.
        if wire.isEmpty { wire = [signed(["text": ""])] }
        var candidate: JSONObject = ["index": 0, "content": GeminiResponseEncoder.content(wire)]
        candidate["finishReason"] = .string(GeminiVocabulary.wireFinishReason(finishReason ?? .stop))
        var object: JSONObject = ["candidates": [.object(candidate)]]
        if let usage { object["usageMetadata"] = .object(GeminiVocabulary.usageMetadata(usage)) }
        var out = frame(object)
        closed = true
        if !sseFraming { out += Array("]".utf8) }
        return out
    }

    /// A blank line for SSE (a comment), whitespace for the array: JSON allows whitespace between
    /// any two tokens, and this encoder only ever stops between whole chunks (before `[` and after
    /// `]` included), so the array stays valid wherever the keep-alive lands.
    func keepAlive() -> [UInt8] {
        sseFraming ? Array(": keep-alive\r\n\r\n".utf8) : Array("\r\n".utf8)
    }

    private mutating func signed(_ part: JSONObject) -> JSONObject {
        guard let signature = pendingSignature, part["thoughtSignature"] == nil else { return part }
        pendingSignature = nil
        var part = part
        part["thoughtSignature"] = .string(signature)
        return part
    }

    private mutating func chunk(parts: [JSONObject]) -> [UInt8] {
        frame(["candidates": [["index": 0, "content": GeminiResponseEncoder.content(parts)]]])
    }

    /// One chunk with the stream's model and id, framed.
    private mutating func frame(_ object: JSONObject) -> [UInt8] {
        var object = object
        object["modelVersion"] = .string(model)
        object["responseId"] = .string(id)
        defer { sentChunks += 1 }
        if sseFraming { return Array("data: ".utf8) + JSON.serialize(.object(object)) + Array("\r\n\r\n".utf8) }
        return Array((sentChunks == 0 ? "[" : ",\r\n").utf8) + JSON.serialize(.object(object))
    }
}
