import RouteroCore

/// Which Google service a ``GeminiAdapter`` calls: the bodies are the same `generateContent`
/// family, the URLs and the credentials differ.
public enum GeminiDialect: Sendable, Equatable {
    /// The Gemini Developer API: `{base}/v1beta/models/{model}:verb`, key in `x-goog-api-key`.
    case googleAI
    /// Vertex AI: `{base}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:verb`,
    /// `Authorization: Bearer <OAuth access token>` (the executor puts the token in the target's key).
    case vertex(project: String, location: String)

    /// The Gemini API's public host.
    public static let googleAIBaseURL = "https://generativelanguage.googleapis.com"

    /// The Vertex host for a location: regional `{location}-aiplatform.googleapis.com`, the global
    /// endpoint for `global`, and the multi-region `aiplatform.{us|eu}.rep.googleapis.com` hosts.
    public static func vertexBaseURL(location: String) -> String {
        switch location {
        case "global": "https://aiplatform.googleapis.com"
        case "us", "eu": "https://aiplatform.\(location).rep.googleapis.com"
        default: "https://\(location)-aiplatform.googleapis.com"
        }
    }
}

/// A `generateContent`-family method in a model URL.
enum GeminiVerb: String {
    case generateContent
    case streamGenerateContent
    case countTokens
}

/// URLs and headers for one dialect and target.
struct GeminiEndpoint {
    let dialect: GeminiDialect
    let target: UpstreamTarget

    /// `{base}/{version}/{model resource}:{verb}`, with `?alt=sse` when an SSE stream is wanted.
    /// - Throws: ``GatewayError/providerMisconfigured(provider:detail:)`` for a Vertex dialect without
    ///   a usable project or location, or a target without a model.
    func url(_ verb: GeminiVerb, sse: Bool = false) throws(GatewayError) -> String {
        let model = GeminiEndpoint.modelID(target.model)
        guard !model.isEmpty else { throw misconfigured("the deployment names no model") }
        var url: String
        switch dialect {
        case .googleAI:
            let base = target.apiBase.isEmpty ? GeminiDialect.googleAIBaseURL : target.apiBase
            url = Self.withVersion(base, default: "/v1beta", accepted: ["/v1beta", "/v1", "/v1alpha"])
            // Tuned models live beside the base models: `tunedModels/{id}`.
            if model.hasPrefix("tunedModels/") {
                url += "/tunedModels/" + Self.pathSegment(String(model.dropFirst("tunedModels/".count)))
            } else {
                url += "/models/" + Self.pathSegment(model)
            }
        case .vertex(let project, let location):
            guard Self.isPlainSegment(project) else { throw misconfigured("the Vertex project id is missing or invalid") }
            guard Self.isPlainSegment(location) else { throw misconfigured("the Vertex location is missing or invalid") }
            let base = target.apiBase.isEmpty ? GeminiDialect.vertexBaseURL(location: location) : target.apiBase
            url = Self.withVersion(base, default: "/v1", accepted: ["/v1", "/v1beta1"])
            url += "/projects/\(project)/locations/\(location)/publishers/google/models/" + Self.pathSegment(model)
        }
        url += ":" + verb.rawValue
        if sse { url += "?alt=sse" }
        return url
    }

    /// Content type, accept, the dialect's auth header (only with a key), provider headers, then the
    /// deployment's headers (which replace provider headers of the same name).
    func headers(accept: String) -> [(String, String)] {
        var headers: [(String, String)] = [("content-type", "application/json"), ("accept", accept)]
        if let key = target.apiKey, !key.isEmpty {
            switch dialect {
            case .googleAI: headers.append(("x-goog-api-key", key))
            case .vertex: headers.append(("authorization", "Bearer \(key)"))
            }
        }
        let overridden = Set(target.extraHeaders.map { $0.0.lowercased() })
        for (name, value) in target.profile.quirks.extraHeaders where !overridden.contains(name.lowercased()) {
            headers.append((name.lowercased(), value))
        }
        for (name, value) in target.extraHeaders { headers.append((name.lowercased(), value)) }
        return headers
    }

    /// The model id without the `models/` resource prefix clients and configs often include.
    static func modelID(_ model: String) -> String {
        model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
    }

    /// Whether the model URL already carries an API version.
    private static func withVersion(_ base: String, default version: String, accepted: [String]) -> String {
        accepted.contains(where: { base.hasSuffix($0) }) ? base : base + version
    }

    /// A model id as one URL path segment: unreserved characters and `@` stay, anything else
    /// (a `/`, `?`, `#` or `..` smuggled through a wildcard route) is percent-encoded, so the model can
    /// never change which resource or query the URL names.
    static func pathSegment(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: "@"):
                out.append(byte)
            case UInt8(ascii: ".") where !text.allSatisfy({ $0 == "." }):
                out.append(byte)
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Project ids and locations are `[A-Za-z0-9._-]`; anything else would change the URL's meaning.
    private static func isPlainSegment(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".."
            && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    private func misconfigured(_ detail: String) -> GatewayError {
        .providerMisconfigured(provider: target.profile.id, detail: "deployment \(target.deploymentID): \(detail).")
    }
}
