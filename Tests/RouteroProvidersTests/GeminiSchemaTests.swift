import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini schema conversion")
struct GeminiSchemaTests {
    func convert(_ schema: String) -> JSONValue { GeminiSchema.fromJSONSchema(json(schema)) }

    @Test func typesUppercaseUnsupportedKeywordsDropped() {
        let out = convert("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"T","type":"object",
             "strict":true,"additionalProperties":false,"description":"d",
             "properties":{"n":{"type":"integer","minimum":1,"exclusiveMaximum":9,"multipleOf":2,"format":"int32"},
                           "s":{"type":"string","format":"uri","minLength":1,"pattern":"^a","examples":["a"]},
                           "d":{"type":"string","format":"date-time"},
                           "f":{"type":"number","format":"decimal","default":1.5},
                           "tags":{"type":"array","items":{"type":"string"},"minItems":1,"prefixItems":[{"type":"string"}]}},
             "required":["n","missing"]}
            """)
        #expect(out == json("""
            {"type":"OBJECT","title":"T","description":"d",
             "properties":{"n":{"type":"INTEGER","format":"int32","minimum":1},
                           "s":{"type":"STRING","minLength":1,"pattern":"^a"},
                           "d":{"type":"STRING","format":"date-time"},
                           "f":{"type":"NUMBER","default":1.5},
                           "tags":{"type":"ARRAY","minItems":1,"items":{"type":"STRING"}}},
             "required":["n"],"propertyOrdering":["n","s","d","f","tags"]}
            """))
    }

    @Test func refsAreInlinedWithSiblingKeys() {
        let out = convert("""
            {"type":"object","properties":{
               "home":{"$ref":"#/$defs/Address","description":"Where they live"},
               "work":{"$ref":"#/definitions/Address"},
               "list":{"type":"array","items":{"$ref":"#/$defs/Alias"}}},
             "$defs":{"Address":{"type":"object","description":"An address","properties":{"city":{"type":"string"}}},
                      "Alias":{"$ref":"#/$defs/Address"}},
             "definitions":{"Address":{"type":"string"}}}
            """)
        #expect(out["properties"]?["home"] == json(#"{"type":"OBJECT","description":"Where they live","properties":{"city":{"type":"STRING"}}}"#))
        #expect(out["properties"]?["work"] == json(#"{"type":"STRING"}"#))
        #expect(out["properties"]?["list"]?["items"] == json(#"{"type":"OBJECT","description":"An address","properties":{"city":{"type":"STRING"}}}"#))
    }

    @Test func recursiveRefsAreCut() {
        let out = convert("""
            {"$ref":"#/$defs/Node","$defs":{"Node":{"type":"object","properties":{
               "value":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/Node","description":"child"}}}}}}
            """)
        #expect(out["type"] == "OBJECT")
        #expect(out["properties"]?["children"]?["items"] == json(#"{"type":"OBJECT","description":"child"}"#))
    }

    @Test func unknownRefsLeaveAnUnconstrainedSchema() {
        #expect(convert(#"{"type":"object","properties":{"x":{"$ref":"https://example.com/s.json"}}}"#)
                == json(#"{"type":"OBJECT","properties":{"x":{}}}"#))
    }

    @Test func nullableUnions() {
        #expect(convert(#"{"anyOf":[{"type":"integer"},{"type":"null"}],"description":"n"}"#)
                == json(#"{"type":"INTEGER","description":"n","nullable":true}"#))
        #expect(convert(##"{"oneOf":[{"type":"null"},{"$ref":"#/$defs/A"}],"$defs":{"A":{"type":"string","enum":["a","b"]}}}"##)
                == json(#"{"type":"STRING","enum":["a","b"],"nullable":true}"#))
        #expect(convert(#"{"type":["string","null"]}"#) == json(#"{"type":"STRING","nullable":true}"#))
        #expect(convert(#"{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}"#)
                == json(#"{"nullable":true,"anyOf":[{"type":"STRING"},{"type":"INTEGER"}]}"#))
        #expect(convert(#"{"type":["string","number"]}"#) == json(#"{"anyOf":[{"type":"STRING"},{"type":"NUMBER"}]}"#))
        #expect(convert(#"{"type":"null"}"#) == json(#"{"nullable":true}"#))
    }

    @Test func enumsAndConstants() {
        #expect(convert(#"{"const":"only"}"#) == json(#"{"type":"STRING","enum":["only"]}"#))
        #expect(convert(#"{"type":"integer","enum":[1,2,null]}"#) == json(#"{"type":"STRING","enum":["1","2"],"nullable":true}"#))
        #expect(convert(#"{"type":"string","enum":["x"],"format":"enum"}"#) == json(#"{"type":"STRING","format":"enum","enum":["x"]}"#))
    }

    @Test func objectRulesOnlyOnObjects() {
        // MCP servers send `properties`/`required` on non-objects; Gemini rejects them there.
        #expect(convert(#"{"type":"string","properties":{"a":{"type":"string"}},"required":["a"]}"#) == json(#"{"type":"STRING"}"#))
        // An object with no properties leaves out the empty map Gemini rejects.
        #expect(convert(#"{"type":"object","properties":{},"required":[]}"#) == json(#"{"type":"OBJECT"}"#))
        #expect(convert(#"{"type":"object","additionalProperties":{"type":"string"}}"#) == json(#"{"type":"OBJECT"}"#))
        // Untyped but shaped schemas get the type their keywords need.
        #expect(convert(#"{"properties":{"a":{"type":"boolean"}}}"#) == json(#"{"type":"OBJECT","properties":{"a":{"type":"BOOLEAN"}}}"#))
        #expect(convert(#"{"items":{"type":"number"}}"#) == json(#"{"type":"ARRAY","items":{"type":"NUMBER"}}"#))
    }

    @Test func allOfIsMerged() {
        #expect(convert(#"{"allOf":[{"type":"object","properties":{"a":{"type":"string"}}}],"description":"x"}"#)
                == json(#"{"type":"OBJECT","description":"x","properties":{"a":{"type":"STRING"}}}"#))
    }

    @Test func explicitPropertyOrderingIsKept() {
        let out = convert(#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"propertyOrdering":["b","a"]}"#)
        #expect(out["propertyOrdering"] == ["b", "a"])
    }

    @Test func deepSchemasAreCut() {
        var text = #"{"type":"string"}"#
        for _ in 0..<100 { text = #"{"type":"array","items":"# + text + "}" }
        var depth = 0
        var node = convert(text)
        while let items = node["items"] { depth += 1; node = items }
        #expect(depth < 70)
    }

    @Test func geminiSchemaBackToJSONSchema() {
        let out = GeminiSchema.toJSONSchema(json("""
            {"type":"OBJECT","propertyOrdering":["a","b"],"properties":{
               "a":{"type":"STRING","nullable":true,"format":"enum","enum":["x"]},
               "b":{"type":"ARRAY","items":{"type":"INTEGER"}},
               "c":{"anyOf":[{"type":"STRING"}],"nullable":true}},"required":["a"]}
            """))
        #expect(out == json("""
            {"type":"object","properties":{
               "a":{"type":["string","null"],"enum":["x"]},
               "b":{"type":"array","items":{"type":"integer"}},
               "c":{"anyOf":[{"type":"string"},{"type":"null"}]}},"required":["a"]}
            """))
    }
}
