import RouteroCore
import RouteroProviders

/// An Anthropic Messages (or count_tokens) body → the canonical call (reference 6.2, "Anthropic →
/// canonical", and the reverse of 6.1).
///
/// - `system` (string or text blocks, `cache_control` kept) → one system message first.
/// - User turns: `tool_result` blocks → separate tool messages placed **before** the rest of the turn;
///   text, image and document blocks → parts (images inside tool results stay images).
/// - Assistant turns: text, `thinking`/`redacted_thinking` (→ reasoning signed by Anthropic) and
///   `tool_use` (→ calls, arguments the compact JSON of `input`, ids through
///   ``SignedToolCallID/extract(_:)`` so a Gemini signature embedded earlier comes back).
/// - `stop_sequences` → stop, `metadata.user_id` → user, `tool_choice` (`any` → required,
///   `disable_parallel_tool_use` → `parallelToolCalls: false`), `thinking` → ``ReasoningConfig``,
///   `output_config.format` → a `json_schema` response format, `output_config.effort` → effort.
/// - Every other top-level field → a ``ProviderExtra`` addressed to Anthropic, so a provider of another
///   family either drops it (advisory fields, or `drop_params`) or names it in a 400; `anthropic-beta`
///   → a ``ProviderHeader``.
///
/// Server tools (`web_search_…`, `code_execution_…`, ...) and their result blocks are rejected with a
/// 400: only Anthropic runs them, and a model of another family would silently answer without them.
enum AnthropicRequestDecoder {
    /// Top-level fields the canonical model expresses.
    static let mappedFields: Set<String> = [
        "model", "messages", "system", "max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "stream",
        "tools", "tool_choice", "thinking", "output_config", "metadata",
    ]

    /// Advisory fields other families may ignore without changing the answer: billing tier, abuse
    /// metadata, prompt-cache placement, speed mode, cache diagnostics, Vertex's body version.
    static let advisoryFields: Set<String> = [
        "service_tier", "metadata", "cache_control", "speed", "diagnostics", "anthropic_version",
    ]

    /// The name given to a `json_schema` response format that came from `output_config.format`
    /// (Anthropic's format has no name; OpenAI's requires one).
    static let responseSchemaName = "response"

