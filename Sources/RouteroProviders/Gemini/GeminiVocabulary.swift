public import RouteroCore

/// The Gemini words both directions share: finish reasons, Google RPC statuses and usage counts,
/// each mapped to and from the canonical model (reference 6.5, 6.7, 6.8). The adapter reads them from
/// upstream answers; the Gemini front-end writes them for Gemini clients.
public enum GeminiVocabulary {
    /// Finish reasons that mean a safety or policy system withheld the answer.
    static let filteredReasons: Set<String> = [
        "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR", "JAILBREAK", "ESCALATION",
        "PUP_LIMITED_DISABLED",
    ]

    /// Finish reasons that end a normal answer.
    static let plainStops: Set<String> = ["STOP", "FINISH_REASON_UNSPECIFIED", "OTHER"]

    /// The canonical reason for a Gemini `finishReason` (reference 6.5).
    ///
    /// `STOP` with function calls in the turn is ``FinishReason/toolCalls``: Gemini reports `STOP` for
    /// a turn that ends in calls, and a client told `stop` drops them. Tool-call failures
    /// (`MALFORMED_FUNCTION_CALL`, `UNEXPECTED_TOOL_CALL`, `TOO_MANY_TOOL_CALLS`), image misses and
    /// unknown values are a plain ``FinishReason/stop``, logged so they can be told apart.
    public static func finishReason(_ wire: String, hasToolCalls: Bool) -> FinishReason {
        // CONTINUATION: the per-request token limit cut the answer; it can be continued.
        if wire == "MAX_TOKENS" || wire == "CONTINUATION" { return .length }
        if filteredReasons.contains(wire) { return .contentFilter }
        if hasToolCalls, wire == "STOP" || wire == "FINISH_REASON_UNSPECIFIED" { return .toolCalls }
        if !plainStops.contains(wire) {
            Log.info("gemini finish reason reported as stop", [("finish_reason", wire)])
        }
        return .stop
    }

    /// The Gemini `finishReason` for a canonical reason (reference 6.5, reverse): tool calls end with
    /// `STOP` on the Gemini wire, a filtered answer with `SAFETY`.
    public static func wireFinishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop, .toolCalls, .pause: "STOP"
        case .length: "MAX_TOKENS"
        case .contentFilter: "SAFETY"
        }
    }

    /// The Google RPC status name for an HTTP status, as Google's own error bodies pair them.
    public static func rpcStatus(forHTTPStatus status: Int) -> String {
        switch status {
        case 400, 413, 422: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 501: "UNIMPLEMENTED"
        case 502, 503: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        case 400..<500: "FAILED_PRECONDITION"
        default: "INTERNAL"
        }
    }

    /// The HTTP status Google uses for an RPC status name, or nil for an unknown name.
    public static func httpStatus(forRPCStatus status: String) -> Int? {
        switch status {
        case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE": 400
        case "UNAUTHENTICATED": 401
        case "PERMISSION_DENIED": 403
        case "NOT_FOUND": 404
        case "ABORTED", "ALREADY_EXISTS": 409
        case "RESOURCE_EXHAUSTED": 429
        case "CANCELLED": 499
        case "INTERNAL", "UNKNOWN", "DATA_LOSS": 500
        case "UNIMPLEMENTED": 501
        case "UNAVAILABLE": 503
        case "DEADLINE_EXCEEDED": 504
        default: nil
        }
    }

    /// Canonical usage from a `usageMetadata` object (reference 6.7): input counts the prompt and
    /// tool-use prompt (cached tokens are already inside `promptTokenCount`), output counts the answer
    /// and the thoughts. Nil when the value is not an object.
    public static func usage(from metadata: JSONValue?) -> Usage? {
        guard let object = metadata?.objectValue else { return nil }
        func count(_ key: String) -> Int? { object[key]?.intValue }
        let thoughts = count("thoughtsTokenCount")
        return Usage(inputTokens: (count("promptTokenCount") ?? 0) + (count("toolUsePromptTokenCount") ?? 0),
                     outputTokens: (count("candidatesTokenCount") ?? 0) + (thoughts ?? 0),
                     cacheReadTokens: count("cachedContentTokenCount"),
                     reasoningTokens: thoughts)
    }

    /// A `usageMetadata` object for canonical usage (reference 6.7, reverse): thoughts are taken out
    /// of the candidates count, zero or unknown optional counts are left out.
    public static func usageMetadata(_ usage: Usage) -> JSONObject {
        let reasoning = max(0, min(usage.reasoningTokens ?? 0, usage.outputTokens))
        var object: JSONObject = [
            "promptTokenCount": JSONValue(usage.inputTokens),
            "candidatesTokenCount": JSONValue(usage.outputTokens - reasoning),
        ]
        if reasoning > 0 { object["thoughtsTokenCount"] = JSONValue(reasoning) }
        if let cached = usage.cacheReadTokens, cached > 0 { object["cachedContentTokenCount"] = JSONValue(cached) }
        object["totalTokenCount"] = JSONValue(usage.totalTokens)
        return object
    }
}
