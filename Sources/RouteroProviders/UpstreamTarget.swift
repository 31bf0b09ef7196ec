public import RouteroCore

/// Where a Vertex AI deployment runs.
public struct VertexPlacement: Sendable, Equatable {
    /// The Google Cloud project id.
    public var project: String
    /// The region (`us-central1`), a multi-region (`us`, `eu`) or `global`.
    public var location: String

    /// Creates a placement.
    public init(project: String, location: String) {
        self.project = project
        self.location = location
    }
}

/// How the gateway proves itself to a provider when a static key is not enough.
public enum UpstreamCredential: Sendable, Equatable {
    /// ``UpstreamTarget/apiKey`` as the provider's auth style says (or nothing).
    case apiKey
    /// An OAuth access token minted from a Google service account (Vertex AI): the executor
    /// exchanges the signed JWT for a token and puts it in ``UpstreamTarget/apiKey`` as a bearer.
    case googleServiceAccount(json: String)
    /// A static Microsoft Entra ID token (`azure_ad_token`), sent as a bearer instead of `api-key`.
    case bearerToken
    /// A Microsoft Entra ID app (client credentials): the executor fetches its token for Azure
    /// OpenAI's scope and puts it in ``UpstreamTarget/apiKey`` as a bearer.
    case entraClient(EntraClient)
}

/// A Microsoft Entra ID application registration used for client-credentials tokens.
public struct EntraClient: Sendable, Equatable {
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String

    public init(tokenURL: String, clientID: String, clientSecret: String) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// One concrete place to send a request: a provider profile plus a deployment's resolved settings.
public struct UpstreamTarget: Sendable {
    /// The provider.
    public var profile: ProviderProfile
    /// The provider's model id, without any `provider/` prefix.
    public var model: String
    /// Resolved base URL without a trailing slash.
    public var apiBase: String
    /// Resolved secret; never logged. `nil` or empty means no auth header is sent.
    public var apiKey: String?
    /// Stable id for logs and metrics.
    public var deploymentID: String
    /// Per-deployment upstream timeout, if configured.
    public var timeoutSeconds: Double?
    /// Per-deployment timeout for streaming calls until the upstream answers (LiteLLM
    /// `stream_timeout`); falls back to ``timeoutSeconds``.
    public var streamTimeoutSeconds: Double?
    /// LiteLLM `drop_params`: drop parameters this provider cannot honour instead of answering 400.
    public var dropUnsupportedParams: Bool
    /// Extra headers for this deployment; they override the provider's default headers.
    public var extraHeaders: [(String, String)]
    /// Azure OpenAI `api-version`.
    public var apiVersion: String?
    /// Vertex AI project and location.
    public var vertex: VertexPlacement?
    /// How ``apiKey`` is obtained and presented.
    public var credential: UpstreamCredential = .apiKey
    /// Whether the model extends a trailing assistant message, so a broken stream can be continued
    /// by prefill (else by an instruction; deploy/ROUTING.md).
    public var assistantPrefill = false

    /// The wire family requests to this target use (Vertex AI serves Gemini and Claude models).
    public var family: WireFamily { profile.family(forModel: model) }

    /// Creates a target. `apiBase` defaults to the profile's default base URL; a trailing `/` is removed.
    public init(profile: ProviderProfile, model: String, apiBase: String? = nil, apiKey: String? = nil,
                deploymentID: String? = nil, timeoutSeconds: Double? = nil, streamTimeoutSeconds: Double? = nil,
                dropUnsupportedParams: Bool = false, extraHeaders: [(String, String)] = []) {
        self.profile = profile
        self.model = model
        var base = apiBase ?? profile.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.apiBase = base
        self.apiKey = apiKey
        self.deploymentID = deploymentID ?? "\(profile.id)/\(model)"
        self.timeoutSeconds = timeoutSeconds
        self.streamTimeoutSeconds = streamTimeoutSeconds
        self.dropUnsupportedParams = dropUnsupportedParams
        self.extraHeaders = extraHeaders
    }
}

/// A fully built upstream HTTP request: the executor sends it as is.
public struct UpstreamRequestSpec: Sendable {
    /// `"POST"` or `"GET"`.
    public var method: String
    /// Absolute URL.
    public var url: String
    /// Header fields in send order; names are lowercase.
    public var headers: [(String, String)]
    /// Request body (empty for GET).
    public var body: [UInt8]

    /// Creates a request description.
    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive), for tests and logging.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0.lowercased() == lowered }?.1
    }
}
