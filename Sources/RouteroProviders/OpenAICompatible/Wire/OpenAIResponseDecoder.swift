public import RouteroCore

/// OpenAI chat vocabulary both directions share.
public enum OpenAIVocabulary {
    /// `finish_reason` → canonical (`function_call` is the deprecated spelling of `tool_calls`).
    public static func finishReason(_ text: String?) -> FinishReason? {
        switch text {
        case nil: nil
        case "length": .length
        case "tool_calls", "function_call": .toolCalls
        case "content_filter": .contentFilter
        default: .stop
        }
    }

    /// Canonical → `finish_reason`.
    public static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop, .pause: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }

    /// An OpenAI `usage` object → canonical.
    public static func usage(_ value: JSONValue?) -> Usage? {
        guard let u = value?.objectValue, let input = u["prompt_tokens"]?.intValue else { return nil }
        return Usage(inputTokens: input, outputTokens: u["completion_tokens"]?.intValue ?? 0,
                     cacheReadTokens: u["prompt_tokens_details"]?["cached_tokens"]?.intValue,
                     cacheWriteTokens: u["prompt_tokens_details"]?["cache_write_tokens"]?.intValue,
                     reasoningTokens: u["completion_tokens_details"]?["reasoning_tokens"]?.intValue)
    }

    /// Canonical usage → OpenAI `usage`.
    public static func usage(_ usage: Usage) -> JSONValue {
        var object: JSONObject = ["prompt_tokens": JSONValue(usage.inputTokens),
                                  "completion_tokens": JSONValue(usage.outputTokens),
                                  "total_tokens": JSONValue(usage.totalTokens)]
        if usage.cacheReadTokens != nil || usage.cacheWriteTokens != nil {
            var details: JSONObject = ["cached_tokens": JSONValue(usage.cacheReadTokens ?? 0)]
            if let w = usage.cacheWriteTokens { details["cache_write_tokens"] = JSONValue(w) }
            object["prompt_tokens_details"] = .object(details)
        }
        if let r = usage.reasoningTokens { object["completion_tokens_details"] = ["reasoning_tokens": JSONValue(r)] }
        return .object(object)
    }

    /// `data: {"error":{...}}`: how an OpenAI stream reports an error after its 200 (the SDKs raise
    /// on it). The passthrough relay and the translating encoder both end streams with it.
    public static func streamErrorEvent(_ error: GatewayError) -> [UInt8] {
        SSEEvent.json(.object(["error": .object(error.errorObject)]))
    }

    /// Reasoning text from OpenAI-compatible servers: `reasoning_content` (DeepSeek, vLLM) or `reasoning`.
    static func reasoningText(_ object: JSONObject) -> String? {
        object["reasoning_content"]?.stringValue ?? object["reasoning"]?.stringValue
    }
}

/// A 2xx OpenAI chat body → canonical result (first choice).
public struct OpenAIResponseDecoder: Sendable {
    let provider: String

    /// - Parameter provider: names the source in errors.
    public init(provider: String) { self.provider = provider }

    public func decode(_ body: [UInt8]) throws(GatewayError) -> ChatResult {
        guard let object = (try? JSON.parse(body))?.objectValue,
              let choice = object["choices"]?.arrayValue?.first?.objectValue else {
            throw .upstreamInvalidResponse(provider: provider, detail: "not a chat.completion object")
        }
        let message = choice["message"]?.objectValue ?? [:]
        var parts: [ContentPart] = []
        if let reasoning = OpenAIVocabulary.reasoningText(message), !reasoning.isEmpty {
            parts.append(.reasoning(ReasoningPart(text: reasoning)))
        }
        if let text = message["content"]?.stringValue, !text.isEmpty { parts.append(.text(TextPart(text))) }
        if let refusal = message["refusal"]?.stringValue, !refusal.isEmpty { parts.append(.refusal(refusal)) }
        for call in message["tool_calls"]?.arrayValue ?? [] {
            guard let function = call["function"]?.objectValue, let name = function["name"]?.stringValue else { continue }
            parts.append(.toolCall(ToolCall(id: call["id"]?.stringValue ?? "", name: name,
                                            arguments: function["arguments"]?.stringValue ?? "")))
        }
        var result = ChatResult(id: object["id"]?.stringValue ?? "", model: object["model"]?.stringValue ?? "",
                                created: object["created"]?.intValue, parts: parts,
                                finishReason: OpenAIVocabulary.finishReason(choice["finish_reason"]?.stringValue),
                                usage: OpenAIVocabulary.usage(object["usage"]))
        for key in ["system_fingerprint", "service_tier", "prompt_filter_results"] {
            if let value = object[key], !value.isNull { result.extras.append(ProviderExtra(family: .openAI, name: key, value: value, droppable: true)) }
        }
        if let filter = choice["content_filter_results"] {
            result.extras.append(ProviderExtra(family: .openAI, name: "content_filter_results", value: filter, droppable: true))
        }
        return result
    }
}
