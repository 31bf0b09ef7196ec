public import RouteroConfig
import RouteroCore
import RouteroProviders

/// Resolves a client's `model` string into a ``RoutePlan`` (pure: no I/O, no shared state).
///
/// Resolution order in ``plan(model:using:)``:
/// 1. a configured model group with exactly that name;
/// 2. a `policies:` entry (`smart/fast`): the deployments of its groups, pooled, with its strategy;
/// 3. wildcard groups (`openai/*`, `*`), most specific (longest literal prefix) first; the text
///    matched by each `*` replaces the corresponding `*` of the deployment's `model`;
/// 4. when unlisted models are allowed: `provider/model` with a catalog provider, then a bare
///    name whose provider can be inferred (`gpt-4o` → openai);
/// 5. otherwise 404 `model_not_found`.
public struct ModelRouter: Sendable {
    /// One usable deployment of a group.
    struct Candidate: Sendable {
        let deployment: Deployment
        /// Resolved at start-up (its `model` may still contain `*`); nil when the provider itself
        /// comes from a wildcard (`model: "*"`) and is resolved per request.
        let target: UpstreamTarget?
        /// The attempt detail when it cannot change per request (an exact group's deployment with
        /// a fixed model): worked out once here, not per request (the price lookup scans a table).
        let exactDetail: AttemptDetail?

        init(deployment: Deployment, target: UpstreamTarget?, scope: String) {
            self.deployment = deployment
            self.target = target
            if let target, !target.model.contains("*") {
                exactDetail = ModelRouter.detail(scope: scope, deployment: deployment, target: target, wildcard: false)
            } else {
                exactDetail = nil
            }
        }
    }

    /// A configured group after start-up resolution.
    struct GroupRoute: Sendable {
        let name: String
        let index: Int
        var candidates: [Candidate] = []
        /// What a request gets when no candidate is usable (first skipped deployment's reason).
        var failure: GatewayError?
    }

    let exactGroups: [String: GroupRoute]
    /// Wildcard groups, most specific first.
    let wildcardGroups: [GroupRoute]
    let listed: [String]
    let allowUnlisted: Bool
    let credentials: CredentialResolver
    /// `routing.strategy` for groups; policies carry their own.
    let strategy: RoutingStrategy
    /// `policies:` entries by model name.
    let policies: [String: (name: String, groups: [String], strategy: RoutingStrategy)]

    /// Start-up warnings (skipped deployments, missing keys, unknown `providers:` entries), one
    /// line each with the key path; the worker logs them.
    public let warnings: [String]

    /// Resolves every deployment of `config` against the provider catalog.
    ///
    /// Deployments of providers that are not available yet (`anthropic/...`) or without a required
    /// key are skipped with a warning; a request for a group left empty gets the reason as its error.
    /// - Parameters:
    ///   - config: a loaded configuration.
    ///   - environment: the process environment (LiteLLM `environment_variables` are merged over it).
    /// - Throws: ``ConfigError`` for a deployment whose provider cannot be determined at all.
    public init(config: GatewayConfig, environment: [String: String]) throws(ConfigError) {
        let credentials = CredentialResolver(providers: config.providerSettings,
                                             environment: config.mergedEnvironment(environment),
                                             dropParams: config.dropParams)
        var warnings: [String] = []
        for id in config.providerSettings.keys.sorted() {
            switch ProviderResolution.resolve(model: id + "/x", customProvider: nil, hasAPIBase: false) {
            case .resolved: break
            case .notYetSupported: warnings.append("providers.\(id): provider '\(id)' is not available yet; ignored")
            case .unknown: warnings.append("providers.\(id): unknown provider; ignored")
            }
        }
        var exact: [String: GroupRoute] = [:]
        var wildcards: [GroupRoute] = []
        for (index, group) in config.modelGroups.enumerated() {
            var route = GroupRoute(name: group.name, index: index)
            for deployment in group.deployments {
                try Self.add(deployment, to: &route, format: config.format, credentials: credentials,
                             warnings: &warnings)
            }
            if group.isWildcard {
                wildcards.append(route)
            } else if exact[group.name] == nil {
                // ConfigLoader rejects duplicate names; a hand-built config keeps the first.
                exact[group.name] = route
            }
        }
        self.exactGroups = exact
        self.wildcardGroups = wildcards.sorted(by: Self.moreSpecific)
        self.listed = config.modelGroups.filter { !$0.isWildcard }.map(\.name) + config.routing.policies.map(\.name)
        self.strategy = RoutingStrategy(configName: config.routing.strategy)
        var policies: [String: (name: String, groups: [String], strategy: RoutingStrategy)] = [:]
        for policy in config.routing.policies {
            policies[policy.name] = (policy.name, policy.groups, RoutingStrategy(configName: policy.strategy))
        }
        self.policies = policies
        self.allowUnlisted = config.allowUnlistedModels
        self.credentials = credentials
        self.warnings = warnings
    }

