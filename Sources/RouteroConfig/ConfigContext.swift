import Yams

/// State shared by the schema parsers while one file is loaded: the environment used for
/// `os.environ/NAME`, and the warnings / not-yet-active key paths collected so far.
final class ConfigContext {
    /// Process environment, with LiteLLM `environment_variables` merged over it once parsed.
    var environment: [String: String]
    private(set) var warnings: [String] = []
    private(set) var notYetActive: [String] = []
    /// Secrets written as literal text, `path (line N)` each: reported in one warning.
    private(set) var literalSecrets: [String] = []
    /// Model group names parsed so far (fallback rules must name one of them).
    var groupNames: [String] = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// Records `path: message (line N)`.
    func warn(_ path: String, _ message: String, line: Int?) {
        warnings.append(ConfigError(keyPath: path, message: message, line: line).description)
    }

    /// Records a secret written literally in the file.
    func noteLiteralSecret(_ path: String, line: Int?) {
        literalSecrets.append(line.map { "\(path) (line \($0))" } ?? path)
    }

    /// All warnings, with the literal secrets folded into one line that lists their keys.
    var allWarnings: [String] {
        guard !literalSecrets.isEmpty else { return warnings }
        return warnings + ["secrets written literally in the config (prefer os.environ/NAME or file:/path): "
                           + literalSecrets.joined(separator: ", ")]
    }

    /// Records a key path that is parsed and validated but implemented by a later issue.
    func markNotYetActive(_ path: String) {
        if !notYetActive.contains(path) { notYetActive.append(path) }
    }

    /// Whether `model` names a configured group, exactly or through a wildcard pattern.
    func isKnownModel(_ model: String) -> Bool {
        groupNames.contains { $0 == model || ($0.contains("*") && ModelGroup.captures(pattern: $0, model: model) != nil) }
    }

    // MARK: scalars

    /// A scalar's text, after resolving an `os.environ/NAME` reference (LiteLLM allows those in
    /// any value). `origin` names the variable for error messages.
    func scalar(_ node: Node, at path: String, expected: String, resolveEnv: Bool = true)
        throws(ConfigError) -> (text: String, origin: String?, plain: Bool)
    {
        guard let scalar = node.scalar else {
            throw ConfigError(keyPath: path, message: "expected \(expected), got \(YAMLText.rendered(node))",
                              line: node.mark?.line)
        }
        guard resolveEnv, let name = Self.envReference(scalar.string) else {
            return (scalar.string, nil, scalar.style == .plain)
        }
        return (try lookup(name, at: path, line: node.mark?.line), "os.environ/\(name)", true)
    }

    /// The variable name of an `os.environ/NAME` reference, if the text is one.
    static func envReference(_ text: String) -> String? {
        let prefix = "os.environ/"
        guard text.hasPrefix(prefix) else { return nil }
        return String(text.dropFirst(prefix.count))
    }

    /// A variable from the (merged) environment; unset or empty is an error naming the key.
    func lookup(_ name: String, at path: String, line: Int?) throws(ConfigError) -> String {
        guard !name.isEmpty else {
            throw ConfigError(keyPath: path, message: "os.environ/ needs a variable name", line: line)
        }
        guard let value = environment[name] else {
            throw ConfigError(keyPath: path, message: "environment variable \(name) is not set", line: line)
        }
        return value
    }

    private func invalid(_ node: Node, _ path: String, _ expected: String,
                         _ value: (text: String, origin: String?, plain: Bool)) -> ConfigError
    {
        var got = YAMLText.quoted(value.text, plain: value.plain && value.origin == nil)
        if let origin = value.origin { got += " (from \(origin))" }
        return ConfigError(keyPath: path, message: "expected \(expected), got \(got)", line: node.mark?.line)
    }

    /// A string (any scalar's text).
    func string(_ node: Node, at path: String, resolveEnv: Bool = true, allowEmpty: Bool = false)
        throws(ConfigError) -> String
    {
        let value = try scalar(node, at: path, expected: "a string", resolveEnv: resolveEnv)
        if !allowEmpty && value.text.isEmpty { throw invalid(node, path, "a non-empty string", value) }
        return value.text
    }

