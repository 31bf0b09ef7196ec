/// List prices (USD per token: input, output) of well-known models, used by `cost-based-routing`
/// when a deployment sets no `input_cost_per_token` / `output_cost_per_token`. Public list
/// prices as of 2025; set the prices explicitly when they matter (discounts, batch tiers, new
/// models). A model id matches its longest entry that is a prefix of it, so dated versions
/// (`gpt-4o-2024-08-06`) take their family's price and `gpt-4o-mini` is not priced as `gpt-4o`.
enum PriceTable {
    static let perMillion: [(prefix: String, input: Double, output: Double)] = [
        ("gpt-4o", 2.5, 10), ("gpt-4o-mini", 0.15, 0.6),
        ("gpt-4.1", 2, 8), ("gpt-4.1-mini", 0.4, 1.6), ("gpt-4.1-nano", 0.1, 0.4),
        ("o3-mini", 1.1, 4.4), ("o4-mini", 1.1, 4.4),
        ("claude-3-5-sonnet", 3, 15), ("claude-3-7-sonnet", 3, 15), ("claude-sonnet-4", 3, 15),
        ("claude-3-5-haiku", 0.8, 4), ("claude-opus-4", 15, 75),
        ("gemini-1.5-flash", 0.075, 0.3), ("gemini-1.5-pro", 1.25, 5),
        ("gemini-2.0-flash", 0.1, 0.4), ("gemini-2.5-flash", 0.3, 2.5), ("gemini-2.5-pro", 1.25, 10),
        ("llama-3.3-70b-versatile", 0.59, 0.79), ("llama-3.1-8b-instant", 0.05, 0.08),
        ("deepseek-chat", 0.27, 1.1), ("deepseek-reasoner", 0.55, 2.19),
    ]

    /// Input + output price per token of `model` (the provider's model id), if listed.
    static func costPerToken(model: String) -> Double? {
        var best: (length: Int, cost: Double)?
        for entry in perMillion where model.hasPrefix(entry.prefix) {
            if best == nil || entry.prefix.count > best!.length {
                best = (entry.prefix.count, (entry.input + entry.output) / 1_000_000)
            }
        }
        return best?.cost
    }
}