    /// Wildcard precedence: longer literal prefix, then more literal characters, then file order.
    static func moreSpecific(_ lhs: GroupRoute, _ rhs: GroupRoute) -> Bool {
        let leftPrefix = lhs.name.prefix { $0 != "*" }.count, rightPrefix = rhs.name.prefix { $0 != "*" }.count
        if leftPrefix != rightPrefix { return leftPrefix > rightPrefix }
        let leftLiterals = lhs.name.filter { $0 != "*" }.count, rightLiterals = rhs.name.filter { $0 != "*" }.count
        return leftLiterals != rightLiterals ? leftLiterals > rightLiterals : lhs.index < rhs.index
    }

    /// Resolves one deployment at start-up and adds it to `route` (or records why it is skipped).
    private static func add(_ deployment: Deployment, to route: inout GroupRoute, format: ConfigFormat,
                            credentials: CredentialResolver, warnings: inout [String]) throws(ConfigError)
    {
        // A `*` in the provider part (`model: "*"`) means the provider is only known per request.
        let prefix = deployment.customProvider ?? Deployment.providerPrefix(of: deployment.model)
        let providerIsWildcard = deployment.customProvider == nil
            && (prefix.contains("*") || (prefix.isEmpty && deployment.model.contains("*")))
        if providerIsWildcard {
            // The provider, and so the host, comes from the client: a credential written here
            // would go to whichever provider a client names.
            if deployment.apiBase == nil, deployment.apiKey != nil || !deployment.extraHeaders.isEmpty {
                let key = deployment.apiKey != nil ? "api_key" : "extra_headers"
                let path = deployment.sourcePath + (format == .litellm ? ".litellm_params." : ".") + key
                throw ConfigError(keyPath: path, message: "the provider of \"\(deployment.model)\" comes from the request, "
                                  + "so this would be sent to whichever provider a client names; set api_base as well, "
                                  + "or leave \(key) out (each provider then uses its own key variable)")
            }
            route.candidates.append(Candidate(deployment: deployment, target: nil, scope: route.name))
            return
        }
        let resolution = ProviderResolution.resolve(model: deployment.model, customProvider: deployment.customProvider,
                                                    hasAPIBase: deployment.apiBase != nil)
        switch resolution {
        case .resolved(let profile, let model, let keys):
            switch credentials.target(profile: profile, model: model, keys: keys, deployment: deployment) {
            case .success(let target):
                if let withheld = credentials.withheldSharedKey(profile: profile, deployment: deployment, target: target) {
                    warnings.append("\(deployment.sourcePath): sets api_base but no api_key; \(withheld) is only sent to "
                                    + "\(profile.id)'s own base URL, so requests to this api_base carry no key "
                                    + "(set api_key to choose one)")
                }
                route.candidates.append(Candidate(deployment: deployment, target: target, scope: route.name))
            case .failure(let error):
                warnings.append("\(deployment.sourcePath): \(error.message); deployment skipped")
                route.failure = route.failure ?? error
            }
        case .notYetSupported(let provider):
            warnings.append("\(deployment.sourcePath): provider '\(provider)' is not available yet; deployment skipped")
            route.failure = route.failure ?? unsupported(provider, model: route.name)
        case .unknown:
            let path = deployment.sourcePath + (format == .litellm ? ".litellm_params.model" : ".model")
            throw ConfigError(keyPath: path, message: "cannot tell the provider of \"\(deployment.model)\"; "
                              + "prefix it with a provider id (e.g. openai/\(deployment.model)) or set api_base")
        }
    }

    /// 400 for a provider that needs an adapter from a later issue.
    static func unsupported(_ provider: String, model: String) -> GatewayError {
        .invalidRequest("model '\(model)': provider \(provider) is not supported yet", param: "model",
                        code: "unsupported_provider")
    }

    /// Configured non-wildcard model names in file order, for `GET /v1/models`.
    public func listedModels() -> [String] { listed }
}
