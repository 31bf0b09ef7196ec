import RouteroCore

/// Google's error envelope `{"error":{code,message,status,details}}` → the gateway's errors.
///
/// The status policy is the shared one (``UpstreamErrors/map(status:headers:body:target:)``); on top:
/// - `code` carries the RPC status (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`) where the shared policy
///   kept the upstream's code, which on Google's wire is only the HTTP status again.
/// - A `google.rpc.RetryInfo` detail (`"retryDelay": "37s"`) becomes a `retry-after` header (whole
///   seconds, rounded up) on 429 and 5xx answers, unless the upstream sent one itself.
/// - A 400 whose details say `API_KEY_INVALID` (or whose message says the key is not valid) is the
///   gateway's key being refused, not the client's request: 502 `upstream_authentication_failed`,
///   retryable, like a 401/403.
/// - A 400 `FAILED_PRECONDITION` ("User location is not supported", billing not enabled) is a limit
///   of this deployment: still a 400, but retryable so another deployment may serve the request.
enum GeminiErrors {
    static func map(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError {
        var error = UpstreamErrors.map(status: status, headers: headers, body: body, target: target)
        let envelope = (try? JSON.parse(body)).flatMap { value in
            (value.arrayValue?.first ?? value)["error"]?.objectValue
        }
        guard let envelope else { return error }
        let rpcStatus = envelope["status"]?.stringValue
        let details = envelope["details"]?.arrayValue ?? []

        let reasons = details.compactMap { $0["reason"]?.stringValue }
        let message = envelope["message"]?.stringValue ?? ""
        if status == 400, reasons.contains("API_KEY_INVALID") || message.contains("API key not valid") {
            let detail = UpstreamErrors.sanitize(message.isEmpty ? "API key not valid" : message, target: target)
            return GatewayError(
                status: 502, type: "server_error", code: "upstream_authentication_failed",
                message: "\(target.profile.id): the provider rejected the gateway's credentials (HTTP 400): \(detail)",
                retryable: true)
        }
        if let rpcStatus, error.code != "upstream_authentication_failed" {
            error.code = rpcStatus
        }
        if status == 400, rpcStatus == "FAILED_PRECONDITION" { error.retryable = true }
        if status == 429 || status >= 500, !error.headers.contains(where: { $0.0 == "retry-after" }),
           let delay = details.lazy.compactMap({ $0["retryDelay"]?.stringValue }).first,
           let seconds = retrySeconds(delay) {
            error.headers.append(("retry-after", String(seconds)))
        }
        return error
    }

    /// A protobuf `Duration` in JSON (`"37s"`, `"1.5s"`, `"0.2s"`) as whole seconds, rounded up.
    static func retrySeconds(_ duration: String) -> Int? {
        guard duration.hasSuffix("s"), let seconds = Double(duration.dropLast()), seconds.isFinite, seconds >= 0,
              seconds < 86_400 else { return nil }
        return Int(seconds.rounded(.up))
    }

    /// An error object met inside a 2xx stream or body (`{"error":{code,message,status}}`), mapped as
    /// if it had come with its own HTTP status.
    static func inStream(_ object: JSONObject, target: UpstreamTarget) -> GatewayError {
        let code = object["error"]?["code"]?.intValue
            ?? object["error"]?["status"]?.stringValue.flatMap(GeminiVocabulary.httpStatus(forRPCStatus:)) ?? 500
        return map(status: code, headers: [], body: JSON.serialize(.object(object)), target: target)
    }
}
