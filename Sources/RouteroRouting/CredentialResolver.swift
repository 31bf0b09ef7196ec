import RouteroConfig
import RouteroCore
import RouteroProviders

/// Turns a resolved provider plus a deployment's settings into an ``UpstreamTarget``: picks the
/// base URL, API key and headers in the documented order, and scopes every shared credential to
/// the host it belongs to.
///
/// The rule (deploy/CONFIG.md, "Credential scoping"): a key from the environment or from
/// `providers.<id>` (and that block's `extra_headers`) is sent only to that provider's own base
/// URL, i.e. `providers.<id>.api_base`, else its `<PROVIDER>_API_BASE` variable, else the catalog
/// default. A deployment with its own `api_base` gets only the key and headers the deployment
/// names. So neither a client's choice of provider prefix nor an operator's custom host can
/// route one provider's secret to another host.
struct CredentialResolver: Sendable {
    /// Native `providers:` overrides, keyed by lowercased id or alias.
    let providers: [String: ProviderSettings]
    /// Process environment merged with LiteLLM `environment_variables`.
    let environment: [String: String]
    /// The global `drop_params`; a deployment's own setting wins.
    var dropParams = false

    /// The `providers.<name>` entry for any of the profile's names.
    func settings(for profile: ProviderProfile) -> ProviderSettings? {
        profile.allNames.lazy.compactMap { providers[$0.lowercased()] }.first
    }

    /// The provider's own base URL and whether the operator chose it (a `providers.<id>.api_base`
    /// or a `<PROVIDER>_API_BASE` variable) rather than the catalog.
    func providerBaseURL(_ profile: ProviderProfile) -> (url: String, operatorSet: Bool) {
        if let base = settings(for: profile)?.apiBase { return (base, true) }
        if let base = profile.baseURLEnv.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) {
            return (Self.trimmed(base), true)
        }
        return (profile.defaultBaseURL, false)
    }

    /// Whether a request may reach `profile` without a deployment naming its host: its default
    /// host is public, or the operator configured the provider (`providers.<id>` or a base URL
    /// variable). Local servers (Ollama, vLLM, llama.cpp, ...) default to ports on the gateway's
    /// own host, which a client's model string must never be able to pick.
    func reachableWithoutDeployment(_ profile: ProviderProfile) -> Bool {
        profile.hasPublicDefaultBaseURL || settings(for: profile) != nil || providerBaseURL(profile).operatorSet
    }

    /// Builds the target, or the error a request would get if this deployment were its only one.
    ///
    /// Base URL: deployment `api_base` → the provider's own base URL (see ``providerBaseURL(_:)``).
    /// Key: deployment `api_key`; then, only when the request goes to the provider's own base URL
    /// and under ``KeyPolicy/standard``, `providers.<id>.api_key` → the profile's key variables.
    /// - Parameters:
    ///   - deployment: the configured deployment; nil for unlisted `provider/model` routes.
    func target(profile: ProviderProfile, model: String, keys: KeyPolicy,
                deployment: Deployment?) -> Result<UpstreamTarget, GatewayError>
    {
        let block = keys == .standard ? settings(for: profile) : nil
        let own = providerBaseURL(profile)
        let base = deployment?.apiBase ?? own.url
        guard !base.isEmpty else {
            return .failure(.providerMisconfigured(provider: profile.id,
                                                   detail: "no api_base configured (this provider has no default URL)"))
        }
        let shared = keys == .standard && Self.trimmed(base) == Self.trimmed(own.url)
        var key = deployment?.apiKey?.value
        if key == nil && shared {
            key = block?.apiKey?.value ?? profile.keyEnv.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        if key == nil && shared && profile.requiresKey && profile.auth != .none {
            let hint = profile.keyEnv.first.map { "set \($0)" } ?? "set api_key"
            return .failure(.internalError("no API key configured for provider \(profile.id) (\(hint))"))
        }
        // Provider-wide headers first (only towards the provider's own host); a deployment's
        // header of the same name replaces them.
        let ownHeaders = deployment?.extraHeaders ?? []
        let ownNames = Set(ownHeaders.map { $0.name.lowercased() })
        let sharedHeaders = shared ? (block?.extraHeaders ?? []) : []
        let headers = sharedHeaders.filter { !ownNames.contains($0.name.lowercased()) } + ownHeaders
        return .success(UpstreamTarget(profile: profile, model: model, apiBase: base, apiKey: key,
                                       deploymentID: deployment?.id, timeoutSeconds: deployment?.timeoutSeconds,
                                       streamTimeoutSeconds: deployment?.streamTimeoutSeconds,
                                       dropUnsupportedParams: deployment?.dropParams ?? dropParams,
                                       extraHeaders: headers.map { ($0.name, $0.value) }))
    }

    /// Whether a shared key exists that the scoping rule withholds from `deployment`'s own host:
    /// worth a start-up warning, since LiteLLM would have sent it.
    func withheldSharedKey(profile: ProviderProfile, deployment: Deployment, target: UpstreamTarget) -> String? {
        guard target.apiKey == nil, deployment.apiBase != nil, profile.requiresKey, profile.auth != .none else { return nil }
        if settings(for: profile)?.apiKey != nil { return "providers.\(profile.id).api_key" }
        return profile.keyEnv.first { !(environment[$0] ?? "").isEmpty }
    }

    static func trimmed(_ url: String) -> String {
        var text = Substring(url)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
