import Testing
import RouteroCore

@Suite("NDJSON framing")
struct NDJSONParserTests {
    static let stream = "{\"a\":\"é中😀\"}\n\r\n  \n{\"b\":[1,2]}\r\n{\"c\":\"\\n\"}"
    static let expected = [#"{"a":"é中😀"}"#, #"{"b":[1,2]}"#, #"{"c":"\n"}"#]

    static func parse(_ chunks: [ArraySlice<UInt8>]) -> [String] {
        var parser = NDJSONParser()
        var lines: [[UInt8]] = []
        for chunk in chunks { lines += parser.feed(Array(chunk)) }
        lines += parser.finish()
        return lines.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func everySplitPointGivesTheSameLines() {
        let bytes = Array(Self.stream.utf8)
        for split in 0...bytes.count {
            #expect(Self.parse([bytes[..<split], bytes[split...]]) == Self.expected, "split at \(split)")
        }
        #expect(Self.parse(bytes.indices.map { bytes[$0...$0] }) == Self.expected)
    }

    @Test func linesComeOutWhenTheirNewlineArrives() {
        var parser = NDJSONParser()
        #expect(parser.feed(Array("{\"a\":1}".utf8)).isEmpty)
        #expect(parser.bufferedBytes == 7)
        #expect(parser.feed(Array("\r".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [Array("{\"a\":1}".utf8)])
        #expect(parser.bufferedBytes == 0)
        #expect(parser.lineCount == 1)
        #expect(parser.finish().isEmpty)
    }

    @Test func parsedValues() throws {
        var parser = NDJSONParser()
        #expect(try parser.feedValues(Array("{\"n\":1}\n[2]\n{\"x\"".utf8)) == [["n": 1], [2]])
        #expect(try parser.feedValues(Array(":true}".utf8)).isEmpty)
        #expect(try parser.finishValues() == [["x": true]])
    }

    @Test func invalidLineFails() {
        var parser = NDJSONParser()
        #expect(throws: JSONParseError.self) { try parser.feedValues(Array("{\"a\":1}\nnot json\n".utf8)) }
    }
}
