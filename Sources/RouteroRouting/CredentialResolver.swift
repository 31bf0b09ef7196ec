import RouteroConfig
import RouteroCore
import RouteroProviders

/// Turns a resolved provider plus a deployment's settings into an ``UpstreamTarget``: picks the
/// base URL, API key and headers in the documented order.
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

    /// Builds the target, or the error a request would get if this deployment were its only one.
    ///
    /// Base URL: deployment `api_base` → `providers.<id>.api_base` → catalog default.
    /// Key: deployment `api_key` → `providers.<id>.api_key` → first non-empty variable of the
    /// profile's `keyEnv` (the last two only under ``KeyPolicy/standard``).
    /// - Parameters:
    ///   - deployment: the configured deployment; nil for unlisted `provider/model` routes.
    func target(profile: ProviderProfile, model: String, keys: KeyPolicy,
                deployment: Deployment?) -> Result<UpstreamTarget, GatewayError>
    {
        let shared = keys == .standard ? settings(for: profile) : nil
        let base = deployment?.apiBase ?? shared?.apiBase ?? profile.defaultBaseURL
        guard !base.isEmpty else {
            return .failure(.providerMisconfigured(provider: profile.id,
                                                   detail: "no api_base configured (this provider has no default URL)"))
        }
        var key = deployment?.apiKey?.value
        if key == nil && keys == .standard {
            key = shared?.apiKey?.value
                ?? profile.keyEnv.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        if key == nil && keys == .standard && profile.requiresKey && profile.auth != .none {
            let hint = profile.keyEnv.first.map { "set \($0)" } ?? "set api_key"
            return .failure(.internalError("no API key configured for provider \(profile.id) (\(hint))"))
        }
        // Provider-wide headers first; a deployment's header of the same name replaces them.
        let own = deployment?.extraHeaders ?? []
        let ownNames = Set(own.map { $0.name.lowercased() })
        let headers = (shared?.extraHeaders ?? []).filter { !ownNames.contains($0.name.lowercased()) } + own
        return .success(UpstreamTarget(profile: profile, model: model, apiBase: base, apiKey: key,
                                       deploymentID: deployment?.id, timeoutSeconds: deployment?.timeoutSeconds,
                                       streamTimeoutSeconds: deployment?.streamTimeoutSeconds,
                                       dropUnsupportedParams: deployment?.dropParams ?? dropParams,
                                       extraHeaders: headers.map { ($0.name, $0.value) }))
    }
}
