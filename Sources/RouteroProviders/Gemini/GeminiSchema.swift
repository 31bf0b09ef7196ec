public import RouteroCore

/// Converts between JSON Schema (what OpenAI and Anthropic clients write for tool parameters and
/// structured output) and Gemini's `Schema`, an OpenAPI 3.0 subset (reference 5.2).
///
/// JSON Schema → Gemini (``fromJSONSchema(_:)``):
/// - `$ref` into `$defs`/`definitions` is inlined (a reference cycle becomes a bare `OBJECT`); sibling
///   keys of a `$ref` (`description`, …) are kept.
/// - `anyOf`/`oneOf` lose their `{"type":"null"}` members, which become `nullable: true`; a single
///   remaining member is merged into the parent. `type: [X, "null"]` is `X` + `nullable`; several
///   non-null types become an `anyOf`. A one-member `allOf` is merged.
/// - Types are written uppercase (`OBJECT`, `STRING`), the spelling of Google's `Type` enum and of the
///   official SDK's requests; the API accepts both cases, uppercase is the documented one.
/// - `const` becomes a one-value `enum`; enum values become strings (Gemini enums are strings only;
///   a non-string enum is typed `STRING`, as the SDK does).
/// - Only keywords of Gemini's Schema survive: `additionalProperties`, `$schema`, `$id`, `strict`,
///   `examples`, `exclusiveMinimum`, `multipleOf`, `prefixItems`, … are dropped; `format` is kept only
///   where Gemini accepts it (`enum`/`date-time` on strings, `float`/`double`, `int32`/`int64`).
/// - `properties`/`required` stay only on objects; `required` names only declared properties; an
///   object with no properties omits the empty map (Gemini rejects an empty `properties`).
/// - Objects with several properties get `propertyOrdering` in declaration order (unless given), so
///   structured output keeps the client's key order instead of Gemini's alphabetical default.
///
/// Gemini → JSON Schema (``toJSONSchema(_:)``) lowercases types and turns `nullable` back into a
/// `null` type, so a Gemini client's schema is valid for OpenAI and Anthropic upstreams.
public enum GeminiSchema {
    /// Keywords of Gemini's `Schema` message.
    static let keywords: Set<String> = [
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties",
        "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf",
        "propertyOrdering", "default", "items", "minimum", "maximum",
    ]

    static let formats: [String: Set<String>] = [
        "STRING": ["enum", "date-time"], "NUMBER": ["float", "double"], "INTEGER": ["int32", "int64"],
    ]

    /// Deeper schemas are cut (the rest becomes an unconstrained object): a hostile schema cannot
    /// exhaust the stack through `$ref` expansion.
    static let maxDepth = 64

    /// A JSON Schema as a Gemini `Schema`.
    public static func fromJSONSchema(_ schema: JSONValue) -> JSONValue {
        guard let root = schema.objectValue else { return .object([:]) }
        var converter = Converter(defs: root["$defs"]?.objectValue ?? [:],
                                  definitions: root["definitions"]?.objectValue ?? [:])
        return .object(converter.convert(root, depth: 0))
    }

    /// A Gemini `Schema` as JSON Schema.
    public static func toJSONSchema(_ schema: JSONValue) -> JSONValue {
        toJSONSchema(schema, depth: 0)
    }

    private static func toJSONSchema(_ schema: JSONValue, depth: Int) -> JSONValue {
        guard var object = schema.objectValue, depth < maxDepth else { return schema }
        let nullable = object["nullable"]?.boolValue == true
        object["nullable"] = nil
        object["propertyOrdering"] = nil
        if object["format"]?.stringValue == "enum" { object["format"] = nil }
        if let type = object["type"]?.stringValue {
            let lowered = type.lowercased()
            if lowered == "type_unspecified" {
                object["type"] = nil
            } else {
                object["type"] = nullable && lowered != "null" ? [.string(lowered), "null"] : .string(lowered)
            }
        } else if nullable, let anyOf = object["anyOf"]?.arrayValue {
            object["anyOf"] = .array(anyOf + [["type": "null"]])
        }
        if let properties = object["properties"]?.objectValue {
            object["properties"] = .object(JSONObject(properties.map { ($0.key, toJSONSchema($0.value, depth: depth + 1)) }))
        }
        if let items = object["items"] { object["items"] = toJSONSchema(items, depth: depth + 1) }
        if let anyOf = object["anyOf"]?.arrayValue {
            object["anyOf"] = .array(anyOf.map { toJSONSchema($0, depth: depth + 1) })
        }
        return .object(object)
    }
}

/// One JSON Schema → Gemini conversion, with the `$defs` (and draft-07 `definitions`) of its root.
private struct Converter {
    let defs: JSONObject
    let definitions: JSONObject
    /// `$ref`s being expanded, to cut cycles.
    var expanding: Set<String> = []

    init(defs: JSONObject, definitions: JSONObject) {
        self.defs = defs
        self.definitions = definitions
    }

