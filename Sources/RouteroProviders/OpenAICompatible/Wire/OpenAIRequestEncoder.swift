public import RouteroCore

/// Canonical call → OpenAI Chat Completions body, for clients of another family reaching an
/// OpenAI-compatible provider. The provider's quirks are applied afterwards, exactly as for an
/// OpenAI client's own body, so every compatible row keeps working unchanged.
struct OpenAIRequestEncoder {
    let policy: ParameterPolicy
    /// OpenAI itself rejects `top_k`; most compatible servers (vLLM, Together, ...) accept it.
    let acceptsTopK: Bool

    func encode(_ call: ChatCall, model: String) throws(GatewayError) -> JSONObject {
        try policy.rejectForeignExtras(call, family: .openAI)
        var body: JSONObject = ["model": .string(model)]
        var messages: [JSONValue] = []
        for message in call.messages { messages += try encode(message) }
        body["messages"] = .array(messages)
        if let v = call.maxTokens { body["max_completion_tokens"] = JSONValue(v) }
        if let v = call.temperature { body["temperature"] = JSONValue(v) }
        if let v = call.topP { body["top_p"] = JSONValue(v) }
        if let v = call.topK {
            if acceptsTopK { body["top_k"] = JSONValue(v) } else { try policy.unsupported("top_k") }
        }
        if !call.stop.isEmpty { body["stop"] = .array(call.stop.map(JSONValue.string)) }
        if let v = call.seed { body["seed"] = JSONValue(v) }
        if let v = call.presencePenalty { body["presence_penalty"] = JSONValue(v) }
        if let v = call.frequencyPenalty { body["frequency_penalty"] = JSONValue(v) }
        if let v = call.candidateCount, v != 1 { body["n"] = JSONValue(v) }
        if let reasoning = call.reasoning, !reasoning.isDisabled, let effort = reasoning.resolvedEffort {
            body["reasoning_effort"] = .string(effort)
        }
        if !call.tools.isEmpty { body["tools"] = .array(call.tools.map(Self.encode)) }
        if let choice = call.toolChoice { body["tool_choice"] = Self.encode(choice) }
        if let parallel = call.parallelToolCalls, !call.tools.isEmpty { body["parallel_tool_calls"] = .bool(parallel) }
        if let format = call.responseFormat { body["response_format"] = Self.encode(format) }
        if let user = call.user { body["user"] = .string(user) }
        if call.stream {
            body["stream"] = true
            // Usage is needed to translate the stream's end (Anthropic's message_delta, Gemini's
            // usageMetadata), whatever the client asked; the encoder decides what the client sees.
            body["stream_options"] = ["include_usage": true]
        }
        for extra in call.extras(for: .openAI) { body[extra.name] = extra.value }
        return body
    }

    /// One canonical message as one or more OpenAI messages: a tool turn becomes one `tool` message
    /// per result, and images a tool returned follow as a user message (OpenAI tool messages carry
    /// text only; dropping the images would change what the model sees).
    private func encode(_ message: ChatMessage) throws(GatewayError) -> [JSONValue] {
        switch message.role {
        case .tool:
            var out: [JSONValue] = []
            var images: [JSONValue] = []
            for part in message.parts {
                guard case .toolResult(let result) = part else { continue }
                var tool: JSONObject = ["role": "tool", "tool_call_id": .string(SignedToolCallID.extract(result.callID).id)]
                tool["content"] = .string(result.isError ? "Error: " + result.text : result.text)
                out.append(.object(tool))
                for inner in result.content where !isText(inner) { images.append(try encodePart(inner)) }
            }
            if !images.isEmpty {
                out.append(["role": "user", "content": .array([["type": "text", "text": "(tool result attachments)"]] + images)])
            }
            return out
        case .assistant:
            var object: JSONObject = ["role": "assistant"]
            let text = message.parts.compactMap(\.text).joined()
            let calls = message.toolCalls
            object["content"] = text.isEmpty && !calls.isEmpty ? .null : .string(text)
            if !calls.isEmpty {
                object["tool_calls"] = .array(calls.map { call in
                    ["id": .string(SignedToolCallID.extract(call.id).id), "type": "function",
                     "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                })
            }
            if let name = message.name { object["name"] = .string(name) }
            return [.object(object)]
        case .system, .developer, .user:
            var object: JSONObject = ["role": .string(message.role.rawValue)]
            if message.parts.allSatisfy(isText) {
                object["content"] = .string(message.parts.compactMap(\.text).joined(separator: message.role == .user ? "" : "\n"))
            } else {
                var parts: [JSONValue] = []
                for part in message.parts { parts.append(try encodePart(part)) }
                object["content"] = .array(parts)
            }
            if let name = message.name { object["name"] = .string(name) }
            return [.object(object)]
        }
    }

    private func isText(_ part: ContentPart) -> Bool {
        if case .text = part { return true }
        return false
    }

    private func encodePart(_ part: ContentPart) throws(GatewayError) -> JSONValue {
        switch part {
        case .text(let t):
            return ["type": "text", "text": .string(t.text)]
        case .image(let media):
            guard let url = media.dataURLOrURL else { try policy.unsupported("image file_id"); return ["type": "text", "text": ""] }
            var image: JSONObject = ["url": .string(url)]
            if let detail = media.detail { image["detail"] = .string(detail) }
            return ["type": "image_url", "image_url": .object(image)]
        case .audio(let media):
            guard case .base64(let type, let data) = media.source else {
                try policy.unsupported("input_audio url"); return ["type": "text", "text": ""]
            }
            let format = type.hasPrefix("audio/") ? String(type.dropFirst(6)).replacingMPEG() : type
            return ["type": "input_audio", "input_audio": ["data": .string(data), "format": .string(format)]]
        case .file(let media):
            var file: JSONObject = [:]
            switch media.source {
            case .fileID(let id): file["file_id"] = .string(id)
            case .base64, .url: file["file_data"] = media.dataURLOrURL.map(JSONValue.string) ?? .null
            }
            if let name = media.filename { file["filename"] = .string(name) }
            return ["type": "file", "file": .object(file)]
        case .refusal(let text):
            return ["type": "text", "text": .string(text)]
        case .toolCall, .toolResult, .reasoning:
            // Never inside a user/system message: the decoders put them in their own roles.
            return ["type": "text", "text": ""]
        }
    }

    static func encode(_ tool: ToolDefinition) -> JSONValue {
        var function: JSONObject = ["name": .string(tool.name)]
        if let d = tool.description { function["description"] = .string(d) }
        function["parameters"] = tool.parameters ?? ["type": "object", "properties": [:]]
        if let strict = tool.strict { function["strict"] = .bool(strict) }
        return ["type": "function", "function": .object(function)]
    }

    static func encode(_ choice: ToolChoice) -> JSONValue {
        switch choice {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .tool(let name): ["type": "function", "function": ["name": .string(name)]]
        }
    }

    static func encode(_ format: ResponseFormat) -> JSONValue {
        switch format {
        case .text: return ["type": "text"]
        case .jsonObject: return ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict, let description):
            var spec: JSONObject = ["name": .string(name), "schema": schema]
            if let strict { spec["strict"] = .bool(strict) }
            if let description { spec["description"] = .string(description) }
            return ["type": "json_schema", "json_schema": .object(spec)]
        }
    }
}

private extension String {
    /// OpenAI names MP3 input `mp3`, not `mpeg`.
    func replacingMPEG() -> String { self == "mpeg" ? "mp3" : self == "x-wav" ? "wav" : self }
}