    static func call(from body: JSONObject, model: String, familyHeaders: [(String, String)], stream: Bool)
        throws(GatewayError) -> ChatCall {
        var call = ChatCall(model: model, messages: try messages(body))
        call.stream = stream
        call.includeUsage = stream  // an Anthropic stream always ends with usage: ask any upstream for it
        call.maxTokens = body["max_tokens"]?.intValue
        call.temperature = try number(body, "temperature")
        call.topP = try number(body, "top_p")
        if let topK = body["top_k"] {
            guard let value = topK.intValue else { throw AnthropicRequestValidation.invalid("top_k", "Input should be a valid integer") }
            call.topK = value
        }
        if let stops = body["stop_sequences"] {
            guard let list = stops.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw AnthropicRequestValidation.invalid("stop_sequences", "Input should be a valid list of strings")
            }
            call.stop = list.compactMap(\.stringValue)
        }
        call.tools = try tools(body["tools"])
        try toolChoice(body["tool_choice"], into: &call)
        try reasoning(body, into: &call)
        try metadata(body["metadata"], into: &call)
        for (key, value) in body where !mappedFields.contains(key) {
            call.extras.append(ProviderExtra(family: .anthropic, name: key, value: value,
                                             droppable: advisoryFields.contains(key)))
        }
        call.extraHeaders = familyHeaders.filter { $0.0.lowercased() == "anthropic-beta" }
            .map { ProviderHeader(family: .anthropic, name: $0.0, value: $0.1) }
        return call
    }

    private static func number(_ body: JSONObject, _ name: String) throws(GatewayError) -> Double? {
        guard let value = body[name] else { return nil }
        guard let number = value.doubleValue else { throw AnthropicRequestValidation.invalid(name, "Input should be a valid number") }
        return number
    }

    // MARK: messages

    static func messages(_ body: JSONObject) throws(GatewayError) -> [ChatMessage] {
        var out: [ChatMessage] = []
        if let system = body["system"] {
            switch system {
            case .string(let text):
                if !text.isEmpty { out.append(.text(.system, text)) }
            case .array(let blocks):
                var parts: [ContentPart] = []
                for (index, block) in blocks.enumerated() {
                    guard let block = block.objectValue, block["type"] == "text", let text = block["text"]?.stringValue else {
                        throw AnthropicRequestValidation.invalid("system.\(index)", "system blocks must be text blocks")
                    }
                    parts.append(.text(TextPart(text, cacheControl: block["cache_control"])))
                }
                if !parts.isEmpty { out.append(ChatMessage(role: .system, parts: parts)) }
            default:
                throw AnthropicRequestValidation.invalid("system", "Input should be a valid string or a list of text blocks")
            }
        }
        var toolNames: [String: String] = [:]  // tool_use id → name, for results (Gemini needs the name)
        for (index, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            let path = "messages.\(index).content"
            let blocks: [JSONValue]
            switch message["content"] {
            case .string(let text)?: blocks = [["type": "text", "text": .string(text)]]
            case .array(let list)?: blocks = list
            default: blocks = []
            }
            if message["role"]?.stringValue == "assistant" {
                var parts: [ContentPart] = []
                for (position, block) in blocks.enumerated() {
                    let part = try assistantPart(block, path: "\(path).\(position)")
                    if case .toolCall(let call) = part { toolNames[call.id] = call.name }
                    parts.append(part)
                }
                out.append(ChatMessage(role: .assistant, parts: parts))
            } else {
                var results: [ChatMessage] = [], parts: [ContentPart] = []
                for (position, block) in blocks.enumerated() {
                    let blockPath = "\(path).\(position)"
                    guard let object = block.objectValue else {
                        throw AnthropicRequestValidation.invalid(blockPath, "Input should be a valid dictionary")
                    }
                    if object["type"] == "tool_result" {
                        results.append(try toolResult(object, names: toolNames, path: blockPath))
                    } else {
                        parts.append(try userPart(object, path: blockPath))
                    }
                }
                out += results
                if !parts.isEmpty || results.isEmpty { out.append(ChatMessage(role: .user, parts: parts)) }
            }
        }
        return out
    }

    private static func assistantPart(_ block: JSONValue, path: String) throws(GatewayError) -> ContentPart {
        guard let object = block.objectValue else { throw AnthropicRequestValidation.invalid(path, "Input should be a valid dictionary") }
        switch object["type"]?.stringValue {
        case "text", "thinking", "redacted_thinking", "tool_use":
            if object["type"] == "tool_use", object["input"]?.objectValue == nil, object["input"] != nil {
                throw AnthropicRequestValidation.invalid("\(path).input", "Input should be a valid dictionary")
            }
            if let part = AnthropicBlocks.part(from: object) { return part }
        default:
            break
        }
        throw unsupportedBlock(object, path: path)
    }

    private static func userPart(_ object: JSONObject, path: String) throws(GatewayError) -> ContentPart {
        switch object["type"]?.stringValue {
        case "text", "image", "document":
            if case .file(let media)? = documentFromContent(object) { return .file(media) }
            if let part = AnthropicBlocks.part(from: object) { return part }
            throw AnthropicRequestValidation.invalid("\(path).source", "the block's source is missing or of an unknown type")
        default:
            throw unsupportedBlock(object, path: path)
        }
    }

    /// A document whose source is `{"type":"content","content":[text blocks]}` (custom content with
    /// citations): its text, as a plain-text file.
    private static func documentFromContent(_ object: JSONObject) -> ContentPart? {
        guard object["type"] == "document", object["source"]?["type"] == "content",
              let blocks = object["source"]?["content"] else { return nil }
        let text: String
        switch blocks {
        case .string(let s): text = s
        case .array(let list): text = list.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return nil
        }
        return .file(MediaPart(source: .base64(mediaType: "text/plain", data: Base64.encode(Array(text.utf8))),
                               filename: object["title"]?.stringValue, cacheControl: object["cache_control"]))
    }

    private static func toolResult(_ object: JSONObject, names: [String: String], path: String) throws(GatewayError) -> ChatMessage {
        guard let rawID = object["tool_use_id"]?.stringValue else {
            throw AnthropicRequestValidation.invalid("\(path).tool_use_id", "Field required")
        }
        let id = SignedToolCallID.extract(rawID).id
        var content: [ContentPart] = []
        switch object["content"] {
        case .string(let text)?:
            content = [.text(TextPart(text))]
        case .array(let blocks)?:
            for (index, block) in blocks.enumerated() {
                guard let inner = block.objectValue else {
                    throw AnthropicRequestValidation.invalid("\(path).content.\(index)", "Input should be a valid dictionary")
                }
                content.append(try userPart(inner, path: "\(path).content.\(index)"))
            }
        case nil, .null?:
            break
        default:
            throw AnthropicRequestValidation.invalid("\(path).content", "Input should be a valid string or list")
        }
        let result = ToolResult(callID: id, name: names[id], content: content, isError: object["is_error"]?.boolValue == true,
                                cacheControl: object["cache_control"])
        return ChatMessage(role: .tool, parts: [.toolResult(result)])
    }

    private static func unsupportedBlock(_ object: JSONObject, path: String) -> GatewayError {
        let type = object["type"]?.stringValue ?? "(none)"
        return .invalidRequest(
            "\(path): content blocks of type '\(type)' can only be sent to Anthropic models; the chosen model is "
                + "served by another provider.", param: path, code: "unsupported_content")
    }

    // MARK: tools

    static func tools(_ value: JSONValue?) throws(GatewayError) -> [ToolDefinition] {
        guard let value else { return [] }
        guard let list = value.arrayValue else { throw AnthropicRequestValidation.invalid("tools", "Input should be a valid list") }
        var tools: [ToolDefinition] = []
        for (index, tool) in list.enumerated() {
            guard let object = tool.objectValue else {
                throw AnthropicRequestValidation.invalid("tools.\(index)", "Input should be a valid dictionary")
            }
            if let type = object["type"]?.stringValue, type != "custom" {
                throw GatewayError.invalidRequest(
                    "tools.\(index): the server tool '\(type)' runs only on Anthropic models; the chosen model is "
                        + "served by another provider.", param: "tools.\(index)", code: "unsupported_tool")
            }
            guard let name = object["name"]?.stringValue else {
                throw AnthropicRequestValidation.invalid("tools.\(index).name", "Field required")
            }
            tools.append(ToolDefinition(name: name, description: object["description"]?.stringValue,
                                        parameters: object["input_schema"], strict: object["strict"]?.boolValue,
                                        cacheControl: object["cache_control"]))
        }
        return tools
    }

    static func toolChoice(_ value: JSONValue?, into call: inout ChatCall) throws(GatewayError) {
        guard let value else { return }
        guard let object = value.objectValue else {
            throw AnthropicRequestValidation.invalid("tool_choice", "Input should be a valid dictionary")
        }
        switch object["type"]?.stringValue {
        case "auto": call.toolChoice = .auto
        case "any": call.toolChoice = .required
        case "none": call.toolChoice = ToolChoice.none
        case "tool":
            guard let name = object["name"]?.stringValue else {
                throw AnthropicRequestValidation.invalid("tool_choice.name", "Field required")
            }
            call.toolChoice = .tool(name)
        default:
            throw AnthropicRequestValidation.invalid("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'")
        }
        if object["disable_parallel_tool_use"]?.boolValue == true { call.parallelToolCalls = false }
    }

    // MARK: thinking, output_config, metadata

    /// `thinking` and `output_config`:
    /// - `{type: enabled, budget_tokens}` → budget, `includeThoughts` true (false with
    ///   `display: omitted`); `output_config.effort` rides along as the effort.
    /// - `{type: adaptive}` → the model decides: `includeThoughts` with only the effort, if any.
    /// - `{type: disabled}` → no reasoning at all (an effort does not re-enable it).
    /// - no `thinking` but an effort → that effort.
    /// - `output_config.format {type: json_schema, schema}` → a `json_schema` response format; other
    ///   `output_config` keys travel on as an extra.
    static func reasoning(_ body: JSONObject, into call: inout ChatCall) throws(GatewayError) {
        var effort: String?
        if let config = body["output_config"] {
            guard var remaining = config.objectValue else {
                throw AnthropicRequestValidation.invalid("output_config", "Input should be a valid dictionary")
            }
            effort = remaining["effort"]?.stringValue
            remaining["effort"] = nil
            if let format = remaining["format"], !format.isNull {
                guard format["type"] == "json_schema", let schema = format["schema"] else {
                    throw AnthropicRequestValidation.invalid("output_config.format", "Input should be a json_schema format with a schema")
                }
                call.responseFormat = .jsonSchema(name: responseSchemaName, schema: schema, strict: nil, description: nil)
            }
            remaining["format"] = nil
            if !remaining.isEmpty { call.extras.append(ProviderExtra(family: .anthropic, name: "output_config", value: .object(remaining))) }
        }
        guard let thinking = body["thinking"] else {
            if let effort { call.reasoning = ReasoningConfig(effort: effort) }
            return
        }
        let shown = thinking["display"]?.stringValue != "omitted"
        switch thinking["type"]?.stringValue {
        case "enabled":
            guard let budget = thinking["budget_tokens"]?.intValue else {
                throw AnthropicRequestValidation.invalid("thinking.enabled.budget_tokens", "Field required")
            }
            call.reasoning = ReasoningConfig(effort: effort, budgetTokens: budget, includeThoughts: shown)
        case "adaptive":
            call.reasoning = ReasoningConfig(effort: effort, includeThoughts: shown)
        case "disabled":
            call.reasoning = nil
        default:
            throw AnthropicRequestValidation.invalid("thinking.type", "Input should be 'enabled', 'disabled' or 'adaptive'")
        }
    }

    /// `metadata.user_id` → user; the rest of `metadata` (advisory) → a droppable extra.
    static func metadata(_ value: JSONValue?, into call: inout ChatCall) throws(GatewayError) {
        guard let value, !value.isNull else { return }
        guard var object = value.objectValue else {
            throw AnthropicRequestValidation.invalid("metadata", "Input should be a valid dictionary")
        }
        call.user = object["user_id"]?.stringValue
        object["user_id"] = nil
        if !object.isEmpty {
            call.extras.append(ProviderExtra(family: .anthropic, name: "metadata", value: .object(object), droppable: true))
        }
    }
}
