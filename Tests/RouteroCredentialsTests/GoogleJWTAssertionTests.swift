import _CryptoExtras
import Crypto
import Foundation
import RouteroCore
import RouteroCredentials
import Testing

/// The assertion a service account presents verifies with its public key and carries the claims
/// Google's token endpoint checks (reference 5.8).
struct GoogleJWTAssertionTests {
    @Test func assertionVerifiesWithThePublicKeyAndCarriesTheClaims() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let json = JSON.string(.object([
            "type": "service_account", "project_id": "p1", "private_key_id": "kid-1",
            "private_key": .string(key.pemRepresentation), "client_email": "sa@p1.iam.gserviceaccount.com",
            "token_uri": "http://127.0.0.1:9/token",
        ]))
        let account = try GoogleServiceAccount(json: json)
        let jwt = try GoogleJWTAssertion.make(for: account, now: 1_700_000_000)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func decode(_ segment: String) throws -> Data {
            var s = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while s.count % 4 != 0 { s += "=" }
            return try #require(Data(base64Encoded: s))
        }
        let header = try JSON.parse(Array(try decode(parts[0])))
        let claims = try JSON.parse(Array(try decode(parts[1])))
        #expect(header["alg"] == "RS256" && header["kid"] == "kid-1")
        #expect(claims["iss"] == "sa@p1.iam.gserviceaccount.com")
        #expect(claims["aud"] == "http://127.0.0.1:9/token")
        #expect(claims["scope"] == .string(GoogleServiceAccount.cloudPlatformScope))
        #expect(claims["exp"]?.intValue == 1_700_003_600)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try decode(parts[2]))
        let digest = SHA256.hash(data: Data((parts[0] + "." + parts[1]).utf8))
        #expect(key.publicKey.isValidSignature(signature, for: digest, padding: .insecurePKCS1v1_5))
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(!other.publicKey.isValidSignature(signature, for: digest, padding: .insecurePKCS1v1_5))
    }

    @Test func base64MatchesFoundation() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + 11) & 255) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test func tokenEndpointAnswers() throws {
        let token = try OAuthTokenGrant.parse(status: 200, body: Array(#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#.utf8))
        #expect(token == OAuthTokenGrant.Token(accessToken: "ya29.x", expiresInSeconds: 3599))
        #expect(throws: GatewayError.self) {
            try OAuthTokenGrant.parse(status: 400, body: Array(#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#.utf8))
        }
    }
}

struct EntraGrantTests {
    @Test func clientCredentialsFormIsEncoded() {
        let body = String(decoding: OAuthTokenGrant.clientCredentialsBody(clientID: "c 1", clientSecret: "s&=+/é",
                                                                           scope: OAuthTokenGrant.cognitiveServicesScope), as: UTF8.self)
        #expect(body == "grant_type=client_credentials&client_id=c%201&client_secret=s%26%3D%2B%2F%C3%A9"
                + "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default")
    }
}
