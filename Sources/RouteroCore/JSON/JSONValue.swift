/// A JSON value as the gateway sees it.
///
/// Numbers keep the literal text the client wrote (`"1"`, `"-0.5e3"`, `"1.000"`), so a body can be
/// forwarded upstream without the value changing through a `Double` round trip (large integer seeds and
/// token ids would otherwise lose precision).
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, stored as its literal text. The text is emitted verbatim by ``JSON/serialize(_:sortedKeys:)``,
    /// so callers that build one by hand must pass valid JSON number syntax (prefer ``init(_:)-(Int)``).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with insertion-ordered keys.
    case object(JSONObject)

    /// A number value from an integer.
    public init(_ int: Int) { self = .number(String(int)) }

    /// A number value from a double; non-finite values (which JSON cannot express) become `null`.
    public init(_ double: Double) {
        self = double.isFinite ? .number(JSONValue.literal(for: double)) : .null
    }

    /// The shortest JSON literal for a finite double: integral values are written without a fraction
    /// (`1` rather than `1.0`) because several providers validate integer parameters strictly.
    static func literal(for double: Double) -> String {
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return String(double)
    }
}

extension JSONValue {
    /// The string payload, or `nil` when this is not a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number as an `Int` when it is integral and in range (`"3"`, `"3.0"`, `"3e0"`), else `nil`.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let exact = Int(text) { return exact }
        guard let d = Double(text), d == d.rounded(), d >= -9.2e18, d <= 9.2e18 else { return nil }
        return Int(d)
    }

    /// The number as a `Double`, or `nil` when this is not a number.
    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// The boolean payload, or `nil` when this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object payload, or `nil` when this is not an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array payload, or `nil` when this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup when this is an object; `nil` otherwise or when the key is absent.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// A string value from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// A number value from an integer literal.
    public init(integerLiteral value: Int) { self.init(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// A number value from a float literal.
    public init(floatLiteral value: Double) { self.init(value) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// A boolean value from a literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// An array value from a literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// An object value from a literal; keys keep their written order, and a repeated key keeps its first
    /// position with the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// `null` from a `nil` literal.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of this value.
    public var description: String { JSON.string(self) }
}
