public import RouteroCore

/// The one adapter for every OpenAI-compatible provider: a pure function from a canonical request and a
/// target to an upstream request, driven by the target profile's ``ProviderQuirks``.
///
/// ```swift
/// let adapter = OpenAICompatibleAdapter(profile: target.profile)
/// let spec = try adapter.makeChatRequest(request, target: target)   // executor sends spec
/// ```
public struct OpenAICompatibleAdapter: Sendable {
    /// The provider this adapter speaks to.
    public let profile: ProviderProfile

    /// Body fields that belong to the gateway, not the provider, and are removed before forwarding.
    /// `cache` is LiteLLM's per-request cache control (`{"no-cache": true}`).
    public static let gatewayOnlyFields = ["cache", "fallbacks"]

    /// Creates the adapter for `profile`.
    public init(profile: ProviderProfile) {
        self.profile = profile
    }

    /// Builds `POST {apiBase}/chat/completions` for `request` (an OpenAI client's own body).
    ///
    /// The body is the client's body with the model replaced by `target.model`, gateway-only fields
    /// removed and this provider's quirks applied; every other field is forwarded unchanged and in order.
    /// - Throws: a 400 when the request asks for something the provider cannot do (e.g. `n > 1` on a
    ///   single-choice provider); ``GatewayError/providerMisconfigured(provider:detail:)`` when the target
    ///   has no base URL.
    public func makeChatRequest(_ request: ChatRequest, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        try makeNativeRequest(NativeChat(family: .openAI, body: request.body, model: request.model, stream: request.stream,
                                         includeUsage: request.includeUsage), target: target)
    }

    func chatRequestSpec(body: JSONObject, stream: Bool, target: UpstreamTarget) throws(GatewayError) -> UpstreamRequestSpec {
        let base = try baseURL(for: target)
        return UpstreamRequestSpec(
            method: "POST", url: chatURL(base: base, target: target),
            headers: headers(for: target, accept: stream ? "text/event-stream" : "application/json", hasBody: true),
            body: JSON.serialize(.object(body)))
    }

    /// `{base}/chat/completions`, or Azure's deployment URL: the model names the deployment and
    /// `api-version` is mandatory (``defaultAzureAPIVersion`` when the deployment sets none).
    func chatURL(base: String, target: UpstreamTarget) -> String {
        guard profile.quirks.azureDeployments else { return base + "/chat/completions" }
        var root = base
        if root.hasSuffix("/openai") { root.removeLast("/openai".count) }
        let version = target.apiVersion ?? Self.defaultAzureAPIVersion
        return root + "/openai/deployments/" + target.model + "/chat/completions?api-version=" + version
    }

    /// The GA Azure OpenAI API version used when a deployment names none (reference 3.1).
    public static let defaultAzureAPIVersion = "2024-10-21"

    /// Builds `GET {apiBase}/models` (used for health checks and model listing).
    ///
    /// Does not throw: with no base URL the URL is just `/models`, which the executor fails to connect to
    /// and reports as unreachable.
    public func makeModelsRequest(target: UpstreamTarget) -> UpstreamRequestSpec {
        UpstreamRequestSpec(method: "GET", url: target.apiBase + "/models",
                            headers: headers(for: target, accept: "application/json", hasBody: false), body: [])
    }

    /// The model id as the provider expects it (e.g. Fireworks' account prefix on bare names).
    public func upstreamModelID(_ model: String) -> String {
        if let prefix = profile.quirks.bareModelIDPrefix, !model.contains("/") { return prefix + model }
        return model
    }

    private func baseURL(for target: UpstreamTarget) throws(GatewayError) -> String {
        guard !target.apiBase.isEmpty else {
            throw .providerMisconfigured(
                provider: profile.id,
                detail: "deployment \(target.deploymentID) has no api_base; \(profile.id) has no default base URL, "
                    + "so set api_base in its configuration.")
        }
        return target.apiBase
    }

    /// Content type, accept, auth (only when a key is configured), provider headers, then deployment
    /// headers; a deployment header replaces a provider header of the same name.
    private func headers(for target: UpstreamTarget, accept: String, hasBody: Bool) -> [(String, String)] {
        var headers: [(String, String)] = []
        if hasBody { headers.append(("content-type", "application/json")) }
        headers.append(("accept", accept))
        if let key = target.apiKey, !key.isEmpty, target.credential != .apiKey {
            headers.append(("authorization", "Bearer \(key)"))
        } else if let key = target.apiKey, !key.isEmpty {
            switch profile.auth {
            case .bearer: headers.append(("authorization", "Bearer \(key)"))
            case .header(let name): headers.append((name.lowercased(), key))
            case .none: break
            }
        }
        let overridden = Set(target.extraHeaders.map { $0.0.lowercased() })
        for (name, value) in profile.quirks.extraHeaders where !overridden.contains(name.lowercased()) {
            headers.append((name.lowercased(), value))
        }
        for (name, value) in target.extraHeaders { headers.append((name.lowercased(), value)) }
        return headers
    }
}
