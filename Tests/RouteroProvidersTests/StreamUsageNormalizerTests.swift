import RouteroCore
import RouteroProviders
import Testing

/// With include_usage, every provider's stream must end like OpenAI's: finish chunk, one chunk
/// with `choices: []` and the upstream's usage, then `[DONE]`. Fixtures are raw upstream bytes,
/// fed to the SSE parser split at every byte boundary.
@Suite struct StreamUsageNormalizerTests {
    static let usage = #"{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}"#
    static let mistral = """
    data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"mistral-small","choices":[{"index":0,"delta":{"role":"assistant","content":"hé"},"finish_reason":null}]}

    data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"mistral-small","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":\(usage)}

    data: [DONE]


    """
    static let moonshot = """
    data: {"id":"k1","object":"chat.completion.chunk","created":9,"model":"kimi","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}

    data: {"id":"k1","object":"chat.completion.chunk","created":9,"model":"kimi","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":\(usage)}]}

    data: [DONE]


    """

    func run(_ raw: String, _ placement: StreamUsagePlacement, splitAt: Int) -> [SSEEvent] {
        let bytes = Array(raw.utf8)
        var parser = SSEParser()
        var normalizer = StreamUsageNormalizer(placement: placement)
        var out: [SSEEvent] = []
        for piece in [Array(bytes[..<splitAt]), Array(bytes[splitAt...])] {
            for event in parser.feed(piece) { out += normalizer.process(event) }
        }
        for event in parser.finish() { out += normalizer.process(event) }
        return out + normalizer.flush()
    }

    func check(_ events: [SSEEvent]) throws {
        #expect(events.count == 4)
        #expect(events.last?.isDone == true)
        let usageChunk = try #require(try JSON.parse(events[2].data).objectValue)
        #expect(usageChunk["choices"] == .array([]))
        #expect(usageChunk["usage"] == (try JSON.parse(Self.usage)))
        #expect(usageChunk["object"] == "chat.completion.chunk")
        let finish = try #require(try JSON.parse(events[1].data).objectValue)
        #expect(finish["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
        #expect(finish["choices"]?.arrayValue?.first?["usage"] == nil)
        #expect(finish["usage"] == nil || finish["usage"] == .null)
        // Content chunks pass through byte for byte.
        #expect(events[0].data.contains("\"hé\"") || events[0].data.contains("\"hi\""))
    }

    @Test func mistralUsageInTheFinishChunkMovesToAUsageChunk() throws {
        for split in 0...Self.mistral.utf8.count { try check(run(Self.mistral, .finishChunk, splitAt: split)) }
        let events = run(Self.mistral, .finishChunk, splitAt: 0)
        #expect(try JSON.parse(events[2].data)["id"] == "c1")
        #expect(try JSON.parse(events[2].data)["model"] == "mistral-small")
    }

    @Test func moonshotUsageInsideTheChoiceMovesToAUsageChunk() throws {
        for split in 0...Self.moonshot.utf8.count { try check(run(Self.moonshot, .insideChoice, splitAt: split)) }
    }

    @Test func anUpstreamThatAlreadySendsTheUsageChunkIsNotDuplicated() throws {
        let both = Self.mistral.replacingDone(with: """
        data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"mistral-small","choices":[],"usage":\(Self.usage)}

        data: [DONE]
        """)
        let events = run(both, .finishChunk, splitAt: 10)
        #expect(events.filter { $0.data.contains("\"choices\":[]") }.count == 1)
        #expect(events.last?.isDone == true)
    }

    @Test func aStreamWithoutDoneGetsItsUsageChunkFromFlush() throws {
        let noDone = Self.mistral.replacingDone(with: "")
        let events = run(noDone, .finishChunk, splitAt: 3)
        #expect(events.count == 3)
        #expect(try JSON.parse(events[2].data)["choices"] == .array([]))
    }
}

extension String {
    func replacingDone(with text: String) -> String {
        guard let range = firstRange(of: "data: [DONE]") else { return self }
        return String(self[..<range.lowerBound]) + text + String(self[range.upperBound...])
    }
}
