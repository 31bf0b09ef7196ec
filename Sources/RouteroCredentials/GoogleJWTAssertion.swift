import _CryptoExtras
import Crypto
import Foundation  // swift-crypto's byte inputs are DataProtocol; confined to this file.
public import RouteroCore

/// The RS256-signed JWT a service account presents to Google's token endpoint (reference 5.8):
/// header `{"alg":"RS256","typ":"JWT","kid"}`, claims `{iss, scope, aud: token_uri, iat, exp}`,
/// signed with RSASSA-PKCS1-v1_5 over SHA-256.
public enum GoogleJWTAssertion {
    /// Google accepts assertions valid for at most an hour.
    public static let lifetimeSeconds = 3600

    /// The signed assertion for `account`, issued at `now` (Unix seconds).
    /// - Throws: ``GatewayError/providerMisconfigured(provider:detail:)`` when the private key is unusable.
    public static func make(for account: GoogleServiceAccount, scope: String = GoogleServiceAccount.cloudPlatformScope,
                            now: Int) throws(GatewayError) -> String {
        var header: JSONObject = ["alg": "RS256", "typ": "JWT"]
        if let kid = account.privateKeyID { header["kid"] = .string(kid) }
        let claims: JSONObject = [
            "iss": .string(account.clientEmail), "scope": .string(scope), "aud": .string(account.tokenURI),
            "iat": JSONValue(now), "exp": JSONValue(now + lifetimeSeconds),
        ]
        let signingInput = Base64.encodeURL(JSON.serialize(.object(header))) + "." + Base64.encodeURL(JSON.serialize(.object(claims)))
        let signature: [UInt8]
        do {
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: account.privateKeyPEM)
            let sig = try key.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
            signature = sig.withUnsafeBytes { Array($0) }
        } catch {
            throw .providerMisconfigured(provider: "vertex_ai",
                                         detail: "the service-account private key cannot sign (\(type(of: error)))")
        }
        return signingInput + "." + Base64.encodeURL(signature)
    }
}
