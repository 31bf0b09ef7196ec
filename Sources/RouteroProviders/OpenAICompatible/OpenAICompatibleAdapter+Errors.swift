public import RouteroCore

extension OpenAICompatibleAdapter {
    /// Maps an upstream error response to the error the client sees.
    ///
    /// The upstream's OpenAI-shaped fields are kept where they describe the client's request; the status
    /// is translated where the fault is the gateway's or the provider's, not the client's:
    /// - 400/409/413 pass through, 422 becomes 400 (the client's request was at fault).
    /// - 404 passes through but is retryable: the next deployment may serve the model.
    /// - 508 (loop detected by a gateway further on) passes through, retryable.
    /// - 401/403 become 502 `upstream_authentication_failed`: the client's key was accepted by the
    ///   gateway; it is the gateway's provider key that was refused. Retryable (another deployment may
    ///   hold a working key).
    /// - 408 becomes 504; 429 stays 429 with `retry-after`/`retry-after-ms`; 5xx becomes 502; all retryable.
    /// - Other statuses become 502 (402, out of provider credit, retryable; the rest not).
    ///
    /// The message is prefixed with the provider id and passed through ``sanitize(_:target:)``.
    public func mapError(status: Int, headers: [(String, String)], body: [UInt8], target: UpstreamTarget) -> GatewayError {
        let upstream = UpstreamErrorBody(parsing: body)
        let detail = sanitize(upstream.message ?? "HTTP \(status) with no error message", target: target)
        let message = "\(profile.id): \(detail)"
        let retryHeaders = headers.compactMap { name, value -> (String, String)? in
            let lowered = name.lowercased()
            return lowered == "retry-after" || lowered == "retry-after-ms" ? (lowered, value) : nil
        }
        switch status {
        case 400, 409, 413, 422:
            return GatewayError(status: status == 422 ? 400 : status, type: upstream.type ?? "invalid_request_error",
                                code: upstream.code, param: upstream.param, message: message)
        case 404:
            // This deployment does not serve the model (or the path): another one may.
            return GatewayError(status: 404, type: upstream.type ?? "invalid_request_error",
                                code: upstream.code ?? "model_not_found", param: upstream.param, message: message,
                                retryable: true)
        case 508:
            // Another gateway on the way (or this one) saw the request before: keep the verdict.
            return GatewayError(status: 508, type: upstream.type ?? "server_error", code: upstream.code ?? "loop_detected",
                                message: message, retryable: true)
        case 401, 403:
            return GatewayError(
                status: 502, type: "server_error", code: "upstream_authentication_failed",
                message: "\(profile.id): the provider rejected the gateway's credentials (HTTP \(status)): \(detail)",
                retryable: true)
        case 408:
            return GatewayError(status: 504, type: "server_error", code: upstream.code ?? "timeout",
                                message: message, headers: retryHeaders, retryable: true)
        case 429:
            return GatewayError(status: 429, type: upstream.type ?? "rate_limit_error",
                                code: upstream.code ?? "rate_limit_exceeded", param: upstream.param,
                                message: message, headers: retryHeaders, retryable: true)
        case 500...599:
            return GatewayError(status: 502, type: upstream.type ?? "server_error", code: upstream.code,
                                message: message, headers: retryHeaders, retryable: true)
        default:
            return GatewayError(status: 502, type: "server_error", code: upstream.code ?? "upstream_error",
                                message: "\(profile.id): unexpected HTTP \(status): \(detail)",
                                retryable: status == 402)
        }
    }
}

/// The useful fields of an upstream error body, whatever its shape.
struct UpstreamErrorBody {
    var message: String?
    var type: String?
    var code: String?
    var param: String?

    /// Upstream text longer than this is cut: HTML error pages and stack traces are not client material.
    static let maxMessageLength = 1000

    /// Accepts `{"error":{message,type,param,code}}`, `{"error":"text"}`, `{"message":..}`,
    /// `{"detail":..}` (FastAPI servers such as vLLM), a one-element array of those (Google), and
    /// plain text or HTML.
    init(parsing body: [UInt8]) {
        guard let value = try? JSON.parse(body) else {
            message = Self.plainText(body)
            return
        }
        let root = value.arrayValue?.first ?? value
        guard let object = root.objectValue else {
            message = root.stringValue ?? Self.truncated(JSON.string(root))
            return
        }
        var fields = object
        if let error = object["error"] {
            if let inner = error.objectValue { fields = inner } else { message = Self.text(error) }
        }
        message = message ?? fields["message"].map(Self.text) ?? fields["detail"].map(Self.text)
            ?? fields["msg"].map(Self.text) ?? Self.truncated(JSON.string(value))
        type = fields["type"]?.stringValue ?? object["type"]?.stringValue
        code = Self.scalarText(fields["code"]) ?? Self.scalarText(object["code"])
        param = fields["param"]?.stringValue
    }

    /// A string as is; anything else as compact JSON (e.g. FastAPI's list of validation errors).
    static func text(_ value: JSONValue) -> String {
        truncated(value.stringValue ?? JSON.string(value))
    }

    /// Codes are strings for OpenAI but numbers for some servers (`"code": 400`).
    static func scalarText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s.isEmpty ? nil : s
        case .number(let n)?: return n
        default: return nil
        }
    }

    static func plainText(_ body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        let trimmed = text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        guard !trimmed.isEmpty else { return nil }
        let string = String(trimmed)
        if string.hasPrefix("<") { return htmlTitle(string) ?? "non-JSON error page" }
        return truncated(string)
    }

    /// The `<title>` of an HTML error page from a proxy in front of the provider ("502 Bad Gateway").
    static func htmlTitle(_ html: String) -> String? {
        guard let open = html.firstRange(of: "<title>"), let close = html.firstRange(of: "</title>"),
              open.upperBound <= close.lowerBound else { return nil }
        let title = html[open.upperBound..<close.lowerBound]
        return title.isEmpty ? nil : truncated(String(title))
    }

    static func truncated(_ text: String) -> String {
        text.count <= maxMessageLength ? text : String(text.prefix(maxMessageLength)) + "…"
    }
}
