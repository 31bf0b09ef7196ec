/// A named model group clients ask for (`model_name` in LiteLLM, `models[].name` natively) and
/// the deployments that can serve it.
public struct ModelGroup: Sendable, Equatable {
    /// The name clients send as `model`. May contain `*` wildcards (`openai/*`, `*`), each
    /// matching any non-empty text.
    public var name: String
    /// Deployments in file order.
    public var deployments: [Deployment]

    /// True when ``name`` contains a `*` wildcard.
    public var isWildcard: Bool { name.contains("*") }

    /// Creates a group.
    public init(name: String, deployments: [Deployment]) {
        self.name = name
        self.deployments = deployments
    }
}

/// One upstream deployment of a model group (LiteLLM `litellm_params`; the native schema uses
/// the same keys). Provider resolution against the catalog happens in RouteroRouting.
public struct Deployment: Sendable, Equatable {
    /// Stable id for logs and metrics: `model_info.id` (native: `id`), otherwise
    /// `<group name>#<index within the group>`.
    public var id: String
    /// Key path of the entry in the file (`model_list[3]`, `models[0].deployments[1]`), for
    /// messages about this deployment.
    public var sourcePath: String
    /// The provider as written: `custom_llm_provider` if set, else the text before the first `/`
    /// of ``model`` (lowercased), else empty. It may not name a catalog provider
    /// (`meta-llama/...` with an `api_base`); RouteroRouting decides.
    public var provider: String
    /// `custom_llm_provider`, when set explicitly.
    public var customProvider: String?
    /// The `model` string exactly as written, e.g. `openai/gpt-4o` or `openai/*`.
    public var model: String
    /// `api_base` (alias `base_url`), without a trailing slash.
    public var apiBase: String?
    /// `api_key`.
    public var apiKey: Secret?
    /// `api_version` (Azure-style providers; kept for later issues).
    public var apiVersion: String?
    /// `azure_ad_token`: a Microsoft Entra ID token sent as a bearer instead of `api-key`.
    public var azureADToken: Secret?
    /// `tenant_id`, `client_id`, `client_secret`: a Microsoft Entra ID app whose client-credentials
    /// token Azure OpenAI calls carry (else `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`).
    public var azureTenantID: String?
    public var azureClientID: String?
    public var azureClientSecret: Secret?
    /// `azure_authority_host` (else `AZURE_AUTHORITY_HOST`, else `https://login.microsoftonline.com`).
    public var azureAuthorityHost: String?
    /// `vertex_project` (else `VERTEXAI_PROJECT`).
    public var vertexProject: String?
    /// `vertex_location` (else `VERTEXAI_LOCATION`, else `us-central1`).
    public var vertexLocation: String?
    /// `vertex_credentials`: a service-account key, as JSON text (read from the file when the
    /// value is a path).
    public var vertexCredentials: Secret?
    /// `aws_access_key_id` (Bedrock; kept for a later issue).
    public var awsAccessKeyID: Secret?
    /// `aws_secret_access_key`.
    public var awsSecretAccessKey: Secret?
    /// `aws_session_token`.
    public var awsSessionToken: Secret?
    /// `aws_region_name`.
    public var awsRegionName: String?
    /// Requests per minute this deployment accepts (the provider's limit): routing goes around it at
    /// the limit, exact across workers (deploy/ROUTING.md); also a selection weight when no deployment of
    /// the tier sets `weight`. 0 means the deployment is never used.
    public var rpm: Int?
    /// Tokens per minute this deployment accepts (same rules as ``rpm``).
    public var tpm: Int?
    /// Relative selection weight within its order tier (default 1, always > 0).
    public var weight: Double = 1
    /// Whether `weight` was written in the file (if not, rpm/tpm may act as the weight).
    public var hasExplicitWeight: Bool = false
    /// Priority tier: lower is tried first; deployments without `order` come after all ordered ones.
    public var order: Int?
    /// Whole-request timeout for this deployment (`timeout`, seconds).
    public var timeoutSeconds: Double?
    /// Timeout for streaming requests until the upstream answers (`stream_timeout`, seconds).
    public var streamTimeoutSeconds: Double?
    /// Price per input / output token in USD (`input_cost_per_token`, `output_cost_per_token` in
    /// `litellm_params` or `model_info`), for `cost-based-routing`.
    public var inputCostPerToken: Double?
    public var outputCostPerToken: Double?
    /// `max_retries` (not yet active).
    public var maxRetries: Int?
    /// `extra_headers`, sent with every request to this deployment.
    public var extraHeaders: [HeaderField] = []
    /// `drop_params` for this deployment (overrides the global setting).
    public var dropParams: Bool?
    /// Whether the model extends a trailing assistant message (`supports_assistant_prefill`, in
    /// `litellm_params` or `model_info`); nil: Anthropic-format models do, others do not.
    public var supportsAssistantPrefill: Bool?
    /// Other `litellm_params` keys: kept (a warning names each), not yet used.
    public var extraParams: [ConfigEntry] = []
    /// `model_info` entries other than `id`, kept verbatim.
    public var modelInfo: [ConfigEntry] = []

    /// Creates a deployment with defaults for everything but its identity and model.
    public init(id: String, sourcePath: String, model: String) {
        self.id = id
        self.sourcePath = sourcePath
        self.model = model
        self.provider = Deployment.providerPrefix(of: model)
    }

    /// The lowercased text before the first `/`, or empty when there is none.
    public static func providerPrefix(of model: String) -> String {
        guard let slash = model.firstIndex(of: "/") else { return "" }
        return model[..<slash].lowercased()
    }
}
