public import RouteroCore

/// What kind of failure an attempt ended with, for the failover rules (failover reference,
/// scenarios 1–16): each class has one retry rule.
public enum FailureClass: Sendable, Equatable {
    /// 429: the deployment asked to be left alone, for `retryAfter` seconds when it said.
    case rateLimited(retryAfter: Double?)
    /// The upstream did not answer in time: a silent route is not retried, the next one is tried.
    case timeout
    /// 5xx or an in-band stream error before any byte: worth one more try on the same deployment.
    case serverError
    /// The connection failed or broke before the head: the same deployment may answer a retry.
    case connection
    /// 400 `context_length_exceeded`: never the same model again; a larger one if configured.
    case contextWindow
    /// 400 content-policy rejection: no retry anywhere; the reason goes to the client.
    case contentPolicy
    /// Any other client error (400/413/422): the request itself is wrong.
    case badRequest
    /// The deployment cannot serve this request (404, refused credentials, misconfiguration):
    /// the next deployment may.
    case unavailable

    /// Classifies a gateway error as the adapters mapped it.
    public init(_ error: GatewayError) {
        let code = (error.code ?? "").lowercased()
        switch error.status {
        case 429:
            self = .rateLimited(retryAfter: Self.retryAfter(error.headers))
        case 504:
            self = .timeout
        case 508:
            // A gateway further on saw this request before: the same deployment would loop again.
            self = .unavailable
        case 400, 413, 422:
            if code.contains("context_length") || code.contains("context_window") || error.message.contains("context length") {
                self = .contextWindow
            } else if code.contains("content_filter") || code.contains("content_policy") || code.contains("safety") {
                self = .contentPolicy
            } else {
                self = error.retryable ? .unavailable : .badRequest
            }
        case 502:
            switch code {
            case "upstream_unreachable", "upstream_stream_interrupted": self = .connection
            case "upstream_stream_stalled": self = .timeout  // a silent route is not retried
            case "upstream_authentication_failed", "upstream_response_too_large": self = .unavailable
            default: self = .serverError
            }
        case 500...599:
            self = code == "provider_misconfigured" ? .unavailable : .serverError
        default:
            self = error.retryable ? .unavailable : .badRequest
        }
    }

    /// Whether any deployment may still be tried after this failure.
    /// Whether the error is about the request itself (no deployment of this model would take it).
    public var endsRequest: Bool {
        switch self {
        case .contentPolicy, .badRequest, .contextWindow: true
        default: false
        }
    }

    public var allowsAnotherAttempt: Bool {
        switch self {
        case .contentPolicy, .badRequest: false
        default: true
        }
    }

    /// `retry-after-ms` (preferred) or `retry-after` in seconds; HTTP dates are not used by LLM
    /// providers and are ignored.
    static func retryAfter(_ headers: [(String, String)]) -> Double? {
        if let ms = headers.first(where: { $0.0.lowercased() == "retry-after-ms" }).flatMap({ Double($0.1.trimmingSpacesLite()) }) {
            return ms / 1000
        }
        return headers.first(where: { $0.0.lowercased() == "retry-after" }).flatMap { Double($0.1.trimmingSpacesLite()) }
    }
}

extension String {
    func trimmingSpacesLite() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
