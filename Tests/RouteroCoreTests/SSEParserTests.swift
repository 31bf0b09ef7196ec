import Testing
import RouteroCore

/// A raw stream and the events it must produce.
struct SSEFixture: Sendable, CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: [SSEEvent]
    var description: String { name }

    init(_ name: String, _ text: String, _ expected: [SSEEvent]) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.expected = expected
    }
}

let sseFixtures: [SSEFixture] = [
    SSEFixture("openai chat", """
        data: {"id":"c1","choices":[{"delta":{"content":"Hel"}}]}

        data: {"id":"c1","choices":[{"delta":{"content":"lo"}}]}

        data: [DONE]


        """, [
            SSEEvent(data: #"{"id":"c1","choices":[{"delta":{"content":"Hel"}}]}"#),
            SSEEvent(data: #"{"id":"c1","choices":[{"delta":{"content":"lo"}}]}"#),
            .done,
        ]),
    SSEFixture("crlf with names, ids, comments, retry",
        ": OPENROUTER PROCESSING\r\n\r\nevent: message_start\r\nid: 7\r\nretry: 3000\r\ndata: {\"a\":1}\r\n\r\n"
            + ": keep-alive\r\n\r\nevent: ping\r\n\r\nevent: delta\r\ndata:{\"b\":2}\r\n\r\n", [
            SSEEvent(event: "message_start", data: #"{"a":1}"#, id: "7"),
            SSEEvent(event: "delta", data: #"{"b":2}"#),
        ]),
    SSEFixture("bare cr endings", "data: one\rdata: two\r\rdata: three\r\r", [
        SSEEvent(data: "one\ntwo"),
        SSEEvent(data: "three"),
    ]),
    SSEFixture("multibyte utf-8", "data: é中😀\n\nevent: ü\ndata: 🚀🚀\ndata: ñ\n\n", [
        SSEEvent(data: "é中😀"),
        SSEEvent(event: "ü", data: "🚀🚀\nñ"),
    ]),
    SSEFixture("field edge cases", "\u{FEFF}data\ndata:x\ndata:  y\nunknown: z\ndata: \n\nid\nevent\ndata: last", [
        SSEEvent(data: "\nx\n y\n"),
        SSEEvent(data: "last", id: ""),
    ]),
    SSEFixture("mixed endings", "data: a\r\n\ndata: b\n\r\ndata: c\r\r\n", [
        SSEEvent(data: "a"), SSEEvent(data: "b"), SSEEvent(data: "c"),
    ]),
]

@Suite("SSE parser")
struct SSEParserTests {
    static func parse(_ chunks: [ArraySlice<UInt8>]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(Array(chunk)) }
        return events + parser.finish()
    }

    @Test(arguments: sseFixtures)
    func wholeFeedMatchesExpected(_ fixture: SSEFixture) {
        #expect(Self.parse([fixture.bytes[...]]) == fixture.expected)
    }

    @Test(arguments: sseFixtures)
    func everySplitPointGivesTheSameEvents(_ fixture: SSEFixture) {
        let bytes = fixture.bytes
        for split in 0...bytes.count {
            let events = Self.parse([bytes[..<split], bytes[split...]])
            #expect(events == fixture.expected, "split at \(split)")
        }
    }

    @Test(arguments: sseFixtures)
    func everyPairOfSplitPointsGivesTheSameEvents(_ fixture: SSEFixture) {
        let bytes = fixture.bytes
        var failures = 0
        for first in 0...bytes.count {
            for second in first...bytes.count
            where Self.parse([bytes[..<first], bytes[first..<second], bytes[second...]]) != fixture.expected {
                failures += 1
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: sseFixtures)
    func byteByByte(_ fixture: SSEFixture) {
        let chunks = fixture.bytes.indices.map { fixture.bytes[$0...$0] }
        #expect(Self.parse(chunks) == fixture.expected)
    }

    @Test func eventsAreEmittedAsSoonAsTheBlankLineArrives() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: a\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [SSEEvent(data: "a")])
        #expect(parser.feed(Array("data: b\r".utf8)).isEmpty)
        #expect(parser.feed(Array("\r".utf8)) == [SSEEvent(data: "b")])
        #expect(parser.finish().isEmpty)
    }

    @Test func crThenLFAcrossFeedsIsOneLineEnding() {
        var parser = SSEParser()
        // If "\r" + "\n" counted as two endings, the "\n" would end the event after "a" early.
        #expect(parser.feed(Array("data: a\r".utf8)).isEmpty)
        #expect(parser.feed(Array("\ndata: b\r\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\r\n".utf8)) == [SSEEvent(data: "a\nb")])
    }

    @Test func countsComments() {
        var parser = SSEParser()
        #expect(!parser.sawComment)
        _ = parser.feed(Array(": keep-alive\n\n:\n\ndata: x\n\n".utf8))
        #expect(parser.sawComment)
        #expect(parser.commentCount == 2)
    }

    @Test(arguments: sseFixtures)
    func encodedEventsParseBack(_ fixture: SSEFixture) {
        let encoded = fixture.expected.flatMap { $0.encoded() }
        #expect(Self.parse([encoded[...]]) == fixture.expected)
    }

    @Test func encodedShape() {
        #expect(String(decoding: SSEEvent(data: "x").encoded(), as: UTF8.self) == "data: x\n\n")
        #expect(String(decoding: SSEEvent(event: "e", data: "a\nb").encoded(), as: UTF8.self)
                == "event: e\ndata: a\ndata: b\n\n")
        #expect(String(decoding: SSEEvent(data: "").encoded(), as: UTF8.self) == "data: \n\n")
        #expect(String(decoding: SSEEvent(data: "a\r\nb").encoded(), as: UTF8.self) == "data: a\ndata: b\n\n")
        #expect(String(decoding: SSEEvent(data: "a\rb").encoded(), as: UTF8.self) == "data: a\ndata: b\n\n")
        // A relay appends many events to one buffer; the one-line fast path keeps what was there.
        var batch = Array("data: 1\n\n".utf8)
        SSEEvent(data: #"{"a":"b"}"#, id: "7").encode(into: &batch)
        SSEEvent(event: "e", data: "x\ny").encode(into: &batch)
        #expect(String(decoding: batch, as: UTF8.self) == "data: 1\n\nid: 7\ndata: {\"a\":\"b\"}\n\nevent: e\ndata: x\ndata: y\n\n")
    }

    @Test func bufferedBytesCountsAnIncompleteEventAndResets() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: abc".utf8)).isEmpty)
        #expect(parser.bufferedBytes == 9)
        #expect(parser.feed(Array("\ndata: de".utf8)).isEmpty)
        #expect(parser.bufferedBytes >= 5)
        #expect(parser.feed(Array("\n\n".utf8)) == [SSEEvent(data: "abc\nde")])
        #expect(parser.bufferedBytes == 0)
    }
}