    mutating func convert(_ input: JSONObject, depth: Int) -> JSONObject {
        guard depth < GeminiSchema.maxDepth else { return ["type": "OBJECT"] }
        var schema = input
        var inlined: [String] = []
        defer { for name in inlined { expanding.remove(name) } }
        guard inlineReference(&schema, into: &inlined) else { return cycleStandIn(schema) }
        var nullable = schema["nullable"]?.boolValue == true

        // Nullable unions: anyOf/oneOf members of type null become `nullable`.
        for key in ["anyOf", "oneOf"] {
            guard let members = schema[key]?.arrayValue else { continue }
            schema[key] = nil
            var rest: [JSONValue] = []
            for member in members {
                if Self.isNullSchema(member) { nullable = true } else { rest.append(member) }
            }
            if rest.count == 1, var only = rest[0].objectValue {
                guard inlineReference(&only, into: &inlined) else { return cycleStandIn(schema) }
                schema = merged(only, with: schema)
                if schema["nullable"]?.boolValue == true { nullable = true }
            } else if !rest.isEmpty {
                schema["anyOf"] = .array(rest)
            }
        }
        if let all = schema["allOf"]?.arrayValue {
            schema["allOf"] = nil
            for member in all { if let object = member.objectValue { schema = merged(object, with: schema) } }
        }

        // Types: a list of types is a nullable type or a union.
        var type: String?
        switch schema["type"] {
        case .string(let t)?:
            if t.lowercased() == "null" { nullable = true } else { type = t.uppercased() }
        case .array(let types)?:
            let names = types.compactMap(\.stringValue)
            if names.contains(where: { $0.lowercased() == "null" }) { nullable = true }
            let real = names.filter { $0.lowercased() != "null" }
            if real.count == 1 {
                type = real[0].uppercased()
            } else if real.count > 1, schema["anyOf"] == nil {
                var base = schema
                base["type"] = nil
                schema["anyOf"] = .array(real.map { name in
                    var member = base
                    member["type"] = .string(name)
                    return .object(member)
                })
                for key in ["properties", "required", "items", "enum", "format"] { schema[key] = nil }
            }
        default:
            break
        }
        if type == nil, schema["anyOf"] == nil {
            // Untyped but shaped: infer what Gemini needs to accept the keywords.
            if schema["properties"] != nil { type = "OBJECT" } else if schema["items"] != nil { type = "ARRAY" }
        }

        if let constant = schema["const"] {
            schema["const"] = nil
            schema["enum"] = [constant]
        }
        if let values = schema["enum"]?.arrayValue {
            if values.contains(where: \.isNull) { nullable = true }
            let kept = values.filter { !$0.isNull }
            if kept.contains(where: { $0.stringValue == nil }) { type = "STRING" }
            schema["enum"] = kept.isEmpty ? nil : .array(kept.map { .string($0.stringValue ?? JSON.string($0)) })
            if type == nil { type = "STRING" }
        }

        var out = JSONObject()
        for (key, value) in schema where GeminiSchema.keywords.contains(key) {
            switch key {
            case "type", "nullable", "properties", "required", "items", "anyOf", "propertyOrdering", "format":
                continue  // written below, in a fixed order
            default:
                out[key] = value
            }
        }
        var result = JSONObject()
        if let type { result["type"] = .string(type) }
        if let format = schema["format"]?.stringValue, let type, GeminiSchema.formats[type]?.contains(format) == true {
            result["format"] = .string(format)
        }
        for (key, value) in out { result[key] = value }
        if nullable { result["nullable"] = true }

        if let members = schema["anyOf"]?.arrayValue {
            result["anyOf"] = .array(members.compactMap { $0.objectValue }.map { .object(convert($0, depth: depth + 1)) })
        }
        if type == "OBJECT", let properties = schema["properties"]?.objectValue, !properties.isEmpty {
            var converted = JSONObject()
            for (name, value) in properties {
                converted[name] = .object(convert(value.objectValue ?? [:], depth: depth + 1))
            }
            result["properties"] = .object(converted)
            let names = Set(properties.keys)
            let required = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue).filter(names.contains)
            if !required.isEmpty { result["required"] = .array(required.map(JSONValue.string)) }
            if let ordering = schema["propertyOrdering"] {
                result["propertyOrdering"] = ordering
            } else if properties.count > 1 {
                result["propertyOrdering"] = .array(properties.keys.map(JSONValue.string))
            }
        }
        if type == "ARRAY", let items = schema["items"] {
            // Tuple-style `items: [...]` has no Gemini form: the first member stands for all.
            let first = items.arrayValue?.first ?? items
            result["items"] = .object(convert(first.objectValue ?? [:], depth: depth + 1))
        }
        return result
    }

    /// Replaces a local `$ref` in `schema` by the definition it names, the schema's own keys laid over
    /// it; an unknown or remote reference is dropped (the schema stays unconstrained).
    /// - Returns: false when the reference is already being expanded (a cycle).
    private mutating func inlineReference(_ schema: inout JSONObject, into inlined: inout [String]) -> Bool {
        guard let ref = schema["$ref"]?.stringValue else { return true }
        schema["$ref"] = nil
        let definition: JSONValue?
        if ref.hasPrefix("#/$defs/") { definition = defs[String(ref.dropFirst("#/$defs/".count))] }
        else if ref.hasPrefix("#/definitions/") { definition = definitions[String(ref.dropFirst("#/definitions/".count))] }
        else { return true }
        guard let definition = definition?.objectValue else { return true }
        guard !expanding.contains(ref) else { return false }
        expanding.insert(ref)
        inlined.append(ref)
        schema = merged(definition, with: schema)
        return inlineReference(&schema, into: &inlined)  // a definition that is itself a reference
    }

    /// What a recursive reference becomes: an object the model fills freely, keeping the description.
    private func cycleStandIn(_ schema: JSONObject) -> JSONObject {
        var out: JSONObject = ["type": "OBJECT"]
        if let description = schema["description"] { out["description"] = description }
        return out
    }

    /// `base` with the keys of `overlay` laid over it (the referring schema's own description wins).
    private func merged(_ base: JSONObject, with overlay: JSONObject) -> JSONObject {
        var out = base
        for (key, value) in overlay { out[key] = value }
        return out
    }

    private static func isNullSchema(_ value: JSONValue) -> Bool {
        guard let object = value.objectValue else { return false }
        return object["type"]?.stringValue?.lowercased() == "null"
    }
}
