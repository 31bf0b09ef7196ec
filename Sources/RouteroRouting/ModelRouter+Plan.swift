import RouteroConfig
public import RouteroCore
import RouteroProviders

extension ModelRouter {
    /// Plans a request using the system random number generator.
    /// - Throws: 404 `model_not_found`, 400 `unsupported_provider`, or the 500 of a group whose
    ///   deployments all lack keys / base URLs.
    public func plan(model: String) throws(GatewayError) -> RoutePlan {
        var rng = SystemRandomNumberGenerator()
        return try plan(model: model, using: &rng)
    }

    /// Plans a request; `rng` drives the weighted choice (tests pass a seeded generator).
    /// - Parameters:
    ///   - model: the request's `model`.
    ///   - rng: source of randomness for weighted selection.
    /// - Throws: 404 `model_not_found`, 400 `unsupported_provider`, or the 500 of a group whose
    ///   deployments all lack keys / base URLs.
    public func plan(model: String, using rng: inout some RandomNumberGenerator) throws(GatewayError) -> RoutePlan {
        if let group = exactGroups[model] {
            let planned = try targets(for: [group], captures: [], wildcard: false, using: &rng)
            return RoutePlan(routeKey: "group:\(group.name)", requestedModel: model, group: group.name,
                             attempts: planned.map(\.0), details: planned.map(\.1), strategy: strategy)
        }
        if let policy = policies[model] {
            let planned = try targets(for: policy.groups.compactMap { exactGroups[$0] }, captures: [], wildcard: false,
                                      using: &rng)
            return RoutePlan(routeKey: "policy:\(policy.name)", requestedModel: model, group: policy.name,
                             attempts: planned.map(\.0), details: planned.map(\.1), strategy: policy.strategy)
        }
        for group in wildcardGroups {
            guard let captures = ModelGroup.captures(pattern: group.name, model: model) else { continue }
            let planned = try targets(for: [group], captures: captures, wildcard: true, using: &rng)
            return RoutePlan(routeKey: "group:\(group.name):\(model)", requestedModel: model, group: group.name,
                             attempts: planned.map(\.0), details: planned.map(\.1), strategy: strategy)
        }
        guard allowUnlisted else { throw .modelNotFound(model) }
        let target = try directTarget(model)
        return RoutePlan(routeKey: "direct:\(target.profile.id)/\(target.model)", requestedModel: model,
                         attempts: [target])
    }

    /// An unlisted model: `provider/model` with a catalog provider, else a bare name whose
    /// provider can be inferred.
    private func directTarget(_ model: String) throws(GatewayError) -> UpstreamTarget {
        guard !model.contains("*") else { throw .modelNotFound(model) }
        let resolution: ProviderResolution
        if model.contains("/") {
            resolution = ProviderResolution.resolve(model: model, customProvider: nil, hasAPIBase: false)
        } else if let profile = ProviderCatalog.inferProvider(forBareModel: model) {
            resolution = .resolved(profile, model: model, keys: .standard)
        } else {
            resolution = .unknown
        }
        switch resolution {
        case .resolved(let profile, let upstreamModel, let keys):
            // Generic OpenAI-compatible prefixes need a configured api_base, which direct routes
            // lack; local servers need the operator to have configured them.
            guard keys == .standard, !upstreamModel.isEmpty, credentials.reachableWithoutDeployment(profile) else {
                throw .modelNotFound(model)
            }
            return try credentials.target(profile: profile, model: upstreamModel, keys: keys, deployment: nil).get()
        case .notYetSupported(let provider):
            throw Self.unsupported(provider, model: model)
        case .unknown:
            throw .modelNotFound(model)
        }
    }

    /// The usable deployments of `groups` (one group, or a policy's pool) in attempt order, with
    /// wildcard captures substituted, each with its shared-state key, tier and price.
    private func targets(for groups: [GroupRoute], captures: [String], wildcard: Bool,
                         using rng: inout some RandomNumberGenerator) throws(GatewayError) -> [(UpstreamTarget, AttemptDetail)]
    {
        var firstFailure = groups.lazy.compactMap(\.failure).first
        var targets: [(UpstreamTarget, AttemptDetail)] = []
        let pool = groups.flatMap { group in group.candidates.map { (group.name, $0) } }
        let ordered = DeploymentSelection.attemptOrder(pool.map(\.1.deployment), using: &rng)
        for index in ordered {
            let (scope, candidate) = pool[index]
            if !wildcard, let target = candidate.target, let detail = candidate.exactDetail {
                targets.append((target, detail))
                continue
            }
            let target: UpstreamTarget
            if var resolved = candidate.target {
                resolved.model = Self.substitute(captures, into: resolved.model)
                target = resolved
            } else {
                switch dynamicTarget(candidate.deployment, captures: captures) {
                case .success(let resolved): target = resolved
                case .failure(let error): firstFailure = firstFailure ?? error; continue
                }
            }
            targets.append((target, Self.detail(scope: scope, deployment: candidate.deployment, target: target,
                                                wildcard: wildcard)))
        }
        guard !targets.isEmpty else {
            throw firstFailure ?? .modelNotFound(groups.first?.name ?? "")
        }
        return targets
    }

    /// The shared-state key (wildcard groups key by the resolved model too), tier and price.
    static func detail(scope: String, deployment: Deployment, target: UpstreamTarget, wildcard: Bool) -> AttemptDetail {
        let configured = deployment.inputCostPerToken != nil || deployment.outputCostPerToken != nil
        let cost = configured ? (deployment.inputCostPerToken ?? 0) + (deployment.outputCostPerToken ?? 0)
            : PriceTable.costPerToken(model: target.model)
        let id = wildcard ? "\(target.deploymentID)@\(target.model)" : target.deploymentID
        return AttemptDetail(target: AttemptDetail.identity(of: target), key: DeploymentKey(scope: scope, id: id),
                             tier: deployment.order ?? Int.max, costPerToken: cost)
    }

    /// A deployment whose provider comes from the request (`model: "*"`): substitute, then
    /// resolve like a configured deployment.
    private func dynamicTarget(_ deployment: Deployment, captures: [String]) -> Result<UpstreamTarget, GatewayError> {
        let model = Self.substitute(captures, into: deployment.model)
        switch ProviderResolution.resolve(model: model, customProvider: nil, hasAPIBase: deployment.apiBase != nil) {
        case .resolved(let profile, let upstreamModel, let keys):
            guard !upstreamModel.isEmpty else { return .failure(.modelNotFound(model)) }
            // Without an api_base the host comes from the client's provider prefix.
            if deployment.apiBase == nil, !credentials.reachableWithoutDeployment(profile) {
                return .failure(.modelNotFound(model))
            }
            return credentials.target(profile: profile, model: upstreamModel, keys: keys, deployment: deployment)
        case .notYetSupported(let provider):
            return .failure(Self.unsupported(provider, model: model))
        case .unknown:
            return .failure(.modelNotFound(model))
        }
    }

    /// Replaces each `*` of `template` with the matching capture; extra stars reuse the last
    /// capture, and a template without stars is used as written (a fixed fallback model).
    static func substitute(_ captures: [String], into template: String) -> String {
        guard !captures.isEmpty, template.contains("*") else { return template }
        var result = ""
        var next = 0
        for character in template {
            if character == "*" {
                result += captures[min(next, captures.count - 1)]
                next += 1
            } else {
                result.append(character)
            }
        }
        return result
    }
}
