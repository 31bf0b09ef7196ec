import RouteroCore

/// The checks the Messages API makes before anything else, with its own wording
/// (`<field path>: <problem>`), so an Anthropic client sees the errors it would see from Anthropic.
enum AnthropicRequestValidation {
    /// A 400 `invalid_request_error` naming `path`.
    static func invalid(_ path: String, _ problem: String) -> GatewayError {
        .invalidRequest("\(path): \(problem)", param: path)
    }

    /// Validates the top-level fields and the shape of each message; returns the model.
    /// - Parameter requireMaxTokens: false for `count_tokens`, which takes no `max_tokens`.
    static func validate(_ body: JSONObject, requireMaxTokens: Bool) throws(GatewayError) -> String {
        guard let modelValue = body["model"] else { throw invalid("model", "Field required") }
        guard let model = modelValue.stringValue else { throw invalid("model", "Input should be a valid string") }
        guard !model.isEmpty else { throw invalid("model", "String should have at least 1 character") }
        if let maxTokens = body["max_tokens"] {
            guard let value = maxTokens.intValue, case .number = maxTokens else {
                throw invalid("max_tokens", "Input should be a valid integer")
            }
            guard value >= 0 else { throw invalid("max_tokens", "Input should be greater than or equal to 0") }
        } else if requireMaxTokens {
            throw invalid("max_tokens", "Field required")
        }
        guard let messagesValue = body["messages"] else { throw invalid("messages", "Field required") }
        guard let messages = messagesValue.arrayValue else { throw invalid("messages", "Input should be a valid list") }
        guard !messages.isEmpty else { throw invalid("messages", "at least one message is required") }
        for (index, message) in messages.enumerated() {
            guard let message = message.objectValue else {
                throw invalid("messages.\(index)", "Input should be a valid dictionary")
            }
            guard let role = message["role"] else { throw invalid("messages.\(index).role", "Field required") }
            guard role == "user" || role == "assistant" else {
                throw invalid("messages.\(index).role", "Input should be 'user' or 'assistant'")
            }
            switch message["content"] {
            case nil: throw invalid("messages.\(index).content", "Field required")
            case .string?, .array?: break
            default: throw invalid("messages.\(index).content", "Input should be a valid string or a list of content blocks")
            }
        }
        if let stream = body["stream"], stream.boolValue == nil, !stream.isNull {
            throw invalid("stream", "Input should be a valid boolean")
        }
        return model
    }
}
