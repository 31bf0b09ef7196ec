/// A YAML value kept as-is: `litellm_params` keys Routero does not interpret yet and
/// `model_info` entries. Scalars keep their text and a coarse kind so later issues can forward
/// them (e.g. default `temperature`) without reparsing the file.
public indirect enum ConfigValue: Sendable, Equatable {
    /// `null`, `~` or an empty value.
    case null
    /// `true` / `false` (also YAML 1.1 `yes` / `no` / `on` / `off`).
    case bool(Bool)
    /// An integer or decimal number, as written.
    case number(String)
    /// Any other scalar.
    case string(String)
    /// A sequence.
    case list([ConfigValue])
    /// A mapping, in file order.
    case map([ConfigEntry])

    /// The scalar text, for `.string` and `.number`.
    public var stringValue: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }
}

/// One kept-but-unused key (see ``Deployment/extraParams`` and ``Deployment/modelInfo``).
public struct ConfigEntry: Sendable, Equatable {
    /// The key as written.
    public var key: String
    /// Its value.
    public var value: ConfigValue

    /// Creates an entry.
    public init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}
