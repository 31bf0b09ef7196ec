import RouteroCore

/// Where an Anthropic Messages body goes, and how it authenticates (reference 4.1, 4.7).
public enum AnthropicDialect: Sendable, Equatable {
    /// Anthropic's own API (and Anthropic-compatible servers): `POST {apiBase}/v1/messages`,
    /// `x-api-key`, `anthropic-version: 2023-06-01`. An `apiBase` that already ends in `/v1` or
    /// `/v1/messages` is accepted as is.
    case messagesAPI
    /// Claude on Vertex AI: `POST {base}/v1/projects/{project}/locations/{location}/publishers/anthropic/
    /// models/{model}:rawPredict` (`:streamRawPredict` when streaming), the model in the URL rather than
    /// the body, `"anthropic_version": "vertex-2023-10-16"` in the body, and `Authorization: Bearer
    /// <target.apiKey>` (the executor puts the Google OAuth access token there). With an empty
    /// `apiBase` the base follows the location: `https://{location}-aiplatform.googleapis.com`,
    /// `global` → `https://aiplatform.googleapis.com`, `us`/`eu` →
    /// `https://aiplatform.{us|eu}.rep.googleapis.com`.
    case vertex(project: String, location: String)
}

extension AnthropicAdapter {
    /// The Messages endpoint for `target`.
    func messagesURL(for target: UpstreamTarget, stream: Bool) throws(GatewayError) -> String {
        switch dialect {
        case .messagesAPI:
            return try firstPartyBase(target) + "/v1/messages"
        case .vertex(let project, let location):
            guard !target.model.isEmpty else {
                throw .providerMisconfigured(provider: profile.id,
                                             detail: "deployment \(target.deploymentID) names no model for Vertex AI.")
            }
            return try vertexPrefix(target, project: project, location: location)
                + "/publishers/anthropic/models/\(Self.pathSegment(target.model)):"
                + (stream ? "streamRawPredict" : "rawPredict")
        }
    }

    /// The token-counting endpoint for `target`.
    func countTokensURL(for target: UpstreamTarget) throws(GatewayError) -> String {
        switch dialect {
        case .messagesAPI:
            return try firstPartyBase(target) + "/v1/messages/count_tokens"
        case .vertex(let project, let location):
            return try vertexPrefix(target, project: project, location: location)
                + "/publishers/anthropic/models/count-tokens:rawPredict"
        }
    }

    /// `apiBase` without a trailing `/v1/messages` or `/v1`, so every spelling operators use works.
    private func firstPartyBase(_ target: UpstreamTarget) throws(GatewayError) -> String {
        guard !target.apiBase.isEmpty else {
            throw .providerMisconfigured(
                provider: profile.id,
                detail: "deployment \(target.deploymentID) has no api_base; set it to https://api.anthropic.com "
                    + "or the Anthropic-compatible server's base URL.")
        }
        var base = target.apiBase
        for suffix in ["/messages", "/v1"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `{base}/v1/projects/{project}/locations/{location}`.
    private func vertexPrefix(_ target: UpstreamTarget, project: String, location: String) throws(GatewayError) -> String {
        guard !project.isEmpty, !location.isEmpty else {
            throw .providerMisconfigured(
                provider: profile.id,
                detail: "deployment \(target.deploymentID) needs a Vertex AI project and location (vertex_project, "
                    + "vertex_location).")
        }
        var base = target.apiBase
        if base.isEmpty {
            switch location {
            case "global": base = "https://aiplatform.googleapis.com"
            case "us", "eu": base = "https://aiplatform.\(location).rep.googleapis.com"
            default: base = "https://\(location)-aiplatform.googleapis.com"
            }
        }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        return base + "/v1/projects/\(Self.pathSegment(project))/locations/\(Self.pathSegment(location))"
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters and `@` (Vertex's version
    /// separator), so a model or project name cannot change the path or the `:verb`.
    static func pathSegment(_ text: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: "@"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Request headers, in send order:
    /// 1. `content-type`, `accept` (`text/event-stream` for streams);
    /// 2. credentials: first-party sends the key in `x-api-key` (or in the header a profile's
    ///    ``AuthStyle/header(_:)`` names; ``AuthStyle/none`` sends none), Vertex sends
    ///    `authorization: Bearer <key>`; nothing when the target has no key;
    /// 3. first-party only: `anthropic-version` (the client's on the native path, else 2023-06-01);
    /// 4. the deployment's `extraHeaders`, each replacing a header of the same name;
    /// 5. the client's family headers (`anthropic-beta`). Only `anthropic-*` names are taken, so a client
    ///    can never replace the gateway's credentials; a header the deployment already set wins, except
    ///    `anthropic-beta`, whose flags are merged (the operator's and the client's betas both apply).
    func headers(for target: UpstreamTarget, stream: Bool, version: String?,
                 familyHeaders: [(String, String)]) -> [(String, String)] {
        var headers: [(String, String)] = [("content-type", "application/json"),
                                            ("accept", stream ? "text/event-stream" : "application/json")]
        let key = target.apiKey.flatMap { $0.isEmpty ? nil : $0 }
        switch dialect {
        case .messagesAPI:
            if let key {
                switch profile.auth {
                case .header(let name): headers.append((name.lowercased(), key))
                case .bearer: headers.append(("x-api-key", key))
                case .none: break
                }
            }
            headers.append(("anthropic-version", version ?? AnthropicVocabulary.apiVersion))
        case .vertex:
            if let key { headers.append(("authorization", "Bearer \(key)")) }
        }
        for (name, value) in target.extraHeaders {
            let lowered = name.lowercased()
            headers.removeAll { $0.0 == lowered }
            headers.append((lowered, value))
        }
        for (name, value) in familyHeaders {
            let lowered = name.lowercased()
            guard lowered.hasPrefix("anthropic-"), lowered != "anthropic-version" else { continue }
            if let position = headers.firstIndex(where: { $0.0 == lowered }) {
                if lowered == "anthropic-beta" { headers[position].1 = Self.mergedFlags(headers[position].1, value) }
            } else {
                headers.append((lowered, value))
            }
        }
        return headers
    }

    /// Comma-separated flag lists joined without repeats, first list's order first.
    static func mergedFlags(_ first: String, _ second: String) -> String {
        var flags: [String] = []
        for flag in (first + "," + second).split(separator: ",") {
            let trimmed = String(flag.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
            if !trimmed.isEmpty, !flags.contains(trimmed) { flags.append(trimmed) }
        }
        return flags.joined(separator: ",")
    }
}
