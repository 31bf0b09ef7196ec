/// A wire format family: how a provider (or a client) spells chat requests, responses, streams and errors.
///
/// Every inbound entry format and every outbound adapter belongs to one family. When the client's
/// family and the provider's family are the same, the gateway passes the native body through; otherwise
/// it translates through the canonical model (``ChatCall``, ``ChatResult``, ``ChatStreamEvent``).
public enum WireFamily: String, Sendable, CaseIterable, Hashable {
    /// OpenAI Chat Completions and every OpenAI-compatible server (Azure OpenAI included).
    case openAI = "openai"
    /// Anthropic Messages (also Claude on Vertex AI).
    case anthropic
    /// Google `generateContent` (Gemini API and Vertex AI).
    case gemini

    /// The name used in logs and error messages.
    public var displayName: String {
        switch self {
        case .openAI: "OpenAI"
        case .anthropic: "Anthropic"
        case .gemini: "Gemini"
        }
    }
}

/// An opaque value one family issued and only that family may read back: Anthropic thinking
/// signatures, Gemini thought signatures. Replayed byte for byte to the family that produced it,
/// never to another (signatures are not portable).
public struct ProviderSignature: Sendable, Equatable {
    /// The family that produced the value.
    public var family: WireFamily
    /// The value exactly as received.
    public var value: String

    /// Creates a signature from `family`.
    public init(family: WireFamily, value: String) {
        self.family = family
        self.value = value
    }
}

/// A request field the canonical model does not express, addressed to the family that understands it.
///
/// Decoders record every field they do not map. An encoder for `family` writes the field verbatim;
/// an encoder for another family treats it as an unsupported parameter: dropped when `drop_params` is
/// on (or when ``droppable`` says the field is advisory), otherwise a 400 naming ``name``.
public struct ProviderExtra: Sendable, Equatable {
    /// The family whose wire format names this field.
    public var family: WireFamily
    /// The top-level field name as the client sent it (also the name reported in a 400).
    public var name: String
    /// The value as sent.
    public var value: JSONValue
    /// Advisory fields (OpenAI `store`, `metadata`, `service_tier`, ...) that other families
    /// silently ignore, as the reference mapping prescribes.
    public var droppable: Bool

    /// Creates an extra.
    public init(family: WireFamily, name: String, value: JSONValue, droppable: Bool = false) {
        self.family = family
        self.name = name
        self.value = value
        self.droppable = droppable
    }
}
