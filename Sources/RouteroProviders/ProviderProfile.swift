public import RouteroCore

/// How a provider expects the API key to be presented.
public enum AuthStyle: Sendable, Equatable {
    /// `authorization: Bearer <key>` (OpenAI and nearly every compatible server).
    case bearer
    /// The key alone in a named header, e.g. `api-subscription-key: <key>`.
    case header(String)
    /// The provider takes no key; none is sent even when configured.
    case none
}

/// The per-provider deviations from the OpenAI Chat Completions wire format that the
/// ``OpenAICompatibleAdapter`` repairs before forwarding a request.
///
/// Each flag is one rewrite in `makeChatRequest`; everything no flag touches is forwarded unchanged.
/// Start from ``openAI`` (no rewrites) or ``compatible`` (the generic long-tail rules) and adjust with
/// ``with(_:)`` so a catalog row stays one line.
public struct ProviderQuirks: Sendable, Equatable {
    /// Rename `max_completion_tokens` to `max_tokens` (most servers only know the older name).
    public var renameMaxCompletionTokens = false
    /// Send `developer` messages as `system` (only OpenAI's newer models know the developer role).
    public var developerRoleAsSystem = false
    /// Drop `stream_options` (servers that reject unknown fields with 400/422).
    public var stripStreamOptions = false
    /// Drop `name` from messages (rejected by Groq and xAI).
    public var stripMessageName = false
    /// Drop `strict` from tool function definitions (rejected by xAI).
    public var stripToolStrict = false
    /// Reject `n > 1` with a 400 before calling a provider that only ever returns one choice.
    public var singleChoiceOnly = false
    /// Clamp `temperature` into this range (Moonshot accepts only [0, 1] instead of OpenAI's [0, 2]).
    public var temperatureRange: ClosedRange<Double>? = nil
    /// Rename `seed` to `random_seed` (Mistral).
    public var seedAsRandomSeed = false
    /// Send `tool_choice: "required"` as `"any"` (Mistral's name for it).
    public var toolChoiceRequiredAsAny = false
    /// Prefix model ids that contain no `/` (Fireworks wants `accounts/fireworks/models/<id>`).
    public var bareModelIDPrefix: String? = nil
    /// Join text-only content arrays into one string (DashScope and Moonshot text models).
    public var flattenTextContent = false
    /// Azure OpenAI's URL layout: `{base}/openai/deployments/{model}/chat/completions?api-version=`.
    public var azureDeployments = false
    /// Whether the server accepts `top_k` (vLLM, Together and most open-weight servers do; OpenAI
    /// itself and Azure reject it).
    public var acceptsTopK = true
    /// Headers sent on every request to this provider (a deployment's own headers override them).
    public var extraHeaders: [(String, String)] = []
    /// Rewrite tool-call ids that are not exactly 9 characters of `[A-Za-z0-9]` (Mistral's rule)
    /// to a stable 9-character id derived from them, in requests only.
    public var nineCharacterToolCallIDs = false

    // Response side: how the provider deviates from OpenAI's responses and streams.

    /// Where the provider puts usage in a stream. With `stream_options.include_usage`, the relay
    /// turns anything but ``StreamUsagePlacement/separateChunk`` into OpenAI's final
    /// `choices: []` usage chunk.
    public var streamUsage: StreamUsagePlacement = .separateChunk

    /// No rewrites: the request goes out exactly as the client sent it (OpenAI itself).
    public static let openAI = ProviderQuirks(acceptsTopK: false)

    /// The generic rules that fix most OpenAI-compatible servers: `max_tokens` and `system`.
    public static let compatible = ProviderQuirks(renameMaxCompletionTokens: true, developerRoleAsSystem: true)

    /// A copy with `change` applied, for one-line catalog rows.
    public func with(_ change: (inout ProviderQuirks) -> Void) -> ProviderQuirks {
        var copy = self
        change(&copy)
        return copy
    }

