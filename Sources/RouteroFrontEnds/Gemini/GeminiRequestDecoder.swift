import RouteroCore
import RouteroProviders

/// A Gemini client's `generateContent` body → the canonical call (reference 6.2, Gemini → canonical;
/// 6.1 read backwards). Field names are accepted in camelCase and snake_case, as proto-JSON does.
///
/// - `systemInstruction` → one system message.
/// - `user` turns (and the legacy `function` role) → user messages; their `functionResponse` parts →
///   `tool` messages placed before the rest of the turn. `model` turns → assistant messages
///   (``GeminiParts``: thoughts → signed reasoning, `functionCall` → tool calls).
/// - Calls without `functionCall.id` get a stable id from their position and name; a function response
///   is paired with its call by `id`, else with the oldest unanswered call of that name.
/// - A function response's content is the text of its result: `{"output": X}` (or `{"error": X}`,
///   which also marks the result an error) unwraps to X — X itself when a string, else X's compact
///   JSON — and any other `response` object is its compact JSON. This is the inverse of the Gemini
///   adapter's encoding, so a result survives a round trip through another family unchanged.
///   Media in `functionResponse.parts` stay in the result.
/// - `generationConfig` and `toolConfig` map to the canonical fields; Gemini schemas are turned into
///   JSON Schema (``GeminiSchema/toJSONSchema(_:)``) so other families can read them, while
///   `responseJsonSchema` / `parametersJsonSchema` are JSON Schema already and pass as given.
/// - Everything else becomes a Gemini ``ProviderExtra``, forwarded only to Google upstreams: top-level
///   fields under their own name, unmapped `generationConfig` / `toolConfig` fields and non-function
///   tools (`googleSearch`, `codeExecution`, …) under dotted names (`generationConfig.responseModalities`,
///   `tools.googleSearch`). `safetySettings` and `labels` are advisory (dropped for other families,
///   as LiteLLM does: other providers apply their own safety systems); `cachedContent` is not (it
///   holds part of the prompt), nor is any unknown field.
struct GeminiRequestDecoder {
    /// Top-level fields other providers may ignore.
    static let advisoryFields: Set<String> = ["safetySettings", "labels"]

    func call(_ body: JSONObject, model: String, stream: Bool) throws(GatewayError) -> ChatCall {
        var call = ChatCall(model: model, messages: [])
        call.stream = stream
        // Gemini streams always end with usage; ask other families for it.
        call.includeUsage = stream
        for (key, value) in body {
            switch GeminiFieldName.camelCase(key) {
            case "contents", "systemInstruction", "generationConfig", "tools", "toolConfig":
                continue  // read below, in dependency order
            case "model":
                continue  // the URL names the model
            case let name:
                call.extras.append(ProviderExtra(family: .gemini, name: key, value: value,
                                                 droppable: Self.advisoryFields.contains(name)))
            }
        }
        if let system = body[gemini: "systemInstruction"] { call.messages += try systemMessages(system) }
        call.messages += try messages(body[gemini: "contents"])
        if let tools = body[gemini: "tools"] { try readTools(tools, into: &call) }
        if let toolConfig = body[gemini: "toolConfig"] { try readToolConfig(toolConfig, into: &call) }
        if let config = body[gemini: "generationConfig"] { try readGenerationConfig(config, into: &call) }
        return call
    }

    // MARK: Contents

