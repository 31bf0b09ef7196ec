import RouteroCore

/// A canonical call → a `generateContent` body (reference 6.1).
///
/// A conversation of instructions only is sent as one `user` turn holding them: Gemini rejects a
/// request without `contents`.
///
/// Fields the Gemini wire has no room for follow LiteLLM's `drop_params` rule through
/// ``ParameterPolicy``: `parallel_tool_calls: false` (no equivalent) and every non-advisory field
/// addressed to another family (`logprobs`, `logit_bias`, Anthropic `thinking`, …) fail with a 400
/// naming them unless the deployment drops unsupported parameters. `user` and advisory extras are
/// dropped silently, as the reference prescribes.
///
/// Extras addressed to Gemini are written verbatim: a plain name (`safetySettings`,
/// `cachedContent`, `labels`) as a top-level field, a dotted name nested into its parent —
/// `generationConfig.responseModalities` into `generationConfig`, `toolConfig.retrievalConfig` into
/// `toolConfig`, and `tools.googleSearch` appended to `tools` as `{"googleSearch": …}`.
struct GeminiRequestEncoder {
    let policy: ParameterPolicy

    func body(for call: ChatCall) throws(GatewayError) -> JSONObject {
        var contents = GeminiContentsEncoder(policy: policy)
        try contents.encode(call.messages)
        var body = JSONObject()
        if contents.contents.isEmpty, let system = contents.systemInstruction {
            // Gemini rejects a request without contents; instructions alone become the user's turn.
            body["contents"] = [.object(["role": "user", "parts": system["parts"] ?? []])]
        } else {
            body["contents"] = .array(contents.contents)
            if let system = contents.systemInstruction { body["systemInstruction"] = system }
        }

        var tools: [JSONValue] = []
        if !call.tools.isEmpty {
            tools.append(["functionDeclarations": .array(call.tools.map(Self.declaration))])
        }
        var toolConfig = JSONObject()
        if let choice = call.toolChoice, !call.tools.isEmpty {
            toolConfig["functionCallingConfig"] = .object(Self.functionCallingConfig(choice))
        }
        if call.parallelToolCalls == false { try policy.unsupported("parallel_tool_calls") }

        var config = try generationConfig(for: call)

        try policy.rejectForeignExtras(call, family: .gemini)
        var topLevel: [(String, JSONValue)] = []
        for extra in call.extras(for: .gemini) {
            let path = extra.name.split(separator: ".", maxSplits: 1).map(String.init)
            switch (path.first, path.count) {
            case ("generationConfig"?, 2): config[path[1]] = extra.value
            case ("toolConfig"?, 2): toolConfig[path[1]] = extra.value
            case ("tools"?, 2): tools.append(.object([path[1]: extra.value]))
            default: topLevel.append((extra.name, extra.value))
            }
        }

        if !tools.isEmpty { body["tools"] = .array(tools) }
        if !toolConfig.isEmpty { body["toolConfig"] = .object(toolConfig) }
        if !config.isEmpty { body["generationConfig"] = .object(config) }
        for (name, value) in topLevel where body[name] == nil { body[name] = value }
        return body
    }

    /// `generationConfig` from the sampling, output-shape and reasoning fields.
    private func generationConfig(for call: ChatCall) throws(GatewayError) -> JSONObject {
        var config = JSONObject()
        if let value = call.maxTokens { config["maxOutputTokens"] = JSONValue(value) }
        if let value = call.temperature { config["temperature"] = JSONValue(value) }
        if let value = call.topP { config["topP"] = JSONValue(value) }
        if let value = call.topK { config["topK"] = JSONValue(value) }
        if !call.stop.isEmpty { config["stopSequences"] = .array(call.stop.map(JSONValue.string)) }
        if let value = call.candidateCount { config["candidateCount"] = JSONValue(value) }
        if let value = call.seed { config["seed"] = JSONValue(value) }
        if let value = call.presencePenalty { config["presencePenalty"] = JSONValue(value) }
        if let value = call.frequencyPenalty { config["frequencyPenalty"] = JSONValue(value) }
        switch call.responseFormat {
        case .jsonObject?:
            config["responseMimeType"] = "application/json"
        case .jsonSchema(_, let schema, _, _)?:
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = GeminiSchema.fromJSONSchema(schema)
        case .text?, nil:
            break
        }
        if let reasoning = call.reasoning {
            var thinking = JSONObject()
            if reasoning.isDisabled {
                thinking["thinkingBudget"] = 0
            } else {
                if let budget = reasoning.resolvedBudget { thinking["thinkingBudget"] = JSONValue(budget) }
                thinking["includeThoughts"] = .bool(reasoning.includeThoughts ?? true)
            }
            config["thinkingConfig"] = .object(thinking)
        }
        return config
    }

    /// One `functionDeclarations` entry. A tool without parameters is declared with a bare
    /// `{"type":"OBJECT"}`: Gemini rejects `ANY` mode over a declaration with no `parameters`, and an
    /// empty `properties` map.
    static func declaration(_ tool: ToolDefinition) -> JSONValue {
        var declaration: JSONObject = ["name": .string(tool.name)]
        if let description = tool.description, !description.isEmpty { declaration["description"] = .string(description) }
        var parameters = tool.parameters.map(GeminiSchema.fromJSONSchema)?.objectValue ?? [:]
        if parameters["type"] == nil { parameters["type"] = "OBJECT" }
        declaration["parameters"] = .object(parameters)
        return .object(declaration)
    }

    static func functionCallingConfig(_ choice: ToolChoice) -> JSONObject {
        switch choice {
        case .auto: ["mode": "AUTO"]
        case .none: ["mode": "NONE"]
        case .required: ["mode": "ANY"]
        case .tool(let name): ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        }
    }
}
