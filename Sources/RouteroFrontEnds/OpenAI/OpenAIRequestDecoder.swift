public import RouteroCore

/// An OpenAI Chat Completions body → canonical call, for providers of another family.
///
/// Every field is either mapped or kept as an OpenAI-addressed ``ProviderExtra``; advisory fields
/// (`store`, `metadata`, `service_tier`, ...) are marked droppable, as the reference mapping drops
/// them for other families. Assistant `thinking_blocks` (LiteLLM's field for Anthropic thinking with
/// signatures) come back as reasoning parts so a tool loop through the gateway stays valid for Claude.
struct OpenAIRequestDecoder {
    /// Fields this decoder maps (everything else becomes an extra).
    static let mapped: Set<String> = [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "seed",
        "presence_penalty", "frequency_penalty", "n", "reasoning_effort", "tools", "tool_choice", "parallel_tool_calls",
        "response_format", "user", "stream", "stream_options", "functions", "function_call", "cache", "fallbacks",
    ]
    /// Advisory OpenAI fields other families ignore.
    static let droppable: Set<String> = [
        "store", "metadata", "service_tier", "safety_identifier", "prompt_cache_key", "prompt_cache_retention",
        "verbosity", "prediction", "logprobs", "top_logprobs",
    ]

    func decode(_ body: JSONObject) throws(GatewayError) -> ChatCall {
        let messages = try decodeMessages(body["messages"]?.arrayValue ?? [])
        var call = ChatCall(model: body["model"]?.stringValue ?? "", messages: messages)
        call.maxTokens = body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue
        call.temperature = body["temperature"]?.doubleValue
        call.topP = body["top_p"]?.doubleValue
        call.topK = body["top_k"]?.intValue
        if let stop = body["stop"] {
            call.stop = stop.stringValue.map { [$0] } ?? stop.arrayValue?.compactMap(\.stringValue) ?? []
        }
        call.seed = body["seed"]?.intValue
        call.presencePenalty = body["presence_penalty"]?.doubleValue
        call.frequencyPenalty = body["frequency_penalty"]?.doubleValue
        call.candidateCount = body["n"]?.intValue
        if let effort = body["reasoning_effort"]?.stringValue { call.reasoning = ReasoningConfig(effort: effort) }
        call.tools = try decodeTools(body)
        call.toolChoice = try decodeToolChoice(body["tool_choice"] ?? body["function_call"])
        call.parallelToolCalls = body["parallel_tool_calls"]?.boolValue
        call.responseFormat = try decodeResponseFormat(body["response_format"])
        call.user = body["user"]?.stringValue
        call.stream = body["stream"]?.boolValue == true
        call.includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
        for (key, value) in body where !Self.mapped.contains(key) {
            call.extras.append(ProviderExtra(family: .openAI, name: key, value: value,
                                             droppable: Self.droppable.contains(key) || value.isNull))
        }
        return call
    }

    private func decodeMessages(_ values: [JSONValue]) throws(GatewayError) -> [ChatMessage] {
        var out: [ChatMessage] = []
        var namesByCallID: [String: String] = [:]
        for (i, value) in values.enumerated() {
            guard let m = value.objectValue, let roleText = m["role"]?.stringValue else {
                throw .invalidRequest("messages[\(i)] must be an object with a role.", param: "messages[\(i)]")
            }
            let role: ChatRole
            switch roleText {
            case "function": role = .tool
            default:
                guard let r = ChatRole(rawValue: roleText) else {
                    throw .invalidRequest("messages[\(i)].role '\(roleText)' is not one of system, developer, user, "
                                          + "assistant, tool.", param: "messages[\(i)].role")
                }
                role = r
            }
            var message = ChatMessage(role: role, parts: [], name: role == .tool ? nil : m["name"]?.stringValue)
            switch role {
            case .tool:
                let id = m["tool_call_id"]?.stringValue ?? m["name"]?.stringValue ?? ""
                let content = try decodeContent(m["content"], at: i)
                let name = namesByCallID[SignedToolCallID.extract(id).id] ?? (roleText == "function" ? m["name"]?.stringValue : nil)
                message.parts = [.toolResult(ToolResult(callID: id, name: name, content: content))]
            case .assistant:
                for block in m["thinking_blocks"]?.arrayValue ?? [] { if let r = Self.thinkingBlock(block) { message.parts.append(.reasoning(r)) } }
                message.parts += try decodeContent(m["content"], at: i)
                for call in m["tool_calls"]?.arrayValue ?? [] {
                    guard let function = call["function"]?.objectValue, let name = function["name"]?.stringValue else {
                        throw .invalidRequest("messages[\(i)].tool_calls entries need function.name.", param: "messages[\(i)].tool_calls")
                    }
                    let (id, signature) = SignedToolCallID.extract(call["id"]?.stringValue ?? "")
                    namesByCallID[id] = name
                    message.parts.append(.toolCall(ToolCall(id: id, name: name,
                                                            arguments: function["arguments"]?.stringValue ?? "{}",
                                                            signature: signature)))
                }
                if let legacy = m["function_call"]?.objectValue, let name = legacy["name"]?.stringValue {
                    namesByCallID[name] = name
                    message.parts.append(.toolCall(ToolCall(id: name, name: name, arguments: legacy["arguments"]?.stringValue ?? "{}")))
                }
            case .system, .developer, .user:
                message.parts = try decodeContent(m["content"], at: i)
            }
            out.append(message)
        }
        return out
    }