    private func systemMessages(_ value: JSONValue) throws(GatewayError) -> [ChatMessage] {
        if let text = value.stringValue { return text.isEmpty ? [] : [.text(.system, text)] }
        guard let object = value.objectValue else { throw invalid("systemInstruction", "must be a Content object") }
        let texts = (object["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.filter { !$0.isEmpty }
        return texts.isEmpty ? [] : [ChatMessage(role: .system, parts: texts.map { .text(TextPart($0)) })]
    }

    private func messages(_ value: JSONValue?) throws(GatewayError) -> [ChatMessage] {
        guard let contents = value?.arrayValue else { return [] }
        var messages: [ChatMessage] = []
        var unanswered: [(id: String, name: String)] = []
        for (turn, content) in contents.enumerated() {
            guard let object = content.objectValue else { throw invalid("contents[\(turn)]", "must be a Content object") }
            let role = object["role"]?.stringValue ?? "user"
            let parts = object["parts"]?.arrayValue ?? []
            switch role {
            case "model":
                let decoded = GeminiParts.modelParts(parts) { index, name in
                    GeminiIDs.toolCall(seed: "gemini-history:\(turn):\(index):\(name)")
                }
                for case .toolCall(let call) in decoded { unanswered.append((call.id, call.name)) }
                if !decoded.isEmpty { messages.append(ChatMessage(role: .assistant, parts: decoded)) }
            case "user", "function", "":
                var rest: [ContentPart] = []
                for (index, value) in parts.enumerated() {
                    guard let part = value.objectValue else { continue }
                    if let response = part[gemini: "functionResponse"]?.objectValue {
                        let result = toolResult(response, unanswered: &unanswered, seed: "\(turn):\(index)")
                        messages.append(ChatMessage(role: .tool, parts: [.toolResult(result)]))
                    } else if part["thought"]?.boolValue == true {
                        continue
                    } else if let text = part["text"]?.stringValue {
                        if !text.isEmpty { rest.append(.text(TextPart(text))) }
                    } else if let media = GeminiMedia.canonicalPart(inlineData: part[gemini: "inlineData"],
                                                                   fileData: part[gemini: "fileData"]) {
                        rest.append(media)
                    }
                }
                if !rest.isEmpty { messages.append(ChatMessage(role: .user, parts: rest)) }
            default:
                throw invalid("contents[\(turn)].role", "Please use a valid role: user, model.")
            }
        }
        return messages
    }

    private func toolResult(_ response: JSONObject, unanswered: inout [(id: String, name: String)], seed: String)
        -> ToolResult {
        let name = response["name"]?.stringValue ?? ""
        var callID: String?
        if let id = response["id"]?.stringValue, let match = unanswered.firstIndex(where: { $0.id == id }) {
            callID = unanswered.remove(at: match).id
        } else if let match = unanswered.firstIndex(where: { $0.name == name }) {
            callID = unanswered.remove(at: match).id
        }
        let id = callID ?? response["id"]?.stringValue ?? GeminiIDs.toolCall(seed: "gemini-response:\(seed):\(name)")

        var isError = false
        var text = ""
        if let object = response["response"]?.objectValue {
            var payload: JSONValue = .object(object)
            if object.count == 1, let output = object["output"] {
                payload = output
            } else if object.count == 1, let error = object["error"] {
                payload = error
                isError = true
            }
            text = payload.stringValue ?? JSON.string(payload)
        }
        var content: [ContentPart] = [.text(TextPart(text))]
        for value in response["parts"]?.arrayValue ?? [] {
            if let part = value.objectValue,
               let media = GeminiMedia.canonicalPart(inlineData: part[gemini: "inlineData"], fileData: part[gemini: "fileData"]) {
                content.append(media)
            }
        }
        return ToolResult(callID: id, name: name, content: content, isError: isError)
    }

    // MARK: Tools

    private func readTools(_ value: JSONValue, into call: inout ChatCall) throws(GatewayError) {
        guard let tools = value.arrayValue else { throw invalid("tools", "must be an array of Tool objects") }
        for (index, tool) in tools.enumerated() {
            guard let object = tool.objectValue else { throw invalid("tools[\(index)]", "must be a Tool object") }
            for (key, value) in object {
                guard GeminiFieldName.camelCase(key) == "functionDeclarations" else {
                    call.extras.append(ProviderExtra(family: .gemini, name: "tools.\(key)", value: value))
                    continue
                }
                for declaration in value.arrayValue ?? [] {
                    guard let function = declaration.objectValue, let name = function["name"]?.stringValue else {
                        throw invalid("tools[\(index)].functionDeclarations", "every declaration needs a name")
                    }
                    var parameters: JSONValue?
                    if let schema = function[gemini: "parametersJsonSchema"] {
                        parameters = schema
                    } else if let schema = function["parameters"] {
                        parameters = GeminiSchema.toJSONSchema(schema)
                    }
                    call.tools.append(ToolDefinition(name: name, description: function["description"]?.stringValue,
                                                     parameters: parameters))
                }
            }
        }
    }

    private func readToolConfig(_ value: JSONValue, into call: inout ChatCall) throws(GatewayError) {
        guard let object = value.objectValue else { throw invalid("toolConfig", "must be an object") }
        for (key, value) in object {
            guard GeminiFieldName.camelCase(key) == "functionCallingConfig" else {
                call.extras.append(ProviderExtra(family: .gemini, name: "toolConfig.\(key)", value: value))
                continue
            }
            let mode = value["mode"]?.stringValue ?? "AUTO"
            let allowed = (value.objectValue?[gemini: "allowedFunctionNames"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch mode {
            case "AUTO", "MODE_UNSPECIFIED":
                call.toolChoice = .auto
            case "VALIDATED":
                // Calls or text, calls schema-checked: the closest canonical policy is the model's choice.
                call.toolChoice = .auto
            case "NONE":
                call.toolChoice = ToolChoice.none
            case "ANY":
                if allowed.count == 1 {
                    call.toolChoice = .tool(allowed[0])
                } else {
                    call.toolChoice = .required
                    // Several allowed names: only those tools may be called, so only those are offered.
                    if !allowed.isEmpty { call.tools = call.tools.filter { allowed.contains($0.name) } }
                }
            default:
                throw invalid("toolConfig.functionCallingConfig.mode", "'\(mode)' is not one of AUTO, ANY, NONE, VALIDATED")
            }
        }
    }

    // MARK: Generation config

    private func readGenerationConfig(_ value: JSONValue, into call: inout ChatCall) throws(GatewayError) {
        guard let config = value.objectValue else { throw invalid("generationConfig", "must be an object") }
        var mimeType: String?
        var schema: JSONValue?
        var jsonSchema: JSONValue?
        for (key, value) in config {
            let name = GeminiFieldName.camelCase(key)
            let path = "generationConfig.\(name)"
            switch name {
            case "maxOutputTokens": call.maxTokens = try int(value, path)
            case "temperature": call.temperature = try double(value, path)
            case "topP": call.topP = try double(value, path)
            case "topK": call.topK = try int(value, path)
            case "candidateCount": call.candidateCount = try int(value, path)
            case "seed": call.seed = try int(value, path)
            case "presencePenalty": call.presencePenalty = try double(value, path)
            case "frequencyPenalty": call.frequencyPenalty = try double(value, path)
            case "stopSequences":
                if let one = value.stringValue { call.stop = [one]; continue }
                guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                    throw invalid(path, "must be an array of strings")
                }
                call.stop = list.compactMap(\.stringValue)
            case "responseMimeType": mimeType = value.stringValue
            case "responseSchema": schema = value
            case "responseJsonSchema": jsonSchema = value
            case "thinkingConfig": call.reasoning = try reasoning(value)
            case "responseModalities" where value == ["TEXT"]:
                // Text only is what every chat model answers with anyway.
                call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.\(key)", value: value,
                                                 droppable: true))
            case "mediaResolution":
                call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.\(key)", value: value,
                                                 droppable: true))
            default:
                call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.\(key)", value: value))
            }
        }
        switch mimeType {
        case "application/json"?:
            if let jsonSchema {
                call.responseFormat = .jsonSchema(name: "response", schema: jsonSchema, strict: nil, description: nil)
            } else if let schema {
                call.responseFormat = .jsonSchema(name: "response", schema: GeminiSchema.toJSONSchema(schema),
                                                  strict: nil, description: nil)
            } else {
                call.responseFormat = .jsonObject
            }
        case nil, "text/plain"?:
            if schema != nil || jsonSchema != nil {
                throw invalid("generationConfig.responseSchema", "needs responseMimeType 'application/json'")
            }
        case let other?:
            // `text/x.enum` and other shapes have no canonical form: only Gemini can honour them.
            call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.responseMimeType", value: .string(other)))
            if let schema { call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.responseSchema", value: schema)) }
            if let jsonSchema {
                call.extras.append(ProviderExtra(family: .gemini, name: "generationConfig.responseJsonSchema", value: jsonSchema))
            }
        }
    }

