/// The providers the gateway knows, and lookups over them.
///
/// The rows live in `OpenAICompatible/ProviderCatalog+Rows.swift`; adding a provider is one row there.
public enum ProviderCatalog {
    /// Every known provider, in table order.
    public static let all: [ProviderProfile] = rows

    /// Lowercased id and alias → profile, built once.
    private static let byName: [String: ProviderProfile] = {
        var names: [String: ProviderProfile] = [:]
        for profile in all {
            for name in profile.allNames where names[name.lowercased()] == nil {
                names[name.lowercased()] = profile
            }
        }
        return names
    }()

    /// The provider named `named` (its id or an alias, case-insensitive), or `nil`.
    public static func profile(named: String) -> ProviderProfile? {
        byName[named.lowercased()]
    }

    /// The provider a bare model name (no `provider/` prefix) most likely belongs to, by the longest
    /// matching ``ProviderProfile/bareModelPrefixes`` entry (case-insensitive), or `nil`.
    ///
    /// Only names with an unambiguous owner are inferred (`gpt-4o` → openai, `grok-3` → xai); open-weight
    /// names such as `llama-3.1-8b` are served by many providers and must be routed explicitly.
    public static func inferProvider(forBareModel model: String) -> ProviderProfile? {
        let lowered = model.lowercased()
        var best: (length: Int, profile: ProviderProfile)?
        for profile in all {
            for prefix in profile.bareModelPrefixes where lowered.hasPrefix(prefix) {
                if prefix.count > (best?.length ?? 0) { best = (prefix.count, profile) }
            }
        }
        return best?.profile
    }
}
