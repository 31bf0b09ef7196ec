public import RouteroCore

/// The adapter for a target: chosen by the family the provider row names for the target's model,
/// with the dialect the target's placement implies (Vertex AI hosts Gemini and Claude).
public enum ChatAdapters {
    /// The adapter that speaks `target`'s wire family.
    public static func adapter(for target: UpstreamTarget) -> any ChatAdapter {
        switch target.family {
        case .openAI:
            return OpenAICompatibleAdapter(profile: target.profile)
        case .anthropic:
            if let vertex = target.vertex {
                return AnthropicAdapter(profile: target.profile, dialect: .vertex(project: vertex.project, location: vertex.location))
            }
            return AnthropicAdapter(profile: target.profile)
        case .gemini:
            if let vertex = target.vertex {
                return GeminiAdapter(profile: target.profile, dialect: .vertex(project: vertex.project, location: vertex.location))
            }
            return GeminiAdapter(profile: target.profile)
        }
    }
}
