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
            let targets = try targets(for: group, captures: [], using: &rng)
            return RoutePlan(routeKey: "group:\(group.name)", requestedModel: model, group: group.name, attempts: targets)
        }
        for group in wildcardGroups {
            guard let captures = ModelGroup.captures(pattern: group.name, model: model) else { continue }
            let targets = try targets(for: group, captures: captures, using: &rng)
            return RoutePlan(routeKey: "group:\(group.name):\(model)", requestedModel: model, group: group.name,
                             attempts: targets)
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

    /// The group's usable deployments in attempt order, with wildcard captures substituted.
    private func targets(for group: GroupRoute, captures: [String],
                         using rng: inout some RandomNumberGenerator) throws(GatewayError) -> [UpstreamTarget]
    {
        var firstFailure = group.failure
        var targets: [UpstreamTarget] = []
        let ordered = DeploymentSelection.attemptOrder(group.candidates.map(\.deployment), using: &rng)
        for index in ordered {
            let candidate = group.candidates[index]
            if var target = candidate.target {
                target.model = Self.substitute(captures, into: target.model)
                targets.append(target)
                continue
            }
            switch dynamicTarget(candidate.deployment, captures: captures) {
            case .success(let target): targets.append(target)
            case .failure(let error): firstFailure = firstFailure ?? error
            }
        }
        guard !targets.isEmpty else {
            throw firstFailure ?? .modelNotFound(group.name)
        }
        return targets
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
