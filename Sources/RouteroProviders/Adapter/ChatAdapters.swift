public import RouteroCore

/// The adapter for a target: chosen by the provider row's ``ProviderProfile/family``.
public enum ChatAdapters {
    /// The adapter that speaks `target`'s wire family.
    public static func adapter(for target: UpstreamTarget) -> any ChatAdapter {
        switch target.profile.family {
        case .openAI, .anthropic, .gemini:
            OpenAICompatibleAdapter(profile: target.profile)
        }
    }
}
