public import RouteroCore

/// The OAuth 2.0 JWT-bearer grant (RFC 7523) that turns an assertion into an access token.
public enum OAuthTokenGrant {
    /// An access token and how long it lives.
    public struct Token: Sendable, Equatable {
        public var accessToken: String
        public var expiresInSeconds: Int

        public init(accessToken: String, expiresInSeconds: Int) {
            self.accessToken = accessToken
            self.expiresInSeconds = expiresInSeconds
        }
    }

    /// The form body of the grant request.
    public static func requestBody(assertion: String) -> [UInt8] {
        Array(("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion).utf8)
    }

    /// Reads a token endpoint's answer.
    /// - Throws: 502 `upstream_authentication_failed` with the endpoint's `error_description`.
    public static func parse(status: Int, body: [UInt8]) throws(GatewayError) -> Token {
        let object = (try? JSON.parse(body))?.objectValue
        guard (200...299).contains(status), let token = object?["access_token"]?.stringValue, !token.isEmpty else {
            let reason = object?["error_description"]?.stringValue ?? object?["error"]?.stringValue ?? "HTTP \(status)"
            throw GatewayError(status: 502, type: "server_error", code: "upstream_authentication_failed",
                               message: "vertex_ai: the token endpoint refused the service account (\(reason)).",
                               retryable: true)
        }
        return Token(accessToken: token, expiresInSeconds: object?["expires_in"]?.intValue ?? 3600)
    }
}
