public import RouteroCore

/// The fields of a Google service-account key (`vertex_credentials`) the token grant needs.
public struct GoogleServiceAccount: Sendable, Equatable {
    public var clientEmail: String
    /// The private key as PKCS#8 PEM text.
    public var privateKeyPEM: String
    public var privateKeyID: String?
    /// Where the signed assertion is exchanged for an access token.
    public var tokenURI: String
    public var projectID: String?

    /// The scope Vertex AI calls need.
    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    /// Parses the key's JSON.
    /// - Throws: ``GatewayError/providerMisconfigured(provider:detail:)`` naming the missing field.
    public init(json: String) throws(GatewayError) {
        guard let object = (try? JSON.parse(json))?.objectValue else {
            throw .providerMisconfigured(provider: "vertex_ai", detail: "the service-account key is not JSON")
        }
        func field(_ name: String) throws(GatewayError) -> String {
            guard let value = object[name]?.stringValue, !value.isEmpty else {
                throw .providerMisconfigured(provider: "vertex_ai", detail: "the service-account key has no \(name)")
            }
            return value
        }
        clientEmail = try field("client_email")
        privateKeyPEM = try field("private_key")
        tokenURI = try field("token_uri")
        privateKeyID = object["private_key_id"]?.stringValue
        projectID = object["project_id"]?.stringValue
    }

    /// A name for this key in shared caches: a hash, so neither the key nor the account appears in Redis.
    public var cacheID: String {
        String(SHA256.hex(Array((clientEmail + "\n" + (privateKeyID ?? "") + "\n" + tokenURI).utf8)).prefix(32))
    }
}