    /// One of a fixed set of strings.
    func choice(_ node: Node, at path: String, from allowed: [String]) throws(ConfigError) -> String {
        let value = try scalar(node, at: path, expected: "a string")
        guard allowed.contains(value.text) else {
            throw invalid(node, path, "one of \(allowed.joined(separator: ", "))", value)
        }
        return value.text
    }

    /// An integer within `range`; `expected` describes the range ("a non-negative integer").
    func int(_ node: Node, at path: String, in range: ClosedRange<Int>, expected: String)
        throws(ConfigError) -> Int
    {
        let value = try scalar(node, at: path, expected: expected)
        guard let number = ScalarParsing.int(value.text), range.contains(number) else {
            throw invalid(node, path, expected, value)
        }
        return number
    }

    /// A finite number `> 0` (or `>= 0` when `allowZero`).
    func number(_ node: Node, at path: String, allowZero: Bool = false) throws(ConfigError) -> Double {
        let expected = allowZero ? "a non-negative number" : "a positive number"
        let value = try scalar(node, at: path, expected: expected)
        guard let number = Double(value.text), number.isFinite, allowZero ? number >= 0 : number > 0 else {
            throw invalid(node, path, expected, value)
        }
        return number
    }

    /// A duration in seconds: a number `> 0` (or `>= 0` when `allowZero`) of at most a year, so
    /// a typo such as `1e30` is an error here instead of a conversion trap on the request path.
    func seconds(_ node: Node, at path: String, allowZero: Bool = false) throws(ConfigError) -> Double {
        let value = try number(node, at: path, allowZero: allowZero)
        guard value <= Self.maxSeconds else {
            throw ConfigError(keyPath: path, message: "expected at most \(Int(Self.maxSeconds)) seconds", line: node.mark?.line)
        }
        return value
    }

    static let maxSeconds = 31_536_000.0

    /// A short identifier: 1-64 characters of `[A-Za-z0-9._-]` (it travels in HTTP headers).
    func identifier(_ node: Node, at path: String) throws(ConfigError) -> String {
        let value = try scalar(node, at: path, expected: "an identifier")
        let ok = !value.text.isEmpty && value.text.utf8.count <= 64 && value.text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard ok else { throw invalid(node, path, "1-64 characters of A-Z a-z 0-9 . _ -", value) }
        return value.text
    }

    /// A boolean (`true`/`false`, YAML 1.1 `yes`/`no`/`on`/`off`).
    func bool(_ node: Node, at path: String) throws(ConfigError) -> Bool {
        let value = try scalar(node, at: path, expected: "true or false")
        guard let flag = ScalarParsing.bool(value.text) else { throw invalid(node, path, "true or false", value) }
        return flag
    }

    /// A list of non-empty strings (a single string is not accepted: it is usually a mistake).
    func stringList(_ node: Node, at path: String) throws(ConfigError) -> [String] {
        guard let sequence = node.sequence else {
            throw ConfigError(keyPath: path, message: "expected a list of strings, got \(YAMLText.rendered(node))",
                              line: node.mark?.line)
        }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            result.append(try string(item, at: "\(path)[\(index)]", resolveEnv: false))
        }
        return result
    }

    /// An `extra_headers` mapping of header name to string value, in file order.
    func headers(_ node: Node, at path: String) throws(ConfigError) -> [HeaderField] {
        let map = try YAMLMap(node, path: path)
        var result: [HeaderField] = []
        for (name, value) in map.entries {
            guard ScalarParsing.isHeaderName(name) else {
                throw ConfigError(keyPath: map.child(name), message: "not a valid HTTP header name",
                                  line: value.mark?.line)
            }
            let text = try string(value, at: map.child(name), allowEmpty: true)
            guard !text.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw ConfigError(keyPath: map.child(name), message: "header values must not contain line breaks",
                                  line: value.mark?.line)
            }
            result.append(HeaderField(name: name, value: text))
        }
        return result
    }
}

/// Text-to-value rules shared by the readers.
enum ScalarParsing {
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// Decimal integers, also written as a whole float (`600.0`) as YAML emitters sometimes do.
    static func int(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        if let value = Double(text), value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        return nil
    }

    /// RFC 9110 token characters.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
