/// What the gateway must know about Claude models to build a request a client did not spell fully:
/// Anthropic requires `max_tokens`, OpenAI and Gemini clients usually leave it out.
///
/// The defaults are each family's maximum output (Anthropic's model overview, mirrored by LiteLLM's
/// `max_output_tokens` table), taken conservatively where a family's members differ: every
/// `claude-opus-4*` gets 32 000, the limit of Opus 4 and 4.1, although Opus 4.5 allows more.
/// A bigger cap only costs what the model actually writes, and a cap above the model's limit is a 400,
/// so the table errs low. Unknown names get 4096, which every Claude model accepts.
public enum AnthropicModelCatalog {
    /// `max_tokens` for a model the table does not know.
    public static let fallbackMaxTokens = 4096

    /// Tokens left for the visible answer when `max_tokens` has to be raised above a thinking budget
    /// (Anthropic requires `budget_tokens < max_tokens`).
    public static let visibleTokensAboveBudget = 4096

    /// Family markers, most specific first, with their default `max_tokens`.
    static let families: [(marker: String, maxTokens: Int)] = [
        ("opus-4", 32_000),
        ("sonnet-4", 64_000),
        ("haiku-4", 64_000),
        ("3-7-sonnet", 64_000),
        ("3-5-sonnet", 8192),
        ("3-5-haiku", 8192),
        ("3-opus", 4096),
        ("3-sonnet", 4096),
        ("3-haiku", 4096),
    ]

    /// The default `max_tokens` for `model`.
    ///
    /// Matching is by family marker anywhere in the lowercased name, so dated ids
    /// (`claude-sonnet-4-5-20250929`), Vertex ids (`claude-3-5-sonnet-v2@20241022`) and prefixed ids
    /// (`anthropic.claude-opus-4-1`) resolve like the bare family name.
    public static func defaultMaxTokens(for model: String) -> Int {
        let name = model.lowercased()
        for family in families where name.contains(family.marker) { return family.maxTokens }
        return fallbackMaxTokens
    }
}
