public import RouteroCore

/// The Anthropic Messages words both directions share: `stop_reason` ↔ ``FinishReason`` (reference
/// 6.5) and HTTP status ↔ `error.type` (reference 4.6, 6.8). The outbound adapter reads them, the
/// Anthropic front-end writes them, so one table keeps the two sides from drifting apart.
public enum AnthropicVocabulary {
    /// The canonical finish reason for an Anthropic `stop_reason` (reference 6.5).
    ///
    /// `pause_turn` keeps its own canonical case (``FinishReason/pause``) so a client of another family
    /// sees `stop` (its encoder's choice) while an Anthropic client could be told to resend. An unknown
    /// value (a stop reason newer than this table) reads as `stop`: the answer ended, and guessing
    /// `length` or `tool_calls` would make a client act on something that did not happen.
    public static func finishReason(_ stopReason: String) -> FinishReason {
        switch stopReason {
        case "end_turn", "stop_sequence": .stop
        case "max_tokens", "model_context_window_exceeded": .length
        case "tool_use": .toolCalls
        case "refusal": .contentFilter
        case "pause_turn": .pause
        default: .stop
        }
    }

    /// The Anthropic `stop_reason` for a canonical finish (reference 6.5, right-hand table).
    /// - Parameters:
    ///   - stopSequence: the matched stop sequence; with one, `stop` becomes `stop_sequence`.
    ///   - hasToolCalls: the answer carried tool calls. A `stop` (or missing) finish then becomes
    ///     `tool_use`: some providers (Gemini, Ollama) report a natural stop after calling tools, and an
    ///     Anthropic client that reads `end_turn` drops the calls (known bug: litellm #34692).
    public static func stopReason(_ finish: FinishReason?, stopSequence: String?, hasToolCalls: Bool) -> String {
        switch finish {
        case .length: return "max_tokens"
        case .toolCalls: return "tool_use"
        case .contentFilter: return "refusal"
        case .pause: return "pause_turn"
        case .stop, nil:
            if hasToolCalls { return "tool_use" }
            return stopSequence == nil ? "end_turn" : "stop_sequence"
        }
    }

    /// The Anthropic `error.type` for the HTTP status a client receives (reference 4.6 and 6.8).
    ///
    /// Statuses Anthropic does not name (405, 409, 422, ...) use `invalid_request_error` for 4xx, as
    /// the API itself does, and `api_error` for 5xx.
    public static func errorType(forStatus status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        case 500...599: "api_error"
        default: "invalid_request_error"
        }
    }

    /// The HTTP status Anthropic uses for an `error.type`, for errors that arrive without one (inside a
    /// stream, or in a 2xx body).
    public static func status(forErrorType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "timeout_error": 504
        case "overloaded_error": 529
        default: 500
        }
    }

    /// The HTTP status an Anthropic client receives for `error`: the gateway's 503 `overloaded` (its own
    /// admission limit, or an upstream 529) becomes 529, which Anthropic SDKs classify as
    /// `OverloadedError` and retry with backoff; every other status is kept.
    public static func clientStatus(for error: GatewayError) -> Int {
        error.status == 503 && error.code == "overloaded" ? 529 : error.status
    }

    /// The Anthropic error envelope: `{"type":"error","error":{"type":<by status>,"message":...}}`.
    /// - Parameter status: the status the client receives (see the front-end's `status(for:)`).
    public static func errorBody(_ error: GatewayError, status: Int) -> JSONValue {
        [
            "type": "error",
            "error": ["type": .string(errorType(forStatus: status)), "message": .string(error.message)],
        ]
    }

    /// `event: error` with the envelope, as an Anthropic client receives it mid-stream (the gateway's
    /// 503 `overloaded` typed as 529 `overloaded_error`). The relay and the front-end both end
    /// streams with it.
    public static func streamErrorEvent(_ error: GatewayError) -> [UInt8] {
        SSEEvent.json(errorBody(error, status: clientStatus(for: error)), event: "error")
    }

    /// `anthropic-version` for the first-party API (the only version there is).
    public static let apiVersion = "2023-06-01"

    /// The body field `anthropic_version` Claude on Vertex AI requires instead of the header.
    public static let vertexVersion = "vertex-2023-10-16"
}
