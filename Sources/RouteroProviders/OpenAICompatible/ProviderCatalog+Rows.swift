// The provider table. Adding an OpenAI-compatible provider is one row here; the conformance test in
// RouteroProvidersTests runs every row, so a malformed row fails the build's tests, not production.
// Sources: the providers' public API references (base URLs, key variables) and the quirks other
// gateways encoded for them; each flag below is exercised by RouteroProvidersTests.

extension ProviderCatalog {
    /// Mistral's API rejects unknown fields (422), names two parameters differently, accepts only
    /// 9-character alphanumeric tool-call ids, and streams usage in the finish chunk.
    private static let mistralQuirks = ProviderQuirks.compatible.with {
        $0.stripStreamOptions = true
        $0.seedAsRandomSeed = true
        $0.toolChoiceRequiredAsAny = true
        $0.nineCharacterToolCallIDs = true
        $0.streamUsage = .finishChunk
    }

    /// Providers that only ever return one choice.
    private static let singleChoice = ProviderQuirks.compatible.with { $0.singleChoiceOnly = true }

    static let rows: [ProviderProfile] = [
        // OpenAI itself: the reference format, nothing rewritten.
        .init(id: "openai", defaultBaseURL: "https://api.openai.com/v1", keyEnv: ["OPENAI_API_KEY"],
              baseURLEnv: ["OPENAI_BASE_URL", "OPENAI_API_BASE"], bareModelPrefixes: ["gpt-", "chatgpt-", "o1", "o3", "o4", "codex-"], quirks: .openAI),
        // Azure OpenAI: OpenAI's format at `{api_base}/openai/deployments/{deployment}/...?api-version=`,
        // every resource on its own host, the key in `api-key` (or an Entra token as a bearer).
        .init(id: "azure", aliases: ["azure_openai"], defaultBaseURL: "", keyEnv: ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"],
              baseURLEnv: ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"], auth: .header("api-key"),
              quirks: .openAI.with { $0.azureDeployments = true }),
        // The other wire families: one row each; their adapters live in Anthropic/ and Gemini/.
        .init(id: "anthropic", defaultBaseURL: "https://api.anthropic.com", keyEnv: ["ANTHROPIC_API_KEY"],
              baseURLEnv: ["ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"], auth: .header("x-api-key"),
              bareModelPrefixes: ["claude-"], quirks: .openAI, family: .anthropic),
        .init(id: "gemini", aliases: ["google_ai_studio"], defaultBaseURL: "https://generativelanguage.googleapis.com",
              keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"], baseURLEnv: ["GEMINI_API_BASE"], auth: .header("x-goog-api-key"),
              bareModelPrefixes: ["gemini-"], quirks: .openAI, family: .gemini),
        // Vertex AI: no key (a service account's OAuth token), the host follows the location.
        .init(id: "vertex_ai", aliases: ["vertex", "vertex_ai_beta"], defaultBaseURL: "", keyEnv: [],
              baseURLEnv: ["VERTEXAI_API_BASE", "VERTEX_API_BASE"], auth: .bearer, requiresKey: false, quirks: .openAI,
              family: .gemini),
        .init(id: "groq", defaultBaseURL: "https://api.groq.com/openai/v1", keyEnv: ["GROQ_API_KEY"],
              quirks: singleChoice.with { $0.stripMessageName = true }),
        .init(id: "together", aliases: ["together_ai", "togetherai"], defaultBaseURL: "https://api.together.xyz/v1",
              keyEnv: ["TOGETHER_API_KEY", "TOGETHERAI_API_KEY"]),
        .init(id: "fireworks", aliases: ["fireworks_ai"], defaultBaseURL: "https://api.fireworks.ai/inference/v1",
              keyEnv: ["FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY"],
              quirks: .compatible.with { $0.bareModelIDPrefix = "accounts/fireworks/models/" }),
        .init(id: "deepseek", defaultBaseURL: "https://api.deepseek.com", keyEnv: ["DEEPSEEK_API_KEY"],
              bareModelPrefixes: ["deepseek-"]),
        .init(id: "mistral", defaultBaseURL: "https://api.mistral.ai/v1", keyEnv: ["MISTRAL_API_KEY"],
              bareModelPrefixes: ["mistral-", "open-mistral", "ministral-", "magistral-", "pixtral-", "codestral-"],
              quirks: mistralQuirks),
        .init(id: "codestral", defaultBaseURL: "https://codestral.mistral.ai/v1", keyEnv: ["CODESTRAL_API_KEY"],
              quirks: mistralQuirks),
        .init(id: "xai", aliases: ["x_ai", "grok"], defaultBaseURL: "https://api.x.ai/v1", keyEnv: ["XAI_API_KEY"],
              bareModelPrefixes: ["grok-"],
              quirks: .compatible.with { $0.stripMessageName = true; $0.stripToolStrict = true }),
        .init(id: "perplexity", aliases: ["perplexity_ai"], defaultBaseURL: "https://api.perplexity.ai",
              keyEnv: ["PERPLEXITY_API_KEY", "PERPLEXITYAI_API_KEY"], bareModelPrefixes: ["sonar"],
              quirks: singleChoice.with { $0.streamUsage = .finishChunk }),
        // OpenRouter routes to OpenAI models too, so it keeps `developer`; attribution header is optional.
        .init(id: "openrouter", defaultBaseURL: "https://openrouter.ai/api/v1", keyEnv: ["OPENROUTER_API_KEY"],
              quirks: .compatible.with { $0.developerRoleAsSystem = false; $0.extraHeaders = [("x-title", "Routero")] }),
        // Every Databricks workspace has its own host: no default base URL, `api_base` is required.
        .init(id: "databricks", defaultBaseURL: "", keyEnv: ["DATABRICKS_TOKEN", "DATABRICKS_API_KEY"]),
        .init(id: "hosted_vllm", aliases: ["vllm"], defaultBaseURL: "http://localhost:8000/v1",
              keyEnv: ["HOSTED_VLLM_API_KEY", "VLLM_API_KEY"], requiresKey: false),
        .init(id: "ollama", aliases: ["ollama_chat"], defaultBaseURL: "http://localhost:11434/v1",
              keyEnv: ["OLLAMA_API_KEY"], requiresKey: false, quirks: singleChoice),
        .init(id: "moonshot", aliases: ["moonshotai", "kimi"], defaultBaseURL: "https://api.moonshot.ai/v1",
              keyEnv: ["MOONSHOT_API_KEY"], bareModelPrefixes: ["moonshot-", "kimi-"],
              quirks: .compatible.with {
                  $0.temperatureRange = 0...1; $0.flattenTextContent = true; $0.streamUsage = .insideChoice
              }),
        .init(id: "dashscope", aliases: ["qwen", "alibaba"],
              defaultBaseURL: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", keyEnv: ["DASHSCOPE_API_KEY"],
              bareModelPrefixes: ["qwen"], quirks: .compatible.with { $0.flattenTextContent = true }),
        .init(id: "zhipuai", aliases: ["zai", "zhipu", "glm"], defaultBaseURL: "https://open.bigmodel.cn/api/paas/v4",
              keyEnv: ["ZHIPUAI_API_KEY", "ZAI_API_KEY"], bareModelPrefixes: ["glm-"]),
        .init(id: "minimax", defaultBaseURL: "https://api.minimax.io/v1", keyEnv: ["MINIMAX_API_KEY"],
              bareModelPrefixes: ["minimax-"], quirks: singleChoice),
        .init(id: "volcengine", aliases: ["ark", "doubao"], defaultBaseURL: "https://ark.cn-beijing.volces.com/api/v3",
              keyEnv: ["ARK_API_KEY", "VOLCENGINE_API_KEY"], bareModelPrefixes: ["doubao-"]),
        .init(id: "cerebras", defaultBaseURL: "https://api.cerebras.ai/v1", keyEnv: ["CEREBRAS_API_KEY"]),
        .init(id: "deepinfra", defaultBaseURL: "https://api.deepinfra.com/v1/openai",
              keyEnv: ["DEEPINFRA_API_KEY", "DEEPINFRA_TOKEN"]),
        .init(id: "sambanova", defaultBaseURL: "https://api.sambanova.ai/v1", keyEnv: ["SAMBANOVA_API_KEY"]),
        .init(id: "nvidia_nim", aliases: ["nvidia", "nim"], defaultBaseURL: "https://integrate.api.nvidia.com/v1",
              keyEnv: ["NVIDIA_NIM_API_KEY", "NVIDIA_API_KEY"]),
        .init(id: "huggingface", aliases: ["hf"], defaultBaseURL: "https://router.huggingface.co/v1",
              keyEnv: ["HF_TOKEN", "HUGGINGFACE_API_KEY"]),
        .init(id: "siliconflow", defaultBaseURL: "https://api.siliconflow.com/v1", keyEnv: ["SILICONFLOW_API_KEY"]),
        .init(id: "novita", aliases: ["novita_ai"], defaultBaseURL: "https://api.novita.ai/openai/v1",
              keyEnv: ["NOVITA_API_KEY"]),
        .init(id: "nebius", defaultBaseURL: "https://api.tokenfactory.nebius.com/v1", keyEnv: ["NEBIUS_API_KEY"]),
        .init(id: "hyperbolic", defaultBaseURL: "https://api.hyperbolic.xyz/v1", keyEnv: ["HYPERBOLIC_API_KEY"]),
        .init(id: "lambda_ai", aliases: ["lambda"], defaultBaseURL: "https://api.lambda.ai/v1", keyEnv: ["LAMBDA_API_KEY"]),
        .init(id: "github", aliases: ["github_models"], defaultBaseURL: "https://models.github.ai/inference",
              keyEnv: ["GITHUB_TOKEN"]),
        .init(id: "qianfan", aliases: ["baidu"], defaultBaseURL: "https://qianfan.baidubce.com/v2",
              keyEnv: ["QIANFAN_API_KEY"]),
        .init(id: "lm_studio", aliases: ["lmstudio"], defaultBaseURL: "http://localhost:1234/v1",
              keyEnv: ["LM_STUDIO_API_KEY"], requiresKey: false),
        .init(id: "llamacpp", aliases: ["llama_cpp", "llama.cpp"], defaultBaseURL: "http://localhost:8080/v1",
              requiresKey: false),
        .init(id: "sglang", defaultBaseURL: "http://localhost:30000/v1", keyEnv: ["SGLANG_API_KEY"], requiresKey: false),
        .init(id: "xinference", defaultBaseURL: "http://127.0.0.1:9997/v1", keyEnv: ["XINFERENCE_API_KEY"],
              requiresKey: false),
        .init(id: "featherless", aliases: ["featherless_ai"], defaultBaseURL: "https://api.featherless.ai/v1",
              keyEnv: ["FEATHERLESS_API_KEY"]),
        .init(id: "friendli", aliases: ["friendliai"], defaultBaseURL: "https://api.friendli.ai/serverless/v1",
              keyEnv: ["FRIENDLI_TOKEN"]),
        .init(id: "baseten", defaultBaseURL: "https://inference.baseten.co/v1", keyEnv: ["BASETEN_API_KEY"]),
        .init(id: "upstage", defaultBaseURL: "https://api.upstage.ai/v1", keyEnv: ["UPSTAGE_API_KEY"]),
        .init(id: "ai21", defaultBaseURL: "https://api.ai21.com/studio/v1", keyEnv: ["AI21_API_KEY"]),
        .init(id: "meta_llama", defaultBaseURL: "https://api.llama.com/compat/v1", keyEnv: ["LLAMA_API_KEY"]),
        .init(id: "nscale", defaultBaseURL: "https://inference.api.nscale.com/v1", keyEnv: ["NSCALE_API_KEY"]),
        .init(id: "scaleway", defaultBaseURL: "https://api.scaleway.ai/v1", keyEnv: ["SCW_SECRET_KEY"]),
        .init(id: "ovhcloud", defaultBaseURL: "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
              keyEnv: ["OVH_AI_ENDPOINTS_ACCESS_TOKEN"]),
        .init(id: "chutes", defaultBaseURL: "https://llm.chutes.ai/v1", keyEnv: ["CHUTES_API_KEY"]),
        .init(id: "venice", defaultBaseURL: "https://api.venice.ai/api/v1", keyEnv: ["VENICE_API_KEY"]),
        .init(id: "kluster", aliases: ["kluster_ai"], defaultBaseURL: "https://api.kluster.ai/v1",
              keyEnv: ["KLUSTER_API_KEY"]),
        // Sarvam takes the bare key in its own header instead of a bearer token.
        .init(id: "sarvam", defaultBaseURL: "https://api.sarvam.ai/v1", keyEnv: ["SARVAM_API_KEY"],
              auth: .header("api-subscription-key")),
    ]
}
