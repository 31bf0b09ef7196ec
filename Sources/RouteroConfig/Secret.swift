/// A secret value (API key, master key, Redis password) together with where it came from.
///
/// The value is only reachable through ``value``; every textual representation (`description`,
/// `debugDescription`, `dump`, string interpolation) shows the source, never the value, so a
/// configuration can be logged or printed without leaking credentials.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself. Never log it.
    public let value: String
    /// Where the value came from, e.g. `env ROUTERO_MASTER_KEY`, `file /run/secrets/key`,
    /// `literal in config`, `redis URL`. Safe to log.
    public let source: String

    /// Creates a secret.
    /// - Parameters:
    ///   - value: the secret text.
    ///   - source: a human-readable origin that does not contain the secret.
    public init(value: String, source: String) {
        self.value = value
        self.source = source
    }

    /// A redacted description: `<secret from SOURCE>`.
    public var description: String { "<secret from \(source)>" }
    /// Same as ``description``: debug printing must not reveal the value either.
    public var debugDescription: String { description }
    /// A mirror without children, so `dump(secret)` and reflection-based printing stay redacted.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