    /// Field-by-field equality (headers compared in order, names case-insensitively).
    public static func == (lhs: ProviderQuirks, rhs: ProviderQuirks) -> Bool {
        lhs.renameMaxCompletionTokens == rhs.renameMaxCompletionTokens
            && lhs.developerRoleAsSystem == rhs.developerRoleAsSystem
            && lhs.stripStreamOptions == rhs.stripStreamOptions
            && lhs.stripMessageName == rhs.stripMessageName
            && lhs.stripToolStrict == rhs.stripToolStrict
            && lhs.singleChoiceOnly == rhs.singleChoiceOnly
            && lhs.temperatureRange == rhs.temperatureRange
            && lhs.seedAsRandomSeed == rhs.seedAsRandomSeed
            && lhs.toolChoiceRequiredAsAny == rhs.toolChoiceRequiredAsAny
            && lhs.bareModelIDPrefix == rhs.bareModelIDPrefix
            && lhs.flattenTextContent == rhs.flattenTextContent
            && lhs.nineCharacterToolCallIDs == rhs.nineCharacterToolCallIDs
            && lhs.streamUsage == rhs.streamUsage
            && lhs.acceptsTopK == rhs.acceptsTopK
            && lhs.azureDeployments == rhs.azureDeployments
            && lhs.extraHeaders.count == rhs.extraHeaders.count
            && zip(lhs.extraHeaders, rhs.extraHeaders).allSatisfy {
                $0.0.lowercased() == $1.0.lowercased() && $0.1 == $1.1
            }
    }
}

/// Where a provider reports token usage in a stream.
public enum StreamUsagePlacement: Sendable, Equatable {
    /// OpenAI's way: a last chunk with `choices: []` and `usage` (only with `include_usage`).
    case separateChunk
    /// Top-level `usage` on the chunk that carries `finish_reason` (Mistral, Perplexity).
    case finishChunk
    /// `choices[0].usage` of the final chunk (Moonshot).
    case insideChoice
}

/// One provider the gateway can call: where it lives, how it authenticates and which quirks it has.
public struct ProviderProfile: Sendable {
    /// Canonical id used in config and model strings, e.g. `"openai"`, `"groq"`, `"hosted_vllm"`.
    public let id: String
    /// Other ids that name this provider (`"together_ai"` → `together`).
    public let aliases: [String]
    /// Default base URL without a trailing slash; empty when the provider has no default (Databricks:
    /// every workspace has its own host) and each deployment must set `api_base`.
    public let defaultBaseURL: String
    /// Environment variable names tried in order for the API key.
    public let keyEnv: [String]
    /// Environment variable names (LiteLLM's `<PROVIDER>_API_BASE`) tried in order for an
    /// operator-chosen base URL that replaces ``defaultBaseURL``.
    public let baseURLEnv: [String]
    /// How the key is sent.
    public let auth: AuthStyle
    /// Whether a key is needed (local servers such as vLLM and Ollama run without one).
    public let requiresKey: Bool
    /// Lowercase prefixes of bare model names that identify this provider (`"gpt-"` → openai).
    public let bareModelPrefixes: [String]
    /// Wire-format repairs applied by ``OpenAICompatibleAdapter``.
    public let quirks: ProviderQuirks
    /// The wire family this provider speaks: which ``ChatAdapter`` builds its requests.
    public let family: WireFamily

    /// Creates a profile; see the properties for meanings.
    /// - Parameter baseURLEnv: nil derives `<NAME>_API_BASE` from the id and every alias
    ///   (`together_ai` → `TOGETHER_AI_API_BASE`), as LiteLLM names them.
    public init(id: String, aliases: [String] = [], defaultBaseURL: String, keyEnv: [String] = [],
                baseURLEnv: [String]? = nil, auth: AuthStyle = .bearer, requiresKey: Bool = true,
                bareModelPrefixes: [String] = [], quirks: ProviderQuirks = .compatible, family: WireFamily = .openAI) {
        self.id = id
        self.aliases = aliases
        self.defaultBaseURL = defaultBaseURL
        self.keyEnv = keyEnv
        self.baseURLEnv = baseURLEnv ?? ([id] + aliases).map(Self.baseVariable)
        self.auth = auth
        self.requiresKey = requiresKey
        self.bareModelPrefixes = bareModelPrefixes
        self.quirks = quirks
        self.family = family
    }

    /// The family of `model` at this provider: ``family``, except on Vertex AI, which serves
    /// Anthropic's Claude models in Anthropic's format and everything else in Gemini's.
    public func family(forModel model: String) -> WireFamily {
        if id == "vertex_ai", model.lowercased().hasPrefix("claude") { return .anthropic }
        return family
    }

    /// Whether deployments of this provider must configure `api_base` themselves.
    public var requiresAPIBase: Bool { defaultBaseURL.isEmpty }

    /// Whether the default base URL is a public host. Local servers (vLLM, Ollama, llama.cpp, ...)
    /// default to ports on the gateway's own host, which a client must never be able to pick.
    public var hasPublicDefaultBaseURL: Bool {
        !defaultBaseURL.isEmpty && !URLHost.isLocal(defaultBaseURL)
    }

    private static func baseVariable(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_API_BASE"
    }

    /// The id and every alias.
    public var allNames: [String] { [id] + aliases }
}
