/// Every failure the gateway reports to a client: one HTTP status and one OpenAI-shaped body.
///
/// Values are built through the factories below (or ``init(status:type:code:param:message:headers:retryable:)``
/// for upstream errors mapped by an adapter). `message` must already be safe for a client to read: no
/// keys, no internal URLs, no request content.
public struct GatewayError: Error, Sendable {
    /// HTTP status sent to the client.
    public var status: Int
    /// OpenAI `error.type`, e.g. `"invalid_request_error"`.
    public var type: String
    /// OpenAI `error.code`, e.g. `"model_not_found"`.
    public var code: String?
    /// OpenAI `error.param`, the request field at fault.
    public var param: String?
    /// Client-safe explanation.
    public var message: String
    /// Extra response headers, e.g. `("retry-after", "7")`.
    public var headers: [(String, String)]
    /// Whether another deployment may be tried (only before the response is committed).
    public var retryable: Bool

    /// Creates an error from its parts.
    public init(status: Int, type: String, code: String? = nil, param: String? = nil, message: String,
                headers: [(String, String)] = [], retryable: Bool = false) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.headers = headers
        self.retryable = retryable
    }

    /// The OpenAI error object: `{"message":..,"type":..,"param":..,"code":..}` (nil fields as `null`).
    public var errorObject: JSONObject {
        [
            "message": .string(message),
            "type": .string(type),
            "param": param.map(JSONValue.string) ?? .null,
            "code": code.map(JSONValue.string) ?? .null,
        ]
    }

    /// The response body: `{"error":{"message":..,"type":..,"param":..,"code":..}}`.
    public func openAIBody() -> [UInt8] {
        JSON.serialize(.object(["error": .object(errorObject)]))
    }
}

extension GatewayError: CustomStringConvertible {
    /// `"<status> <type>[/<code>]: <message>"`; the message is client-safe, so this is safe to log.
    public var description: String {
        "\(status) \(type)\(code.map { "/\($0)" } ?? ""): \(message)"
    }
}

extension GatewayError {
    /// 400: the body is not valid JSON.
    public static func invalidJSON(_ detail: String) -> Self {
        Self(status: 400, type: "invalid_request_error",
             message: "We could not parse the JSON body of your request. (\(detail))")
    }

    /// 400: the request is well-formed JSON but not acceptable.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> Self {
        Self(status: 400, type: "invalid_request_error", code: code, param: param, message: message)
    }

    /// 401: no API key was sent.
    public static var missingAuth: Self { missingAuth(hint: "'Authorization: Bearer <key>'") }

    /// 401: no API key was sent; `hint` says where this entry format's SDKs put it.
    public static func missingAuth(hint: String) -> Self {
        Self(status: 401, type: "invalid_request_error", code: "invalid_api_key",
             message: "You didn't provide an API key. Send it as \(hint).")
    }

    /// 401: the API key sent is not valid for this gateway.
    public static var invalidAuth: Self {
        Self(status: 401, type: "invalid_request_error", code: "invalid_api_key",
             message: "Incorrect API key provided.")
    }

    /// 404: no route or deployment serves `model`.
    public static func modelNotFound(_ model: String) -> Self {
        Self(status: 404, type: "invalid_request_error", code: "model_not_found",
             message: "The model `\(model)` does not exist or you do not have access to it.")
    }

    /// 413: the request body exceeds `limit` bytes.
    public static func payloadTooLarge(limit: Int) -> Self {
        Self(status: 413, type: "invalid_request_error", code: "payload_too_large",
             message: "The request body exceeds the limit of \(limit) bytes.")
    }

    /// 405: the endpoint exists but not for this HTTP method.
    public static func methodNotAllowed(_ method: String) -> Self {
        Self(status: 405, type: "invalid_request_error", code: "method_not_allowed",
             message: "Method \(method) is not allowed on this endpoint.")
    }

    /// 404: no endpoint at `path`.
    public static func notFound(path: String) -> Self {
        Self(status: 404, type: "invalid_request_error", code: "unknown_url",
             message: "Invalid URL (\(path)).")
    }

    /// 504: the upstream provider did not answer in time. Retryable.
    public static func upstreamTimeout(provider: String) -> Self {
        Self(status: 504, type: "server_error", code: "timeout",
             message: "\(provider): the upstream provider did not respond in time.", retryable: true)
    }

    /// 502: the upstream provider could not be reached. Retryable. `detail` must be client-safe
    /// (e.g. a curl error string, not a URL with credentials).
    public static func upstreamUnreachable(provider: String, detail: String) -> Self {
        Self(status: 502, type: "server_error", code: "upstream_unreachable",
             message: "\(provider): could not reach the upstream provider (\(detail)).", retryable: true)
    }

    /// 500: a bug or an impossible state inside the gateway.
    public static func internalError(_ message: String) -> Self {
        Self(status: 500, type: "server_error", code: "internal_error", message: message)
    }

    /// 500: a deployment's configuration cannot produce a request (e.g. no `api_base` for a provider
    /// without a default). Retryable, because another deployment of the same model may be configured well.
    public static func providerMisconfigured(provider: String, detail: String) -> Self {
        Self(status: 500, type: "server_error", code: "provider_misconfigured",
             message: "\(provider): \(detail)", retryable: true)
    }

    /// 429: a gateway-side rate limit. `retryAfterSeconds` becomes a `retry-after` header.
    public static func rateLimited(_ message: String, retryAfterSeconds: Int? = nil) -> Self {
        Self(status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", message: message,
             headers: retryAfterSeconds.map { [("retry-after", String($0))] } ?? [], retryable: false)
    }

    /// 503: the gateway is overloaded or draining.
    public static func serviceUnavailable(_ message: String) -> Self {
        Self(status: 503, type: "server_error", code: "service_unavailable", message: message)
    }

    /// 503 with `retry-after`: this worker already runs its `server.max_concurrent_requests`.
    public static func overloaded(retryAfterSeconds: Int) -> Self {
        Self(status: 503, type: "server_error", code: "overloaded",
             message: "The gateway is at its concurrent request limit; retry shortly.",
             headers: [("retry-after", String(retryAfterSeconds))])
    }

    /// 508: the request already passed through this gateway, or through more gateways than
    /// `server.max_hops` allows; a deployment's `api_base` points back at a gateway.
    public static func loopDetected(_ detail: String) -> Self {
        Self(status: 508, type: "server_error", code: "loop_detected", message: "Request loop detected: \(detail)")
    }

    /// 502: a non-streaming upstream answer exceeded `server.max_response_bytes`.
    public static func upstreamResponseTooLarge(provider: String, limit: Int) -> Self {
        Self(status: 502, type: "server_error", code: "upstream_response_too_large",
             message: "\(provider): the upstream response exceeded the gateway's limit of \(limit) bytes "
                 + "(server.max_response_bytes).")
    }
}

extension GatewayError: Equatable {
    /// Field-by-field equality (headers in order), for tests of decoders that emit errors.
    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool {
        lhs.status == rhs.status && lhs.type == rhs.type && lhs.code == rhs.code && lhs.param == rhs.param
            && lhs.message == rhs.message && lhs.retryable == rhs.retryable
            && lhs.headers.count == rhs.headers.count && zip(lhs.headers, rhs.headers).allSatisfy { $0 == $1 }
    }
}
