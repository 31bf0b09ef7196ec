/// One typed step of a streamed answer. Stream decoders turn a provider's framing into these;
/// stream encoders turn them into the client's framing.
///
/// Order guarantees a decoder gives: ``start`` first; a tool call's ``toolCallStart`` before its
/// ``toolCallArguments``; tool-call indices count calls from 0 in order of appearance, whatever the
/// provider's block numbering; one ``finish``; ``usage`` may come before or after ``finish``; ``end``
/// only when the provider declared the stream complete.
public enum ChatStreamEvent: Sendable, Equatable {
    /// The answer begins: its id and model (and input usage where the provider reports it first).
    case start(id: String, model: String, usage: Usage?)
    /// Answer text.
    case text(String)
    /// Reasoning text.
    case reasoning(String)
    /// The signature closing the current reasoning block (Anthropic `signature_delta`).
    case reasoningSignature(ProviderSignature)
    /// A redacted reasoning block, whole.
    case redactedReasoning(String)
    /// A tool call begins.
    case toolCallStart(index: Int, id: String, name: String, signature: ProviderSignature?)
    /// A fragment of a tool call's JSON arguments (concatenate per index).
    case toolCallArguments(index: Int, fragment: String)
    /// Why generation stopped.
    case finish(FinishReason, stopSequence: String?)
    /// Cumulative token counts (the last one wins).
    case usage(Usage)
    /// The provider reported an error inside the stream.
    case error(GatewayError)
    /// The provider declared the stream complete (`[DONE]`, `message_stop`, the closing `]`).
    case end
}
