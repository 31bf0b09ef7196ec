import Testing
import RouteroCore

@Suite("JSON parsing")
struct JSONParseTests {
    @Test func parsesScalarsAndKeepsNumberText() throws {
        #expect(try JSON.parse("null") == .null)
        #expect(try JSON.parse(" true ") == .bool(true))
        #expect(try JSON.parse("false") == .bool(false))
        #expect(try JSON.parse("\"hi\"") == .string("hi"))
        for literal in ["0", "-0", "1", "-12", "1.5", "-0.5e3", "1E+2", "1e-7", "123456789012345678901234567890"] {
            #expect(try JSON.parse(literal) == .number(literal), "\(literal)")
        }
    }

    @Test func objectsKeepOrderAndLastDuplicateWins() throws {
        let value = try JSON.parse(#"{"b":1,"a":[true,null,{"x":"y"}],"b":2}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == .number("2"))
        #expect(object["a"]?.arrayValue?.count == 3)
        #expect(value["a"]?.arrayValue?[2]["x"] == "y")
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try JSON.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try JSON.parse(#""\u00e9\u4e2d""#) == .string("é中"))
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSON.parse("\"é中😀\"") == .string("é中😀"))
        // Lone surrogates cannot live in a Swift String: documented as U+FFFD.
        #expect(try JSON.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try JSON.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try JSON.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test(arguments: [
        "", " ", "[1,]", "{\"a\":1,}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1", "--1", "-01",
        "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "tru", "nul", "True", "NaN",
        "{\"a\" 1}", "{a:1}", "{\"a\":}", "[", "]", "{", "1 2", "[1]x", "{}}", "'a'", "[1,,2]", "{,}",
    ])
    func rejects(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func rejectsInvalidUTF8AndReportsOffset() {
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
        do {
            _ = try JSON.parse("[1, 2, x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 7)
            #expect(error.description.contains("byte 7"))
        }
    }

    @Test func enforcesMaxDepth() throws {
        let deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(try JSON.parse(Array(deep.utf8), maxDepth: 10) != .null)
        #expect(throws: JSONParseError.self) { try JSON.parse(Array(deep.utf8), maxDepth: 9) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(hostile) }
    }

    @Test func trailingWhitespaceAllowed() throws {
        #expect(try JSON.parse("{} \n\t\r ") == .object(JSONObject()))
    }

    @Test func conveniences() throws {
        let value = try JSON.parse(#"{"n":3,"f":2.5,"e":3e0,"s":"x","b":false,"z":null,"big":1e300}"#)
        #expect(value["n"]?.intValue == 3)
        #expect(value["e"]?.intValue == 3)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["big"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == false)
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.intValue == nil)
    }
}
