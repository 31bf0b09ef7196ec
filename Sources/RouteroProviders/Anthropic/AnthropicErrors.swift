public import RouteroCore

extension AnthropicAdapter {
    /// Maps an Anthropic (or Vertex AI) error response to the error the client sees.
    ///
    /// The shared policy (``UpstreamErrors/map(status:headers:body:target:)``: statuses, retryability,
    /// `retry-after`, sanitized text prefixed with the provider id) applies first; on top of it:
    /// - 529 (`overloaded_error`) becomes 503 with code `overloaded`, retryable: the gateway's own
    ///   overload signal, which an Anthropic client receives as 529 again and an OpenAI client as 503.
    /// - An Anthropic envelope `{"type":"error","error":{"type":...}}` keeps its error type in `code`
    ///   (`rate_limit_error`, `invalid_request_error`, ...), so it survives translation.
    /// - Google's envelope (Vertex AI answers auth and quota failures itself, reference 4.7) keeps its
    ///   RPC status in `code` (`RESOURCE_EXHAUSTED`), and a `google.rpc.RetryInfo` delay becomes
    ///   `retry-after` when the response had none.
    /// - `type` follows the mapped status in OpenAI's vocabulary (`invalid_request_error`,
    ///   `rate_limit_error`, `server_error`), not Anthropic's (`not_found_error`, `api_error`), since
    ///   ``GatewayError/type`` is the OpenAI field; each front-end derives its own from the status.
    public func mapError(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError {
        var error = UpstreamErrors.map(status: status, headers: headers, body: body, target: target)
        let envelope = Envelope(body)
        if status == 529 || envelope.anthropicType == "overloaded_error" && status >= 500 {
            error.status = 503
            error.code = "overloaded"
            error.retryable = true
        } else if let type = envelope.anthropicType {
            // The gateway's own verdicts (its key refused, a loop) say more than the upstream's type.
            if error.code != "upstream_authentication_failed", error.code != "loop_detected" { error.code = type }
        } else if let rpcStatus = envelope.googleStatus, error.code != "upstream_authentication_failed" {
            error.code = rpcStatus
        }
        if let delay = envelope.retryDelaySeconds, !error.headers.contains(where: { $0.0 == "retry-after" }) {
            error.headers.append(("retry-after", String(delay)))
        }
        switch error.status {
        case 429: error.type = "rate_limit_error"
        case 500...: error.type = "server_error"
        default: error.type = "invalid_request_error"
        }
        return error
    }

    /// What an Anthropic-family error body says beyond its message.
    struct Envelope {
        /// `error.type` of `{"type":"error","error":{...}}`.
        var anthropicType: String?
        /// `error.status` of Google's `{"error":{"code","message","status"}}` (possibly in an array).
        var googleStatus: String?
        /// `retryDelay` of a `google.rpc.RetryInfo` detail, in whole seconds (rounded up).
        var retryDelaySeconds: Int?

        init(_ body: [UInt8]) {
            guard let value = try? JSON.parse(body) else { return }
            let root = value.arrayValue?.first ?? value
            guard let error = root["error"]?.objectValue else { return }
            if root["type"]?.stringValue == "error" { anthropicType = error["type"]?.stringValue }
            googleStatus = error["status"]?.stringValue
            for detail in error["details"]?.arrayValue ?? []
            where detail["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true {
                if let delay = detail["retryDelay"]?.stringValue, delay.hasSuffix("s"),
                   let seconds = Double(delay.dropLast()), seconds >= 0 {
                    retryDelaySeconds = Int(seconds.rounded(.up))
                }
            }
        }
    }

    /// The error an `event: error` inside a stream (or a 2xx error body) stands for: the status its
    /// `error.type` implies, mapped like an HTTP error.
    func streamError(_ data: String, target: UpstreamTarget) -> GatewayError {
        let bytes = Array(data.utf8)
        let type = (try? JSON.parse(bytes))?["error"]?["type"]?.stringValue ?? "api_error"
        return mapError(status: AnthropicVocabulary.status(forErrorType: type), headers: [], body: bytes, target: target)
    }
}
