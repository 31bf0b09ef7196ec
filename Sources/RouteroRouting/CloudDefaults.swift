import RouteroConfig
import RouteroCore
import RouteroProviders

/// The environment's defaults for Azure OpenAI and Vertex AI deployments, read once at start-up
/// (LiteLLM's variable names).
struct CloudDefaults: Sendable {
    /// `AZURE_API_VERSION`.
    let azureAPIVersion: String?
    /// `VERTEXAI_PROJECT` / `VERTEX_PROJECT`.
    let vertexProject: String?
    /// `VERTEXAI_LOCATION` / `VERTEX_LOCATION`.
    let vertexLocation: String?
    /// The JSON of the key `GOOGLE_APPLICATION_CREDENTIALS` (or `VERTEXAI_CREDENTIALS`) names.
    let googleCredentials: Result<String, GatewayError>?

    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST`.
    let azureTenantID: String?
    let azureClientID: String?
    let azureClientSecret: String?
    let azureAuthorityHost: String?

    /// Entra's public authority when neither the deployment nor the environment names one.
    static let defaultAuthorityHost = "https://login.microsoftonline.com"

    /// Vertex's default region when neither the deployment nor the environment names one.
    static let defaultVertexLocation = "us-central1"

    init(environment: [String: String]) {
        func first(_ names: String...) -> String? { names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } }
        azureAPIVersion = first("AZURE_API_VERSION", "OPENAI_API_VERSION")
        vertexProject = first("VERTEXAI_PROJECT", "VERTEX_PROJECT", "GOOGLE_CLOUD_PROJECT")
        vertexLocation = first("VERTEXAI_LOCATION", "VERTEX_LOCATION")
        azureTenantID = first("AZURE_TENANT_ID")
        azureClientID = first("AZURE_CLIENT_ID")
        azureClientSecret = first("AZURE_CLIENT_SECRET")
        azureAuthorityHost = first("AZURE_AUTHORITY_HOST")
        if let value = first("VERTEXAI_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS") {
            do {
                googleCredentials = .success(try ServiceAccountKey.load(Secret(value: value, source: "environment"),
                                                                        at: "GOOGLE_APPLICATION_CREDENTIALS").value)
            } catch {
                googleCredentials = .failure(.providerMisconfigured(provider: "vertex_ai", detail: error.message))
            }
        } else {
            googleCredentials = nil
        }
    }

    /// The placement and key of a Vertex deployment: its own settings, else the environment's,
    /// the project falling back to the key's `project_id`.
    func vertex(_ deployment: Deployment?) -> Result<(placement: VertexPlacement, credentials: String), GatewayError> {
        let credentials: String
        if let own = deployment?.vertexCredentials {
            credentials = own.value
        } else {
            switch googleCredentials {
            case .success(let json): credentials = json
            case .failure(let error): return .failure(error)
            case nil:
                return .failure(.providerMisconfigured(
                    provider: "vertex_ai", detail: "no service-account key: set vertex_credentials on the deployment or "
                        + "GOOGLE_APPLICATION_CREDENTIALS"))
            }
        }
        let keyProject = (try? JSON.parse(credentials))?["project_id"]?.stringValue
        guard let project = deployment?.vertexProject ?? vertexProject ?? keyProject, !project.isEmpty else {
            return .failure(.providerMisconfigured(provider: "vertex_ai",
                                                   detail: "no project: set vertex_project or VERTEXAI_PROJECT"))
        }
        let location = deployment?.vertexLocation ?? vertexLocation ?? Self.defaultVertexLocation
        return .success((VertexPlacement(project: project, location: location), credentials))
    }

    /// The Entra app of an Azure deployment, when tenant, client id and secret are all known
    /// (the deployment's own keys first, then the environment's).
    func entra(_ deployment: Deployment?) -> EntraClient? {
        guard let tenant = deployment?.azureTenantID ?? azureTenantID,
              let client = deployment?.azureClientID ?? azureClientID,
              let secret = deployment?.azureClientSecret?.value ?? azureClientSecret else { return nil }
        var authority = deployment?.azureAuthorityHost ?? azureAuthorityHost ?? Self.defaultAuthorityHost
        while authority.hasSuffix("/") { authority.removeLast() }
        return EntraClient(tokenURL: "\(authority)/\(tenant)/oauth2/v2.0/token", clientID: client, clientSecret: secret)
    }

    /// Vertex's host for a location (reference 5.1): regional, `global`, or the `us`/`eu` multi-regions.
    static func vertexBaseURL(location: String) -> String {
        switch location {
        case "global": "https://aiplatform.googleapis.com"
        case "us", "eu": "https://aiplatform.\(location).rep.googleapis.com"
        default: "https://\(location)-aiplatform.googleapis.com"
        }
    }
}