    /// `thinkingConfig` → reasoning: `thinkingBudget` (`-1`, dynamic, is the default and so no
    /// budget), `thinkingLevel` as the effort (`LOW` → `low`), `includeThoughts`.
    private func reasoning(_ value: JSONValue) throws(GatewayError) -> ReasoningConfig {
        guard let object = value.objectValue else { throw invalid("generationConfig.thinkingConfig", "must be an object") }
        var reasoning = ReasoningConfig()
        if let budget = object[gemini: "thinkingBudget"] {
            let tokens = try int(budget, "generationConfig.thinkingConfig.thinkingBudget")
            if tokens >= 0 { reasoning.budgetTokens = tokens }
        }
        if let level = object[gemini: "thinkingLevel"]?.stringValue, level != "THINKING_LEVEL_UNSPECIFIED" {
            reasoning.effort = level.lowercased()
        }
        if let include = object[gemini: "includeThoughts"] {
            guard let flag = include.boolValue else {
                throw invalid("generationConfig.thinkingConfig.includeThoughts", "must be a boolean")
            }
            reasoning.includeThoughts = flag
        }
        return reasoning
    }

    // MARK: Values

    private func int(_ value: JSONValue, _ path: String) throws(GatewayError) -> Int {
        // proto-JSON writes 64-bit integers as strings.
        if let int = value.intValue ?? value.stringValue.flatMap({ Int($0) }) { return int }
        throw invalid(path, "must be an integer")
    }

    private func double(_ value: JSONValue, _ path: String) throws(GatewayError) -> Double {
        if let double = value.doubleValue { return double }
        throw invalid(path, "must be a number")
    }

    private func invalid(_ field: String, _ problem: String) -> GatewayError {
        .invalidRequest("Invalid value at '\(field)': \(problem)", param: field)
    }
}
