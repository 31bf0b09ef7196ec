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
    /// Where a provider lives and what it may be sent there, resolved once at start-up so routes
    /// resolved per request (wildcards, unlisted names) never scan the environment.
    struct ProviderHome: Sendable {
        /// The `providers.<name>` entry for any of the profile's names.
        let settings: ProviderSettings?
        /// `providers.<id>.api_base`, else the first set `<PROVIDER>_API_BASE` variable, else the
        /// catalog default (may be empty).
        let baseURL: String
        /// Whether the operator chose ``baseURL`` rather than the catalog.
        let operatorSet: Bool
        /// `providers.<id>.api_key`, else the first non-empty key variable.
        let sharedKey: String?
    }

    /// The global `drop_params`; a deployment's own setting wins.
    let dropParams: Bool
    /// Every catalog provider, by id.
    private let homes: [String: ProviderHome]
    /// The environment variable that holds a provider's shared key, for start-up messages.
    private let keyVariables: [String: String]
    /// Environment defaults for the Azure and Vertex settings a deployment does not set.
    private let cloudDefaults: CloudDefaults

    /// - Parameters:
    ///   - providers: native `providers:` overrides, keyed by lowercased id or alias.
    ///   - environment: process environment merged with LiteLLM `environment_variables`.
    init(providers: [String: ProviderSettings], environment: [String: String], dropParams: Bool = false) {
        self.dropParams = dropParams
        var homes: [String: ProviderHome] = [:]
        var keyVariables: [String: String] = [:]
        for profile in ProviderCatalog.all {
            let block = profile.allNames.lazy.compactMap { providers[$0.lowercased()] }.first
            let variable = profile.baseURLEnv.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
            let keyVariable = profile.keyEnv.first { !(environment[$0] ?? "").isEmpty }
            keyVariables[profile.id] = keyVariable
            homes[profile.id] = ProviderHome(
                settings: block,
                baseURL: block?.apiBase ?? variable.map(Self.trimmed) ?? profile.defaultBaseURL,
                operatorSet: block?.apiBase != nil || variable != nil,
                sharedKey: block?.apiKey?.value ?? keyVariable.flatMap { environment[$0] })
        }
        self.homes = homes
        self.keyVariables = keyVariables
        self.cloudDefaults = CloudDefaults(environment: environment)
    }

    func home(_ profile: ProviderProfile) -> ProviderHome {
        homes[profile.id] ?? ProviderHome(settings: nil, baseURL: profile.defaultBaseURL, operatorSet: false, sharedKey: nil)
    }

    /// Whether a request may reach `profile` without a deployment naming its host: its default
    /// host is public, or the operator configured the provider (`providers.<id>` or a base URL
    /// variable). Local servers (Ollama, vLLM, llama.cpp, ...) default to ports on the gateway's
    /// own host, which a client's model string must never be able to pick.
    func reachableWithoutDeployment(_ profile: ProviderProfile) -> Bool {
        let home = home(profile)
        return profile.hasPublicDefaultBaseURL || home.settings != nil || home.operatorSet
    }

    /// Builds the target, or the error a request would get if this deployment were its only one.
    ///
    /// Base URL: deployment `api_base` → the provider's own base URL (``ProviderHome/baseURL``).
    /// Key: deployment `api_key`; then, only when the request goes to the provider's own base URL
    /// and under ``KeyPolicy/standard``, `providers.<id>.api_key` → the profile's key variables.
    /// - Parameters:
    ///   - deployment: the configured deployment; nil for unlisted `provider/model` routes.
    func target(profile: ProviderProfile, model: String, keys: KeyPolicy,
                deployment: Deployment?) -> Result<UpstreamTarget, GatewayError>
    {
        let home = home(profile)
        var vertex: (placement: VertexPlacement, credentials: String)?
        if profile.id == "vertex_ai" {
            switch cloudDefaults.vertex(deployment) {
            case .success(let v): vertex = v
            case .failure(let error): return .failure(error)
            }
        }
        var base = deployment?.apiBase ?? home.baseURL
        if base.isEmpty, let vertex { base = CloudDefaults.vertexBaseURL(location: vertex.placement.location) }
        guard !base.isEmpty else {
            return .failure(.providerMisconfigured(provider: profile.id,
                                                   detail: "no api_base configured (this provider has no default URL)"))
        }
        let shared = keys == .standard && Self.trimmed(base) == Self.trimmed(home.baseURL)
        var key = deployment?.apiKey?.value ?? deployment?.azureADToken?.value
        if key == nil && shared { key = home.sharedKey }
        let entraConfigured = profile.quirks.azureDeployments && cloudDefaults.entra(deployment) != nil
        if key == nil && shared && profile.requiresKey && profile.auth != .none && !entraConfigured {
            let hint = profile.keyEnv.first.map { "set \($0)" } ?? "set api_key"
            return .failure(.internalError("no API key configured for provider \(profile.id) (\(hint))"))
        }
        // Provider-wide headers first (only towards the provider's own host); a deployment's
        // header of the same name replaces them.
        let ownHeaders = deployment?.extraHeaders ?? []
        let ownNames = Set(ownHeaders.map { $0.name.lowercased() })
        let sharedHeaders = shared ? (home.settings?.extraHeaders ?? []) : []
        let headers = sharedHeaders.filter { !ownNames.contains($0.name.lowercased()) } + ownHeaders
        var target = UpstreamTarget(profile: profile, model: model, apiBase: base, apiKey: key,
                                    deploymentID: deployment?.id, timeoutSeconds: deployment?.timeoutSeconds,
                                    streamTimeoutSeconds: deployment?.streamTimeoutSeconds,
                                    dropUnsupportedParams: deployment?.dropParams ?? dropParams,
                                    extraHeaders: headers.map { ($0.name, $0.value) })
        target.assistantPrefill = deployment?.supportsAssistantPrefill ?? (target.family == .anthropic)
        if profile.quirks.azureDeployments {
            target.apiVersion = deployment?.apiVersion ?? cloudDefaults.azureAPIVersion
            if deployment?.apiKey == nil, deployment?.azureADToken != nil { target.credential = .bearerToken }
            if deployment?.apiKey == nil, deployment?.azureADToken == nil, let entra = cloudDefaults.entra(deployment) {
                target.credential = .entraClient(entra)
            }
        }
        if let vertex {
            target.vertex = vertex.placement
            target.credential = .googleServiceAccount(json: vertex.credentials)
        }
        return .success(target)
    }

    /// Whether a shared key exists that the scoping rule withholds from `deployment`'s own host:
    /// worth a start-up warning, since LiteLLM would have sent it.
    func withheldSharedKey(profile: ProviderProfile, deployment: Deployment, target: UpstreamTarget) -> String? {
        guard target.apiKey == nil, deployment.apiBase != nil, profile.requiresKey, profile.auth != .none else { return nil }
        if home(profile).settings?.apiKey != nil { return "providers.\(profile.id).api_key" }
        return keyVariables[profile.id]
    }

    static func trimmed(_ url: String) -> String {
        var text = Substring(url)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
