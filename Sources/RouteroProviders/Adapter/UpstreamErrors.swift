public import RouteroCore

/// The status policy and text hygiene every adapter applies to upstream errors, whatever the family.
///
/// The body reader accepts OpenAI's, Anthropic's (`{"type":"error","error":{type,message}}`) and
/// Google's (`{"error":{code,message,status}}`) envelopes, so a family adapter only adds what its own
/// statuses mean (Anthropic's 529, Google's `RetryInfo`) on top of ``map(status:headers:body:target:)``.
public enum UpstreamErrors {
    /// Maps an upstream error to the client's error: see ``OpenAICompatibleAdapter/mapError(status:headers:body:target:)``
    /// for the status rules (401/403 → 502 `upstream_authentication_failed`, 5xx → 502, 404/429/5xx retryable).
    public static func map(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError {
        OpenAICompatibleAdapter(profile: target.profile).mapError(status: status, headers: headers, body: body, target: target)
    }

    /// Removes the target's key, credentials in URLs and key-like tokens from upstream text.
    public static func sanitize(_ text: String, target: UpstreamTarget) -> String {
        OpenAICompatibleAdapter(profile: target.profile).sanitize(text, target: target)
    }
}

extension UpstreamErrors {
    /// An error a provider reported inside a 200 stream: mapped as a 500 with that body would be
    /// (retryable, the upstream's message kept), for the relay to end the client's stream with.
    public static func mapStreamError(body: [UInt8], target: UpstreamTarget) -> GatewayError {
        let upstream = UpstreamErrorBody(parsing: body)
        let detail = sanitize(upstream.message ?? "the provider reported an error mid-stream", target: target)
        return GatewayError(status: 502, type: upstream.type ?? "server_error", code: upstream.code ?? "upstream_stream_error",
                            message: "\(target.profile.id): \(detail)", retryable: true)
    }
}
