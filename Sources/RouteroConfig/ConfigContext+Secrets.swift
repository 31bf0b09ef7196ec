import Yams

extension ConfigContext {
    /// A secret value. Accepted forms:
    /// - `os.environ/NAME`: read from the (merged) environment; unset or empty is an error;
    /// - `file:/path`: the file's contents without trailing line breaks (Docker/systemd secrets);
    /// - anything else: the literal text, accepted with a warning because it ends up in files
    ///   and version control.
    ///
    /// Error messages never include the value.
    func secret(_ node: Node, at path: String) throws(ConfigError) -> Secret {
        let line = node.mark?.line
        guard let scalar = node.scalar else {
            throw ConfigError(keyPath: path, message: "expected a string, got \(YAMLText.rendered(node))", line: line)
        }
        let text = scalar.string
        if let name = Self.envReference(text) {
            let value = try lookup(name, at: path, line: line)
            guard !value.isEmpty else {
                throw ConfigError(keyPath: path, message: "environment variable \(name) is empty", line: line)
            }
            return Secret(value: value, source: "env \(name)")
        }
        if text.hasPrefix("file:") {
            let file = String(text.dropFirst("file:".count))
            guard file.hasPrefix("/") else {
                throw ConfigError(keyPath: path, message: "file: secrets need an absolute path", line: line)
            }
            let contents: String
            switch FileReading.readText(path: file, limit: 64 * 1024) {
            case .success(let text): contents = text
            case .failure(let error):
                throw ConfigError(keyPath: path, message: "cannot read secret file \(file): \(error.reason)", line: line)
            }
            let value = String(contents.reversed().drop { $0 == "\n" || $0 == "\r" }.reversed())
            guard !value.isEmpty else {
                throw ConfigError(keyPath: path, message: "secret file \(file) is empty", line: line)
            }
            return Secret(value: value, source: "file \(file)")
        }
        guard !text.isEmpty else {
            throw ConfigError(keyPath: path, message: "expected a non-empty secret", line: line)
        }
        noteLiteralSecret(path, line: line)
        return Secret(value: text, source: "literal in config")
    }
}
