public import RouteroCore
public import RouteroProviders

/// `POST /v1/messages/count_tokens` (reference 4.5, 6.9): the body a client sends to count a prompt,
/// and the answer it expects.
///
/// ```swift
/// let call = try AnthropicCountTokens.decode(body, headers: facts.headers)   // count with any family
/// let bytes = AnthropicCountTokens.encode(inputTokens: 2095)                  // {"input_tokens":2095}
/// ```
///
/// For an Anthropic upstream the body is better forwarded as is:
/// `AnthropicAdapter.makeCountTokensRequest(_:target:)` takes the same ``NativeChat`` that
/// ``nativeRequest(_:headers:)`` returns.
public enum AnthropicCountTokens {
    /// Validates a count-tokens body (`model`, non-empty `messages`; optional `system`, `tools`,
    /// `tool_choice`, `thinking`; no `max_tokens`) with the Messages API's wording, and returns the
    /// canonical call it describes (not streaming, no `maxTokens`).
    public static func decode(_ body: JSONObject, headers: [(String, String)] = []) throws(GatewayError) -> ChatCall {
        let model = try AnthropicRequestValidation.validate(body, requireMaxTokens: false)
        return try AnthropicRequestDecoder.call(from: body, model: model,
                                                familyHeaders: AnthropicFrontEnd.familyHeaders(headers), stream: false)
    }

    /// The validated body as a native request, for forwarding to an Anthropic upstream.
    public static func nativeRequest(_ body: JSONObject, headers: [(String, String)] = []) throws(GatewayError) -> NativeChat {
        let model = try AnthropicRequestValidation.validate(body, requireMaxTokens: false)
        return NativeChat(family: .anthropic, body: body, model: model, stream: false,
                          familyHeaders: AnthropicFrontEnd.familyHeaders(headers))
    }

    /// `{"input_tokens": N}`.
    public static func encode(inputTokens: Int) -> [UInt8] {
        JSON.serialize(.object(["input_tokens": JSONValue(inputTokens)]))
    }
}
