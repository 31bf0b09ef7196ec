public import RouteroCore

extension OpenAICompatibleAdapter {
    /// Applies this provider's ``ProviderQuirks`` to a chat body in place. Fields no quirk touches keep
    /// their values and positions; renamed fields keep their position too.
    /// - Parameter dropUnsupported: LiteLLM's `drop_params`: remove what the provider cannot honour
    ///   (`n > 1` on single-choice providers) instead of rejecting the request.
    /// - Throws: a 400 for requests the provider cannot serve, unless `dropUnsupported`.
    public func applyQuirks(to body: inout JSONObject, dropUnsupported: Bool = false) throws(GatewayError) {
        let quirks = profile.quirks
        if quirks.singleChoiceOnly, let n = body["n"]?.doubleValue, n > 1 {
            guard dropUnsupported else {
                var error = GatewayError.invalidRequest("\(profile.id) returns a single choice; 'n' must be 1.",
                                                        param: "n", code: "unsupported_parameter")
                // A limit of this deployment, not a fault of the request: another deployment of
                // the same model may serve it.
                error.retryable = true
                throw error
            }
            body["n"] = nil
        }
        if quirks.renameMaxCompletionTokens { body.renameKey("max_completion_tokens", to: "max_tokens") }
        if quirks.stripStreamOptions { body["stream_options"] = nil }
        if quirks.seedAsRandomSeed { body.renameKey("seed", to: "random_seed") }
        if quirks.toolChoiceRequiredAsAny, body["tool_choice"]?.stringValue == "required" {
            body["tool_choice"] = "any"
        }
        if let range = quirks.temperatureRange, let temperature = body["temperature"]?.doubleValue,
           !range.contains(temperature) {
            body["temperature"] = JSONValue(min(max(temperature, range.lowerBound), range.upperBound))
        }
        if quirks.stripToolStrict, let tools = body["tools"]?.arrayValue {
            body["tools"] = .array(tools.map(Self.removingStrict))
        }
        if quirks.developerRoleAsSystem || quirks.stripMessageName || quirks.flattenTextContent
            || quirks.nineCharacterToolCallIDs,
           let messages = body["messages"]?.arrayValue {
            body["messages"] = .array(messages.map { rewriteMessage($0, quirks: quirks) })
        }
    }

    private func rewriteMessage(_ message: JSONValue, quirks: ProviderQuirks) -> JSONValue {
        guard var object = message.objectValue else { return message }
        if quirks.developerRoleAsSystem, object["role"]?.stringValue == "developer" { object["role"] = "system" }
        if quirks.stripMessageName { object["name"] = nil }
        if quirks.flattenTextContent, let parts = object["content"]?.arrayValue,
           let text = Self.flattenedText(parts) {
            object["content"] = .string(text)
        }
        if quirks.nineCharacterToolCallIDs {
            if let id = object["tool_call_id"]?.stringValue { object["tool_call_id"] = .string(ToolCallID.nineCharacter(id)) }
            if let calls = object["tool_calls"]?.arrayValue {
                object["tool_calls"] = .array(calls.map { call in
                    guard var fields = call.objectValue, let id = fields["id"]?.stringValue else { return call }
                    fields["id"] = .string(ToolCallID.nineCharacter(id))
                    return .object(fields)
                })
            }
        }
        return .object(object)
    }

    /// The text parts joined with "\n" when every part is `{"type":"text","text":...}`; `nil` when any
    /// part is not text (images must not be silently dropped) or the array is empty.
    static func flattenedText(_ parts: [JSONValue]) -> String? {
        guard !parts.isEmpty else { return nil }
        var texts: [String] = []
        for part in parts {
            guard part["type"]?.stringValue == "text", let text = part["text"]?.stringValue else { return nil }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    private static func removingStrict(_ tool: JSONValue) -> JSONValue {
        guard var object = tool.objectValue, var function = object["function"]?.objectValue,
              function.contains("strict") else { return tool }
        function["strict"] = nil
        object["function"] = .object(function)
        return .object(object)
    }
}
