/// Which schema a configuration file used.
public enum ConfigFormat: String, Sendable, Equatable {
    /// Routero's own schema (`server`, `auth`, `redis`, `cache`, `providers`, `models`, ...).
    case native
    /// LiteLLM proxy `config.yaml` (`model_list`, `litellm_settings`, `router_settings`, ...).
    case litellm
}

/// The validated gateway configuration, whichever schema it was written in.
///
/// Every textual representation is redacted (see `GatewayConfig+Description.swift`), so
/// `print(config)` and `String(describing:)` never reveal keys or passwords.
public struct GatewayConfig: Sendable, Equatable {
    /// The schema the file used.
    public var format: ConfigFormat = .native
    /// Limits and timeouts.
    public var server = ServerSettings()
    /// Client authentication.
    public var auth = AuthSettings()
    /// Shared state; `nil` when the file names no Redis (the CLI `--redis` may still supply one).
    public var redis: RedisSettings?
    /// The response cache.
    public var cache = CacheSettings()
    /// Model groups in file order (first appearance of each name).
    public var modelGroups: [ModelGroup] = []
    /// Native `providers.<id>` overrides, keyed by the id as written (lowercased).
    public var providerSettings: [String: ProviderSettings] = [:]
    /// Whether models not named in the file may be routed by their `provider/` prefix or bare
    /// name (only to providers with a public default base URL, or one the operator configured).
    /// Off unless enabled: a cautious operator lists what clients may use. LiteLLM configs are
    /// always off (LiteLLM serves only `model_list`).
    public var allowUnlistedModels = false
    /// Routing policy (mostly not yet active, see ``notYetActive``).
    public var routing = RoutingSettings()
    /// Client rate limits (native `limits:`, LiteLLM `general_settings` limit keys).
    public var limits = RateLimitSettings()
    /// Global `litellm_settings.drop_params` (native `drop_params`).
    public var dropParams = false
    /// LiteLLM `environment_variables`: merged over the process environment when resolving
    /// `os.environ/NAME` and provider key variables (never exported with setenv).
    public var environmentVariables: [String: Secret] = [:]
    /// Key paths that were parsed and validated but are implemented by later issues; the worker
    /// logs them as "not yet active".
    public var notYetActive: [String] = []
    /// Human-readable warnings (unknown keys, ignored settings, literal secrets), each naming a
    /// key path and line.
    public var warnings: [String] = []

    /// A configuration with every default: no models, unlisted models refused.
    public init() {}

    /// The process environment with ``environmentVariables`` laid over it, as LiteLLM does by
    /// exporting them at start-up.
    /// - Parameter environment: the process environment.
    public func mergedEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.merging(environmentVariables.mapValues(\.value)) { _, fromConfig in fromConfig }
    }

    /// The group with exactly this name, if any.
    public func group(named name: String) -> ModelGroup? {
        modelGroups.first { $0.name == name }
    }
}
