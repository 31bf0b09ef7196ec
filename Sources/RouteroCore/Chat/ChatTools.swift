/// A function the model may call.
public struct ToolDefinition: Sendable, Equatable {
    /// The function name (`[a-zA-Z0-9_-]{1,64}` for every family).
    public var name: String
    /// What the function does.
    public var description: String?
    /// The JSON Schema of the arguments object; nil means "no arguments".
    public var parameters: JSONValue?
    /// OpenAI `strict` (structured-output validation of the arguments).
    public var strict: Bool?
    /// Anthropic `cache_control`.
    public var cacheControl: JSONValue?

    /// Creates a tool definition.
    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil,
                cacheControl: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
        self.cacheControl = cacheControl
    }
}

/// Whether and which tool the model must call.
public enum ToolChoice: Sendable, Equatable {
    /// The model decides (every family's default when tools are present).
    case auto
    /// No tool calls.
    case none
    /// At least one tool call (OpenAI `required`, Anthropic `any`, Gemini `ANY`).
    case required
    /// This tool exactly.
    case tool(String)
}

/// The shape the answer text must have.
public enum ResponseFormat: Sendable, Equatable {
    /// Free text.
    case text
    /// Some JSON object.
    case jsonObject
    /// JSON matching `schema`.
    case jsonSchema(name: String, schema: JSONValue, strict: Bool?, description: String?)
}

/// How much the model should reason before answering.
public struct ReasoningConfig: Sendable, Equatable {
    /// OpenAI `reasoning_effort`: `none|minimal|low|medium|high|xhigh|max`.
    public var effort: String?
    /// An explicit token budget (Anthropic `budget_tokens`, Gemini `thinkingBudget`); 0 disables.
    public var budgetTokens: Int?
    /// Whether reasoning text should come back to the client (Gemini `includeThoughts`; Anthropic
    /// always returns thinking when enabled).
    public var includeThoughts: Bool?

    /// Creates a reasoning request.
    public init(effort: String? = nil, budgetTokens: Int? = nil, includeThoughts: Bool? = nil) {
        self.effort = effort
        self.budgetTokens = budgetTokens
        self.includeThoughts = includeThoughts
    }

    /// Whether this asks for no reasoning at all.
    public var isDisabled: Bool { effort == "none" || budgetTokens == 0 }

    /// The token budget: explicit, else LiteLLM's defaults per effort (reference 6.6).
    public var resolvedBudget: Int? {
        if let budgetTokens { return budgetTokens }
        switch effort {
        case "minimal", "low": return 1024
        case "medium": return 2048
        case "high": return 4096
        case "xhigh", "max": return 8192
        default: return nil
        }
    }

    /// The OpenAI effort for a budget (reference 6.6, reverse): ≤1024 low, ≤8192 medium, else high.
    public var resolvedEffort: String? {
        if let effort { return effort }
        guard let budgetTokens else { return nil }
        if budgetTokens == 0 { return nil }
        return budgetTokens <= 1024 ? "low" : budgetTokens <= 8192 ? "medium" : "high"
    }
}
