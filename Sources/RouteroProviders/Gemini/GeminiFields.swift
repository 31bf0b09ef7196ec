package import RouteroCore

extension JSONObject {
    /// A Gemini field by its camelCase name, or by its snake_case spelling: proto-JSON parsers accept
    /// both on input (`inlineData` / `inline_data`), so Gemini clients send either. Output is always
    /// camelCase.
    package subscript(gemini camel: String) -> JSONValue? {
        if let value = self[camel] { return value }
        let snake = GeminiFieldName.snakeCase(camel)
        return snake == camel ? nil : self[snake]
    }
}

/// Field-name spelling rules of proto-JSON.
package enum GeminiFieldName {
    /// `inlineData` → `inline_data`.
    package static func snakeCase(_ camel: String) -> String {
        var out = ""
        for character in camel {
            if character.isUppercase {
                out.append("_")
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// `inline_data` → `inlineData` (names without underscores are unchanged).
    package static func camelCase(_ name: String) -> String {
        guard name.contains("_") else { return name }
        var out = ""
        var upper = false
        for character in name {
            if character == "_" {
                upper = !out.isEmpty
            } else {
                out.append(contentsOf: upper ? character.uppercased() : String(character))
                upper = false
            }
        }
        return out
    }
}
