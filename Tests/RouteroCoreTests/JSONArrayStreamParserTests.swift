import Testing
import RouteroCore

/// A streamed array and the elements it must produce.
struct ArrayFixture: Sendable, CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    let elements: [String]
    let closed: Bool
    var description: String { name }

    init(_ name: String, _ text: String, _ elements: [String], closed: Bool = true) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.elements = elements
        self.closed = closed
    }
}

let arrayFixtures: [ArrayFixture] = [
    ArrayFixture("google framing", "[{\"a\":1}\n,\r\n{\"b\":[2,3]}\n]", [#"{"a":1}"#, #"{"b":[2,3]}"#]),
    ArrayFixture("strings holding structure", #"[{"t":"] } , [ {"},{"u":"\"]\"}"}]"#,
                 [#"{"t":"] } , [ {"}"#, #"{"u":"\"]\"}"}"#]),
    ArrayFixture("escapes", #"[{"e":"\\"},{"f":"\\\""},{"g":"\u005d\n"}]"#,
                 [#"{"e":"\\"}"#, #"{"f":"\\\""}"#, #"{"g":"\u005d\n"}"#]),
    ArrayFixture("multibyte utf-8", "[{\"x\":\"é中😀]\"} , {\"y\":\"🚀\"}]", ["{\"x\":\"é中😀]\"}", "{\"y\":\"🚀\"}"]),
    ArrayFixture("nested objects and arrays", #"[ {"a":{"b":{"c":[{"d":[]}]}}} ,[1,[2]] ]"#,
                 [#"{"a":{"b":{"c":[{"d":[]}]}}}"#, "[1,[2]]"]),
    ArrayFixture("scalars", "[1, -2.5e3 ,true,null,\"s,]\" , false]", ["1", "-2.5e3", "true", "null", "\"s,]\"", "false"]),
    ArrayFixture("empty array with whitespace", " \r\n[ \n ] \r\n", []),
    ArrayFixture("truncated mid element", "[{\"a\":1},\r\n{\"b\":\"unfinished", [#"{"a":1}"#], closed: false),
    ArrayFixture("truncated before the bracket", "[{\"a\":1}\n", [#"{"a":1}"#], closed: false),
]

@Suite("Streamed JSON array framing")
struct JSONArrayStreamParserTests {
    static func parse(_ chunks: [ArraySlice<UInt8>]) throws -> (elements: [String], closed: Bool) {
        var parser = JSONArrayStreamParser()
        var elements: [String] = []
        for chunk in chunks {
            elements += try parser.feed(Array(chunk)).map { String(decoding: $0, as: UTF8.self) }
        }
        return (elements, parser.closed)
    }

    @Test(arguments: arrayFixtures)
    func wholeFeed(_ fixture: ArrayFixture) throws {
        let result = try Self.parse([fixture.bytes[...]])
        #expect(result.elements == fixture.elements)
        #expect(result.closed == fixture.closed)
    }

    @Test(arguments: arrayFixtures)
    func everySplitPointGivesTheSameElements(_ fixture: ArrayFixture) throws {
        let bytes = fixture.bytes
        for split in 0...bytes.count {
            let result = try Self.parse([bytes[..<split], bytes[split...]])
            #expect(result.elements == fixture.elements, "split at \(split)")
            #expect(result.closed == fixture.closed, "split at \(split)")
        }
    }

    @Test(arguments: arrayFixtures)
    func everyPairOfSplitPoints(_ fixture: ArrayFixture) throws {
        let bytes = fixture.bytes
        var failures = 0
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let result = try Self.parse([bytes[..<first], bytes[first..<second], bytes[second...]])
                if result.elements != fixture.elements || result.closed != fixture.closed { failures += 1 }
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: arrayFixtures)
    func byteByByte(_ fixture: ArrayFixture) throws {
        let result = try Self.parse(fixture.bytes.indices.map { fixture.bytes[$0...$0] })
        #expect(result.elements == fixture.elements)
    }

    @Test func elementsComeOutAsSoonAsTheirClosingBraceArrives() throws {
        var parser = JSONArrayStreamParser()
        #expect(try parser.feed(Array("[{\"a\":\"}".utf8)).isEmpty)
        #expect(parser.opened)
        #expect(try parser.feed(Array("\"".utf8)).isEmpty)
        #expect(try parser.feed(Array("}".utf8)) == [Array(#"{"a":"}"}"#.utf8)])
        #expect(!parser.closed)
        #expect(try parser.feed(Array("\n]".utf8)).isEmpty)
        #expect(parser.closed)
        #expect(parser.elementCount == 1)
    }

    @Test func parsedValues() throws {
        var parser = JSONArrayStreamParser()
        let values = try parser.feedValues(Array(#"[{"n":1.50,"s":"é"}, [true]]"#.utf8))
        #expect(values == [["n": .number("1.50"), "s": "é"], [true]])
    }

    @Test func bufferedBytesCountsTheOpenElementAndResets() throws {
        var parser = JSONArrayStreamParser()
        _ = try parser.feed(Array("[{\"abc\":".utf8))
        #expect(parser.bufferedBytes == 7)
        _ = try parser.feed(Array("12".utf8))
        #expect(parser.bufferedBytes == 9)
        _ = try parser.feed(Array("}".utf8))
        #expect(parser.bufferedBytes == 0)
    }

    @Test(arguments: [
        ("{\"a\":1}", "expected '[' to open a streamed JSON array", 0),
        ("data: {}", "expected '[' to open a streamed JSON array", 0),
        ("[{}{}]", "expected ',' or ']' after an array element", 3),
        ("[,{}]", "unexpected character at the start of an array element", 1),
        ("[{},]", "trailing comma before ']'", 4),
        ("[{}] x", "unexpected data after the closing ']'", 5),
        ("[{}]]", "unexpected data after the closing ']'", 4),
    ])
    func nonArrayInputIsRejected(_ text: String, _ reason: String, _ offset: Int) {
        var parser = JSONArrayStreamParser()
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try parser.feed(Array(text.utf8)) }
    }

    @Test func errorOffsetsCountFromTheStreamStart() {
        var parser = JSONArrayStreamParser()
        #expect(throws: JSONParseError(offset: 7, reason: "expected ',' or ']' after an array element")) {
            _ = try parser.feed(Array("[{}".utf8))
            _ = try parser.feed(Array(" \n  x".utf8))
        }
    }

    @Test func invalidElementsFailWhenParsed() {
        var parser = JSONArrayStreamParser()
        #expect(throws: JSONParseError.self) { try parser.feedValues(Array("[{\"a\":}]".utf8)) }
    }
}
