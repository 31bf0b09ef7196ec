/// A JSON object that keeps its keys in insertion order.
///
/// Order matters to a gateway: forwarding a client's body with its fields in the order they were
/// written keeps upstream logs, cache keys (unless sorted on purpose) and diffs readable. Lookups are
/// O(1) through a key → position index kept beside the ordered storage.
///
/// Equality is JSON equality: two objects are equal when they have the same keys with equal values,
/// regardless of key order (compare ``JSON/serialize(_:sortedKeys:)`` output when order matters).
public struct JSONObject: Sendable, Equatable, Sequence {
    /// One member of the object.
    public typealias Element = (key: String, value: JSONValue)

    private var storage: [Element] = []
    private var index: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object from ordered pairs. A repeated key keeps its first position and its last value
    /// (the same rule ``JSON/parse(_:maxDepth:)`` applies to duplicate keys).
    public init(_ pairs: [(String, JSONValue)]) {
        storage.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// The value for `key`; assigning `nil` removes the member, assigning a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = index[key] else { return nil }
            return storage[position].value
        }
        set {
            if let newValue {
                if let position = index[key] {
                    storage[position].value = newValue
                } else {
                    index[key] = storage.count
                    storage.append((key, newValue))
                }
            } else if let position = index.removeValue(forKey: key) {
                storage.remove(at: position)
                // Removal shifts later members left; re-point their index entries.
                for later in position..<storage.count { index[storage[later].key] = later }
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { storage.map(\.key) }

    /// The number of members.
    public var count: Int { storage.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { storage.isEmpty }

    /// Whether `key` is present.
    public func contains(_ key: String) -> Bool { index[key] != nil }

    /// Renames `old` to `new` in place, keeping the member's position. If `new` already exists, the
    /// existing `new` member wins and `old` is removed. Returns whether `old` was present.
    @discardableResult
    public mutating func renameKey(_ old: String, to new: String) -> Bool {
        guard old != new, let position = index[old] else { return index[old] != nil }
        if index[new] != nil {
            self[old] = nil
            return true
        }
        index.removeValue(forKey: old)
        index[new] = position
        storage[position].key = new
        return true
    }

    /// Iterates members in insertion order.
    public func makeIterator() -> IndexingIterator<[Element]> { storage.makeIterator() }

    /// JSON equality: same keys, equal values, order ignored.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        for (key, value) in lhs.storage where rhs[key] != value { return false }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal, keys in written order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
