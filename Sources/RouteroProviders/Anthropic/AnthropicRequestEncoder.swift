import RouteroCore

/// Canonical parameters → Anthropic Messages body fields (reference 6.1, 6.6).
extension AnthropicAdapter {
    /// The Messages body for `call`; see the field rules on each helper below.
    func requestBody(_ call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> JSONObject {
        let policy = ParameterPolicy(target: target)
        try policy.rejectForeignExtras(call, family: .anthropic)
        if let n = call.candidateCount, n > 1 { try policy.unsupported("n") }
        if call.seed != nil { try policy.unsupported("seed") }
        if call.presencePenalty != nil { try policy.unsupported("presence_penalty") }
        if call.frequencyPenalty != nil { try policy.unsupported("frequency_penalty") }

        let budget = try thinkingBudget(call, policy: policy)
        var jsonSchema: (schema: JSONValue, description: String?)?
        if case .jsonSchema(_, let schema, _, let description) = call.responseFormat {
            // Forced-tool structured output cannot be combined with extended thinking (thinking forbids
            // forced tool use), so one of them has to go.
            if budget != nil { try policy.unsupported("response_format") } else { jsonSchema = (schema, description) }
        }
        let (system, messages) = try AnthropicMessageEncoder(policy: policy)
            .encode(call.messages, jsonObjectInstruction: call.responseFormat == .jsonObject)

        var body = JSONObject()
        switch dialect {
        case .messagesAPI: body["model"] = .string(target.model)
        case .vertex: body["anthropic_version"] = .string(AnthropicVocabulary.vertexVersion)
        }
        var maxTokens = call.maxTokens ?? AnthropicModelCatalog.defaultMaxTokens(for: target.model)
        if let budget, maxTokens <= budget { maxTokens = budget + AnthropicModelCatalog.visibleTokensAboveBudget }
        body["max_tokens"] = JSONValue(maxTokens)
        if let system { body["system"] = system }
        body["messages"] = .array(messages)
        samplingFields(call, thinking: budget != nil, into: &body)
        if !call.stop.isEmpty { body["stop_sequences"] = .array(call.stop.map(JSONValue.string)) }

        var tools = call.tools.map(Self.tool)
        if let jsonSchema {
            var tool: JSONObject = ["name": .string(Self.jsonToolName)]
            if let description = jsonSchema.description { tool["description"] = .string(description) }
            tool["input_schema"] = Self.inputSchema(jsonSchema.schema)
            tools.append(.object(tool))
        }
        if !tools.isEmpty { body["tools"] = .array(tools) }
        if let choice = toolChoice(call, forcedJSON: jsonSchema != nil, thinking: budget != nil, hasTools: !tools.isEmpty) {
            body["tool_choice"] = .object(choice)
        }
        if let budget { body["thinking"] = ["type": "enabled", "budget_tokens": JSONValue(budget)] }
        if let user = call.user { body["metadata"] = ["user_id": .string(user)] }
        if call.stream { body["stream"] = true }
        // `anthropic_version` belongs to the dialect (Vertex's body field, set above; first-party rejects it).
        for extra in call.extras(for: .anthropic) where extra.name != "anthropic_version" {
            // The client named this field for Anthropic: it is written as sent. An object meeting an
            // object the gateway built (`metadata` with `user_id`) is merged, the client's keys winning.
            if case .object(let mine)? = body[extra.name], case .object(let theirs) = extra.value {
                var merged = mine
                for (key, value) in theirs { merged[key] = value }
                body[extra.name] = .object(merged)
            } else {
                body[extra.name] = extra.value
            }
        }
        return body
    }

    /// Whether the request for `call` carries the forced `json_tool_call` tool, whose answer comes
    /// back as text (`json_schema` without extended thinking).
    func usesJSONTool(_ call: ChatCall) -> Bool {
        guard case .jsonSchema = call.responseFormat else { return false }
        guard let reasoning = call.reasoning, !reasoning.isDisabled else { return true }
        // Mirrors thinkingBudget: no budget, or a history that rules thinking out, means no thinking.
        return reasoning.resolvedBudget == nil || !Self.historyAllowsThinking(call.messages)
    }

    /// `budget_tokens` for the call's reasoning (reference 6.6), or nil for no `thinking` field.
    ///
    /// Disabled reasoning (`none`, budget 0) and a config naming neither budget nor effort (a Gemini
    /// client asking only for `includeThoughts`) send nothing. Explicit budgets below Anthropic's
    /// minimum are raised to 1024; a negative budget (Gemini's "dynamic") gets the medium default,
    /// 2048. An effort with no budget equivalent is an unsupported `reasoning_effort`.
    ///
    /// Thinking is also left out when ``historyAllowsThinking(_:)`` says Anthropic would refuse it:
    /// clients of other families cannot send thinking blocks back, so every second turn of a tool loop
    /// would otherwise fail with a 400 the client has no way to fix. That turn runs without thinking.
    func thinkingBudget(_ call: ChatCall, policy: ParameterPolicy) throws(GatewayError) -> Int? {
        guard let reasoning = call.reasoning, !reasoning.isDisabled else { return nil }
        var budget: Int
        if let explicit = reasoning.budgetTokens, explicit < 0 {
            budget = 2048
        } else if let resolved = reasoning.resolvedBudget {
            budget = max(1024, resolved)
        } else {
            if reasoning.effort != nil { try policy.unsupported("reasoning_effort") }
            return nil
        }
        guard Self.historyAllowsThinking(call.messages) else {
            Log.debug("thinking left out: the last assistant turn called tools without a thinking block",
                      [("provider", profile.id)])
            return nil
        }
        return budget
    }

    /// Whether Anthropic accepts `thinking` with this history: when the last assistant turn called
    /// tools, it must start with a thinking (or redacted thinking) block Anthropic signed.
    static func historyAllowsThinking(_ messages: [ChatMessage]) -> Bool {
        guard let last = messages.last(where: { $0.role == .assistant }), !last.toolCalls.isEmpty else { return true }
        for part in last.parts {
            switch part {
            case .reasoning(let reasoning):
                if reasoning.signature?.family == .anthropic || reasoning.redacted != nil { return true }
            case .text(let text) where text.text.isEmpty:
                continue
            case .refusal(let text) where text.isEmpty:
                continue
            case .image, .file, .audio, .toolResult:
                continue  // never sent in an assistant turn
            default:
                return false  // the first block sent is text or a tool call
            }
        }
        return false
    }

    /// `temperature` (clamped into Anthropic's 0…1), `top_p`, `top_k`.
    ///
    /// With extended thinking Anthropic rejects a changed temperature or `top_k` and a `top_p` below
    /// 0.95 (reference 4.2): those are left out (debug-logged), as the reference prescribes, rather
    /// than failing a request whose reasoning the client asked for.
    private func samplingFields(_ call: ChatCall, thinking: Bool, into body: inout JSONObject) {
        if let temperature = call.temperature {
            if thinking { Log.debug("dropped temperature: extended thinking", [("provider", profile.id)]) }
            else { body["temperature"] = JSONValue(min(max(temperature, 0), 1)) }
        }
        if let topP = call.topP {
            if thinking, topP < 0.95 { Log.debug("dropped top_p below 0.95: extended thinking", [("provider", profile.id)]) }
            else { body["top_p"] = JSONValue(topP) }
        }
        if let topK = call.topK {
            if thinking { Log.debug("dropped top_k: extended thinking", [("provider", profile.id)]) }
            else { body["top_k"] = JSONValue(topK) }
        }
    }

    /// `{name, description?, input_schema, cache_control?, strict?}`.
    ///
    /// `strict` is sent only when true: Anthropic tools accept it (structured tool inputs), and an
    /// explicit `false`, which OpenAI clients often send, changes nothing.
    static func tool(_ definition: ToolDefinition) -> JSONValue {
        var tool: JSONObject = ["name": .string(definition.name)]
        if let description = definition.description { tool["description"] = .string(description) }
        tool["input_schema"] = inputSchema(definition.parameters)
        if let cache = definition.cacheControl { tool["cache_control"] = cache }
        if definition.strict == true { tool["strict"] = true }
        return .object(tool)
    }

    /// The schema as Anthropic's `input_schema`, which must be an object schema: no parameters is
    /// `{"type":"object","properties":{}}`, and a schema without `type` (OpenAI accepts `{}`) gets
    /// `"type":"object"` in front.
    static func inputSchema(_ parameters: JSONValue?) -> JSONValue {
        guard case .object(let schema)? = parameters, !schema.isEmpty else {
            return ["type": "object", "properties": .object([:])]
        }
        guard schema["type"] == nil else { return .object(schema) }
        var typed: JSONObject = ["type": "object"]
        for (key, value) in schema { typed[key] = value }
        return .object(typed)
    }

    /// `tool_choice` (reference 6.1): auto/none/any/tool; the json tool forced for `json_schema`;
    /// with thinking a forced choice (any/tool) downgraded to auto (reference 6.6);
    /// `parallelToolCalls == false` as `disable_parallel_tool_use: true` (on auto when no choice was
    /// given; `none` takes no such flag). Only with tools: a choice without tools is meaningless.
    private func toolChoice(_ call: ChatCall, forcedJSON: Bool, thinking: Bool, hasTools: Bool) -> JSONObject? {
        guard hasTools else { return nil }
        var choice: JSONObject?
        switch call.toolChoice {
        case .auto?: choice = ["type": "auto"]
        case .none?: choice = ["type": "none"]
        case .required?: choice = ["type": "any"]
        case .tool(let name)?: choice = ["type": "tool", "name": .string(name)]
        case nil: choice = nil
        }
        if forcedJSON { choice = ["type": "tool", "name": .string(Self.jsonToolName)] }
        if thinking, let type = choice?["type"]?.stringValue, type == "any" || type == "tool" {
            Log.debug("tool_choice downgraded to auto: extended thinking", [("provider", profile.id)])
            choice = ["type": "auto"]
        }
        if call.parallelToolCalls == false {
            if choice == nil { choice = ["type": "auto"] }
            if choice?["type"]?.stringValue != "none" { choice?["disable_parallel_tool_use"] = true }
        }
        return choice
    }
}
