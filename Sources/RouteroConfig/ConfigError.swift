/// A configuration problem that stops the gateway from starting.
///
/// The description names the key path and, when known, the line, e.g.
/// `model_list[2].litellm_params.rpm: expected a non-negative integer, got "abc" (line 14)`.
/// Messages never contain secret values.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path of the offending value (`server.max_body_bytes`, `model_list[0].model_name`);
    /// empty for whole-document problems such as YAML syntax errors.
    public let keyPath: String
    /// What is wrong, without the key path or line.
    public let message: String
    /// 1-based line in the YAML file, when the problem is tied to a node.
    public let line: Int?

    /// Creates an error.
    /// - Parameters:
    ///   - keyPath: the dotted key path of the offending value.
    ///   - message: what is wrong (must not contain secrets).
    ///   - line: 1-based YAML line, if known.
    public init(keyPath: String, message: String, line: Int? = nil) {
        self.keyPath = keyPath
        self.message = message
        self.line = line
    }

    /// `keyPath: message (line N)`.
    public var description: String {
        var text = keyPath.isEmpty ? message : "\(keyPath): \(message)"
        if let line { text += " (line \(line))" }
        return text
    }
}
