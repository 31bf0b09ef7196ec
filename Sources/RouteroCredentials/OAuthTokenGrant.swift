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

    /// The form body of a client-credentials grant (Microsoft Entra ID; RFC 6749 4.4).
    public static func clientCredentialsBody(clientID: String, clientSecret: String, scope: String) -> [UInt8] {
        Array(("grant_type=client_credentials&client_id=" + formEncoded(clientID) + "&client_secret="
               + formEncoded(clientSecret) + "&scope=" + formEncoded(scope)).utf8)
    }

    /// The scope Azure OpenAI tokens need.
    public static let cognitiveServicesScope = "https://cognitiveservices.azure.com/.default"

    /// `application/x-www-form-urlencoded` escaping: unreserved characters stay, the rest is `%XX`.
    static func formEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads a token endpoint's answer.
    /// - Throws: 502 `upstream_authentication_failed` with the endpoint's `error_description`.
    public static func parse(status: Int, body: [UInt8], provider: String = "vertex_ai") throws(GatewayError) -> Token {
        let object = (try? JSON.parse(body))?.objectValue
        guard (200...299).contains(status), let token = object?["access_token"]?.stringValue, !token.isEmpty else {
            let reason = object?["error_description"]?.stringValue ?? object?["error"]?.stringValue ?? "HTTP \(status)"
            throw GatewayError(status: 502, type: "server_error", code: "upstream_authentication_failed",
                               message: "\(provider): the token endpoint refused the gateway's credentials (\(reason)).",
                               retryable: true)
        }
        return Token(accessToken: token, expiresInSeconds: object?["expires_in"]?.intValue ?? 3600)
    }
}
