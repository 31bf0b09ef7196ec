import RouteroConfig
import RouteroProviders

/// Whose key may be sent to a resolved deployment.
enum KeyPolicy: Sendable, Equatable {
    /// Deployment `api_key`, then `providers.<id>.api_key`, then the profile's key variables.
    case standard
    /// Only the deployment's own `api_key`: the endpoint is a custom OpenAI-compatible server, and
    /// sending it OPENAI_API_KEY from the environment would leak that key to a third party.
    case deploymentOnly
}

/// The outcome of reading a provider out of a model string.
enum ProviderResolution: Sendable {
    /// A catalog provider and the model id to send it.
    case resolved(ProviderProfile, model: String, keys: KeyPolicy)
    /// A provider LiteLLM knows but this version does not implement yet.
    case notYetSupported(String)
    /// Nothing identifies a provider.
    case unknown

    /// LiteLLM provider ids that need their own adapters (later issues). Naming one is not a
    /// configuration error: such deployments are skipped with a warning.
    static let laterProviders: Set<String> = [
        "bedrock", "bedrock_converse", "sagemaker", "sagemaker_chat",
        "palm", "azure_ai", "azure_text", "cohere", "cohere_chat", "watsonx", "watsonx_text",
        "replicate", "cloudflare", "predibase", "clarifai", "triton", "petals", "aleph_alpha", "nlp_cloud",
        "voyage", "jina_ai", "text-completion-openai", "text-completion-codestral", "oobabooga", "snowflake",
        "vllm_native", "assemblyai", "elevenlabs", "dashscope_native", "oci",
    ]

    /// Prefixes LiteLLM uses for "some OpenAI-compatible server at api_base".
    static let genericOpenAIPrefixes: Set<String> = ["custom_openai", "openai_like", "litellm_proxy"]

    /// Resolves a deployment's (already wildcard-substituted) model string.
    /// - Parameters:
    ///   - model: the `model` string, e.g. `groq/llama-3.3-70b-versatile`.
    ///   - customProvider: `custom_llm_provider`, which overrides the prefix.
    ///   - hasAPIBase: whether the deployment sets `api_base` (an unknown prefix then means an
    ///     OpenAI-compatible server whose model id is the whole string).
    static func resolve(model: String, customProvider: String?, hasAPIBase: Bool) -> ProviderResolution {
        if let provider = customProvider {
            let prefix = provider + "/"
            let rest = model.lowercased().hasPrefix(prefix) ? String(model.dropFirst(prefix.count)) : model
            return named(provider, model: rest) ?? .unknown
        }
        if let slash = model.firstIndex(of: "/") {
            let prefix = String(model[..<slash])
            if let result = named(prefix, model: String(model[model.index(after: slash)...])) { return result }
        }
        // No recognisable prefix: `meta-llama/Llama-3-8B` on a self-hosted server, or a bare name.
        if hasAPIBase, let openAI = ProviderCatalog.profile(named: "openai") {
            return .resolved(openAI, model: model, keys: .deploymentOnly)
        }
        if let profile = ProviderCatalog.inferProvider(forBareModel: model) {
            return .resolved(profile, model: model, keys: .standard)
        }
        return .unknown
    }

    /// Resolution of an explicit provider name, or nil when the name means nothing.
    private static func named(_ provider: String, model: String) -> ProviderResolution? {
        let lowered = provider.lowercased()
        if let profile = ProviderCatalog.profile(named: lowered) { return .resolved(profile, model: model, keys: .standard) }
        if genericOpenAIPrefixes.contains(lowered), let openAI = ProviderCatalog.profile(named: "openai") {
            return .resolved(openAI, model: model, keys: .deploymentOnly)
        }
        if laterProviders.contains(lowered) { return .notYetSupported(lowered) }
        return nil
    }
}