    /// LiteLLM's `thinking_blocks` entry: `{"type":"thinking","thinking","signature"}` or `{"type":"redacted_thinking","data"}`.
    static func thinkingBlock(_ value: JSONValue) -> ReasoningPart? {
        guard let b = value.objectValue else { return nil }
        if b["type"]?.stringValue == "redacted_thinking", let data = b["data"]?.stringValue {
            return ReasoningPart(text: "", redacted: data)
        }
        let signature = b["signature"]?.stringValue.map { ProviderSignature(family: .anthropic, value: $0) }
        return ReasoningPart(text: b["thinking"]?.stringValue ?? "", signature: signature)
    }

    private func decodeContent(_ value: JSONValue?, at i: Int) throws(GatewayError) -> [ContentPart] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue { return text.isEmpty ? [] : [.text(TextPart(text))] }
        guard let parts = value.arrayValue else {
            throw .invalidRequest("messages[\(i)].content must be a string or an array of parts.", param: "messages[\(i)].content")
        }
        var out: [ContentPart] = []
        for part in parts {
            guard let p = part.objectValue, let type = p["type"]?.stringValue else {
                throw .invalidRequest("messages[\(i)].content parts need a type.", param: "messages[\(i)].content")
            }
            let cache = p["cache_control"]
            switch type {
            case "text":
                out.append(.text(TextPart(p["text"]?.stringValue ?? "", cacheControl: cache)))
            case "image_url":
                let image = p["image_url"]
                guard let url = image?.stringValue ?? image?["url"]?.stringValue else {
                    throw .invalidRequest("messages[\(i)] image_url needs a url.", param: "messages[\(i)].content")
                }
                out.append(.image(MediaPart(source: MediaPart.fromURL(url), detail: image?["detail"]?.stringValue, cacheControl: cache)))
            case "input_audio":
                guard let data = p["input_audio"]?["data"]?.stringValue else {
                    throw .invalidRequest("messages[\(i)] input_audio needs data.", param: "messages[\(i)].content")
                }
                let format = p["input_audio"]?["format"]?.stringValue ?? "wav"
                out.append(.audio(MediaPart(source: .base64(mediaType: "audio/" + (format == "mp3" ? "mpeg" : format), data: data))))
            case "file":
                let file = p["file"]?.objectValue ?? [:]
                let source: MediaSource
                if let id = file["file_id"]?.stringValue { source = .fileID(id) }
                else if let data = file["file_data"]?.stringValue {
                    source = MediaPart.fromURL(data.hasPrefix("data:") ? data : "data:application/pdf;base64," + data)
                } else {
                    throw .invalidRequest("messages[\(i)] file parts need file_id or file_data.", param: "messages[\(i)].content")
                }
                out.append(.file(MediaPart(source: source, filename: file["filename"]?.stringValue, cacheControl: cache)))
            case "refusal":
                out.append(.refusal(p["refusal"]?.stringValue ?? ""))
            default:
                throw .invalidRequest("messages[\(i)] has a content part of type '\(type)' the gateway cannot translate.",
                                      param: "messages[\(i)].content")
            }
        }
        return out
    }

    private func decodeTools(_ body: JSONObject) throws(GatewayError) -> [ToolDefinition] {
        var tools: [ToolDefinition] = []
        for (i, tool) in (body["tools"]?.arrayValue ?? []).enumerated() {
            guard tool["type"]?.stringValue ?? "function" == "function", let f = tool["function"]?.objectValue,
                  let name = f["name"]?.stringValue else {
                throw .invalidRequest("tools[\(i)] must be a function tool with a name.", param: "tools[\(i)]")
            }
            tools.append(ToolDefinition(name: name, description: f["description"]?.stringValue, parameters: f["parameters"],
                                        strict: f["strict"]?.boolValue, cacheControl: tool["cache_control"]))
        }
        for f in body["functions"]?.arrayValue ?? [] {
            guard let name = f["name"]?.stringValue else { continue }
            tools.append(ToolDefinition(name: name, description: f["description"]?.stringValue, parameters: f["parameters"]))
        }
        return tools
    }

    private func decodeToolChoice(_ value: JSONValue?) throws(GatewayError) -> ToolChoice? {
        guard let value, !value.isNull else { return nil }
        switch value.stringValue {
        case "auto": return .auto
        case "none": return ToolChoice.none
        case "required", "any": return .required
        case .some(let other): throw .invalidRequest("tool_choice '\(other)' is not auto, none or required.", param: "tool_choice")
        case nil: break
        }
        if let name = value["function"]?["name"]?.stringValue ?? value["name"]?.stringValue { return .tool(name) }
        throw .invalidRequest("tool_choice must be a string or {\"type\":\"function\",\"function\":{\"name\":...}}.", param: "tool_choice")
    }

    private func decodeResponseFormat(_ value: JSONValue?) throws(GatewayError) -> ResponseFormat? {
        guard let value, !value.isNull else { return nil }
        switch value["type"]?.stringValue {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let spec = value["json_schema"]?.objectValue, let schema = spec["schema"] else {
                throw .invalidRequest("response_format.json_schema needs a schema.", param: "response_format")
            }
            return .jsonSchema(name: spec["name"]?.stringValue ?? "response", schema: schema,
                               strict: spec["strict"]?.boolValue, description: spec["description"]?.stringValue)
        default:
            throw .invalidRequest("response_format.type must be text, json_object or json_schema.", param: "response_format")
        }
    }
}
