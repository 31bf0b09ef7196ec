import Yams

/// A YAML mapping being read by a schema parser: duplicate keys are rejected up front, `<<`
/// merge keys are flattened, and every key the parser never asks for becomes an
/// "unknown key" warning, so typos are visible instead of silently ignored.
struct YAMLMap {
    /// Key path of the mapping itself (empty for the document root).
    let path: String
    /// 1-based line of the mapping.
    let line: Int?
    /// Entries in file order (merged entries after explicit ones).
    private(set) var entries: [(key: String, value: Node)] = []
    private var used: Set<String> = []

    init(_ node: Node, path: String) throws(ConfigError) {
        self.path = path
        self.line = node.mark?.line
        guard let mapping = node.mapping else {
            throw ConfigError(keyPath: path, message: "expected a mapping, got \(YAMLText.rendered(node))", line: line)
        }
        var seen: Set<String> = []
        var merged: [(key: String, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw ConfigError(keyPath: path, message: "mapping keys must be plain strings", line: keyNode.mark?.line)
            }
            if key == "<<", keyNode.scalar?.style == .plain {
                // YAML merge key (`<<: *defaults`): copy the referenced mapping(s) below.
                let sources = value.sequence.map(Array.init) ?? [value]
                for source in sources {
                    let sub = try YAMLMap(source, path: path)
                    merged.append(contentsOf: sub.entries)
                }
                continue
            }
            guard seen.insert(key).inserted else {
                throw ConfigError(keyPath: child(key), message: "duplicate key", line: keyNode.mark?.line)
            }
            entries.append((key, value))
        }
        for entry in merged where seen.insert(entry.key).inserted {
            entries.append(entry)
        }
    }

    /// Key path of a child key.
    func child(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Whether the key is present (even with a null value). Does not mark it used.
    func has(_ key: String) -> Bool {
        entries.contains { $0.key == key }
    }

    /// The value of `key`, marking it as understood; nil when absent or null (`key:` / `~`).
    mutating func take(_ key: String) -> Node? {
        used.insert(key)
        guard let node = entries.first(where: { $0.key == key })?.value, !YAMLText.isNull(node) else {
            return nil
        }
        return node
    }

    /// The entries never taken (null values included), now marked as taken.
    mutating func takeRemaining() -> [(key: String, value: Node)] {
        let remaining = entries.filter { !used.contains($0.key) }
        for entry in remaining { used.insert(entry.key) }
        return remaining
    }

    /// The keys never taken, with their lines.
    func unusedKeys() -> [(key: String, line: Int?)] {
        entries.filter { !used.contains($0.key) }.map { ($0.key, $0.value.mark?.line) }
    }

    /// Records a warning for every key never taken.
    func warnUnknown(in context: ConfigContext, _ what: String = "unknown key; ignored") {
        for (key, line) in unusedKeys() {
            context.warn(child(key), what, line: line)
        }
    }
}

/// Helpers for rendering and classifying YAML nodes in messages.
enum YAMLText {
    /// True for `~`, `null`, `Null`, `NULL` and empty plain scalars.
    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a value is shown after "got": numbers as written, other scalars quoted (truncated),
    /// containers by kind. Never called on secret values.
    static func rendered(_ node: Node) -> String {
        if node.mapping != nil { return "a mapping" }
        if node.sequence != nil { return "a list" }
        if isNull(node) { return "null" }
        return quoted(node.scalar?.string ?? "", plain: node.scalar?.style == .plain)
    }

    /// A scalar text for messages: bare if it is a plain number or boolean, otherwise quoted.
    static func quoted(_ text: String, plain: Bool) -> String {
        if plain, Double(text) != nil || ["true", "false"].contains(text) { return text }
        let short = text.count > 60 ? text.prefix(57) + "..." : Substring(text)
        return "\"\(short)\""
    }

    /// A node converted to a ``ConfigValue`` (for kept-but-unused keys).
    static func value(_ node: Node) -> ConfigValue {
        if let mapping = node.mapping {
            return .map(mapping.map { ConfigEntry(key: $0.key.scalar?.string ?? "", value: value($0.value)) })
        }
        if let sequence = node.sequence { return .list(sequence.map(value)) }
        if isNull(node) { return .null }
        let text = node.scalar?.string ?? ""
        guard node.scalar?.style == .plain else { return .string(text) }
        if let flag = ScalarParsing.bool(text) { return .bool(flag) }
        if Double(text) != nil { return .number(text) }
        return .string(text)
    }
}
