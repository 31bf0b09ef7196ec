public import RouteroCore
import RouteroProviders

/// Canonical stream events → OpenAI `chat.completion.chunk` SSE for an OpenAI client.
///
/// The role delta goes out once, with the first chunk; every chunk repeats the stream's id, created and
/// model; the finish chunk carries `finish_reason` with an empty delta; usage (which providers report at
/// different moments) is held and sent as OpenAI's own final `choices: []` chunk when the client asked
/// for it, then `[DONE]`.
struct OpenAIStreamEncoder: ChatStreamEncoder {
    let includeUsage: Bool
    let created: Int
    private var id = "chatcmpl-routero"
    private var model = ""
    private var startedOutput = false
    private var finished = false
    private var closed = false
    private var usage: Usage?
    /// `data: {"id":…,"object":…,"created":…,"model":…,"choices":[{"index":0,"delta":` for this stream.
    private var chunkPrefix: [UInt8] = []

    init(includeUsage: Bool, created: Int) {
        self.includeUsage = includeUsage
        self.created = created
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        if closed { return [] }
        switch event {
        case .start(let id, let model, let usage):
            if !id.isEmpty { self.id = id }
            self.model = model
            chunkPrefix = []
            if let usage { self.usage = usage }
            return role()
        case .text(let text):
            return role() + chunk(["content": .string(text)])
        case .reasoning(let text):
            return role() + chunk(["reasoning_content": .string(text)])
        case .reasoningSignature(let signature):
            guard signature.family == .anthropic else { return [] }
            return role() + chunk(["thinking_blocks": [["type": "thinking", "thinking": "", "signature": .string(signature.value)]]])
        case .redactedReasoning(let data):
            return role() + chunk(["thinking_blocks": [["type": "redacted_thinking", "data": .string(data)]]])
        case .toolCallStart(let index, let id, let name, let signature):
            let call: JSONObject = ["index": JSONValue(index),
                                    "id": .string(SignedToolCallID.embed(ToolCall(id: id, name: name, arguments: "", signature: signature))),
                                    "type": "function", "function": ["name": .string(name), "arguments": ""]]
            return role() + chunk(["tool_calls": [.object(call)]])
        case .toolCallArguments(let index, let fragment):
            return role() + chunk(["tool_calls": [["index": JSONValue(index), "function": ["arguments": .string(fragment)]]]])
        case .finish(let reason, _):
            guard !finished else { return [] }
            finished = true
            return role() + chunk([:], finish: OpenAIVocabulary.finishReason(reason))
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
        if closed { return [] }
        closed = true
        return OpenAIVocabulary.streamErrorEvent(error)
    }

    mutating func close() -> [UInt8] {
        if closed { return [] }
        closed = true
        var out = role()
        if includeUsage, let usage {
            out += event(["id": .string(id), "object": "chat.completion.chunk", "created": JSONValue(created),
                          "model": .string(model), "choices": [], "usage": OpenAIVocabulary.usage(usage)])
        }
        return out + SSEEvent.done.encoded()
    }

    func keepAlive() -> [UInt8] { Array(": keep-alive\n\n".utf8) }

    private mutating func role() -> [UInt8] {
        guard !startedOutput else { return [] }
        startedOutput = true
        return chunk(["role": "assistant", "content": ""])
    }

    /// One chunk. Every chunk of a stream shares the bytes up to its delta, so they are serialized
    /// once (`chunkPrefix`) and each chunk only serializes its delta.
    private mutating func chunk(_ delta: JSONObject, finish: String? = nil) -> [UInt8] {
        if chunkPrefix.isEmpty {
            var prefix = Array("data: {\"id\":".utf8)
            JSON.writeString(id, into: &prefix)
            prefix += Array(",\"object\":\"chat.completion.chunk\",\"created\":\(created),\"model\":".utf8)
            JSON.writeString(model, into: &prefix)
            prefix += Array(",\"choices\":[{\"index\":0,\"delta\":".utf8)
            chunkPrefix = prefix
        }
        var out = chunkPrefix
        out.reserveCapacity(chunkPrefix.count + 96)
        JSON.write(.object(delta), into: &out)
        out += Array(",\"finish_reason\":".utf8)
        if let finish { JSON.writeString(finish, into: &out) } else { out += Array("null".utf8) }
        out += Array("}]}\n\n".utf8)
        return out
    }

    private func event(_ object: JSONObject) -> [UInt8] {
        SSEEvent.json(.object(object))
    }
}
