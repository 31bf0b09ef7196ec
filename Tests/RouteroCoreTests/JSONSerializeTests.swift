import Testing
import RouteroCore

@Suite("JSON serialization")
struct JSONSerializeTests {
    @Test(arguments: [
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0.70,"n":1}"#,
        #"[null,true,false,-0.5e3,"",{},[]]"#,
        #"{"z":{"b":[1,2,{"y":null}],"a":"é中😀"},"unknown_field":{"nested":[1e-7]}}"#,
        #""line\nbreak \"quoted\" back\\slash \u0001 tab\t""#,
    ])
    func roundTripsByteForByte(_ text: String) throws {
        let value = try JSON.parse(text)
        #expect(JSON.string(value) == text)
        #expect(try JSON.parse(JSON.serialize(value)) == value)
    }

    @Test func escapesControlCharacters() {
        let value = JSONValue.string("\"\\\n\r\t\u{8}\u{C}\u{0}\u{1F}/é")
        #expect(JSON.string(value) == #""\"\\\n\r\t\b\f\u0000\u001f/é""#)
    }

    @Test func sortedKeysUseUTF8ByteOrderRecursively() {
        let value: JSONValue = ["b": 1, "a": ["d": true, "c": nil], "é": 2, "Z": 3]
        #expect(JSON.string(value) == #"{"b":1,"a":{"d":true,"c":null},"é":2,"Z":3}"#)
        #expect(JSON.string(value, sortedKeys: true) == #"{"Z":3,"a":{"c":null,"d":true},"b":1,"é":2}"#)
    }

    @Test func keyOrderDoesNotAffectEqualityButDoesAffectBytes() throws {
        let a = try JSON.parse(#"{"x":1,"y":2}"#)
        let b = try JSON.parse(#"{"y":2,"x":1}"#)
        #expect(a == b)
        #expect(JSON.serialize(a) != JSON.serialize(b))
        #expect(JSON.serialize(a, sortedKeys: true) == JSON.serialize(b, sortedKeys: true))
    }

    @Test func literalsAndNumbers() {
        #expect(JSON.string(1.0) == "1")
        #expect(JSON.string(0.25) == "0.25")
        #expect(JSON.string(JSONValue(Double.nan)) == "null")
        #expect(JSON.string(JSONValue(-7)) == "-7")
        #expect(JSON.string(["a", 1, true, nil]) == #"["a",1,true,null]"#)
    }

    @Test func objectMutationKeepsOrder() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = nil
        object["d"] = 4
        object["a"] = 0
        #expect(object.keys == ["a", "c", "d"])
        #expect(object["c"] == 3)
        let renamed = object.renameKey("c", to: "x")
        #expect(renamed)
        #expect(object.keys == ["a", "x", "d"])
        let merged = object.renameKey("x", to: "d")  // existing "d" wins, "x" is removed
        #expect(merged)
        #expect(object.keys == ["a", "d"])
        #expect(object["d"] == 4)
        let missing = object.renameKey("missing", to: "y")
        #expect(!missing)
        #expect(object.count == 2)
        #expect(object.map(\.key) == ["a", "d"])
    }
}
