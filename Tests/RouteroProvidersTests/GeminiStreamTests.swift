import Testing
import RouteroCore
import RouteroProviders

/// Recorded-shape Gemini stream chunks: thoughts, a signature, text holding JSON punctuation and
/// multibyte characters, then two parallel calls in the finishing chunk with running usage.
enum GeminiStreamFixture {
    static let chunks = [
        #"{"candidates":[{"content":{"parts":[{"text":"Let me think","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":10,"totalTokenCount":10},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#,
        #"{"candidates":[{"content":{"parts":[{"text":" about é中😀","thought":true,"thoughtSignature":"SIG0"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#,
        #"{"candidates":[{"content":{"parts":[{"text":"Checking \"both\" cities: ]}\n"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#,
        #"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"SIG1"},{"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":20,"thoughtsTokenCount":5,"totalTokenCount":35},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#,
    ]

    static func sse(_ chunks: [String]) -> String { chunks.map { "data: \($0)\r\n\r\n" }.joined() }
    static func array(_ chunks: [String], closed: Bool = true) -> String {
        "[" + chunks.joined(separator: "\n,\r\n") + (closed ? "\n]" : "\n")
    }

    static let events: [ChatStreamEvent] = [
        .start(id: "r-1", model: "gemini-2.5-flash", usage: nil),
        .reasoning("Let me think"),
        .reasoning(" about é中😀"),
        .reasoningSignature(ProviderSignature(family: .gemini, value: "SIG0")),
        .text("Checking \"both\" cities: ]}\n"),
        .toolCallStart(index: 0, id: GeminiIDs.toolCall(seed: "r-1#0"), name: "get_weather",
                       signature: ProviderSignature(family: .gemini, value: "SIG1")),
        .toolCallArguments(index: 0, fragment: #"{"city":"Paris"}"#),
        .toolCallStart(index: 1, id: GeminiIDs.toolCall(seed: "r-1#1"), name: "get_weather", signature: nil),
        .toolCallArguments(index: 1, fragment: #"{"city":"Rome"}"#),
        .finish(.toolCalls, stopSequence: nil),
        .usage(Usage(inputTokens: 10, outputTokens: 25, reasoningTokens: 5)),
        .end,
    ]

    static let rateLimit = #"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}"#
}

@Suite("Gemini stream decoding")
struct GeminiStreamTests {
    typealias F = GeminiStreamFixture

    @Test(arguments: [GeminiStreamFraming.sse, .detect])
    func sseAtEverySplitPoint(_ framing: GeminiStreamFraming) throws {
        let text = F.sse(F.chunks)
        for split in 0...text.utf8.count {
            #expect(try decode(halves(text, at: split), framing: framing) == F.events, "split at \(split)")
        }
        let bytes = Array(text.utf8)
        #expect(try decode(bytes.indices.map { bytes[$0...$0] }, framing: framing) == F.events)
    }

    @Test(arguments: [GeminiStreamFraming.jsonArray, .detect])
    func jsonArrayAtEverySplitPoint(_ framing: GeminiStreamFraming) throws {
        let text = F.array(F.chunks)
        for split in 0...text.utf8.count {
            #expect(try decode(halves(text, at: split), framing: framing) == F.events, "split at \(split)")
        }
    }

    @Test func bareLineFeedsAndLeadingBlanks() throws {
        let text = "\n" + F.chunks.map { "data: \($0)\n\n" }.joined()
        #expect(try decode(halves(text, at: 0)) == F.events)
    }

    @Test func theArrayEndsAtItsClosingBracket() throws {
        var decoder = GeminiStreamDecoder(target: geminiTarget(), framing: .jsonArray)
        let events = try decoder.feed(Array(F.array(F.chunks).utf8))
        #expect(events.last == .end)
        #expect(try decoder.finish().isEmpty)
    }

    @Test func sseEndsOnlyWhenTheTransportEnds() throws {
        var decoder = GeminiStreamDecoder(target: geminiTarget(), framing: .sse)
        let events = try decoder.feed(Array(F.sse(F.chunks).utf8))
        #expect(events.last == .usage(Usage(inputTokens: 10, outputTokens: 25, reasoningTokens: 5)))
        #expect(try decoder.finish() == [.end])
    }

    /// Portkey #1797: a stream cut mid-answer must not look complete.
    @Test func truncatedStreamsNeverEnd() throws {
        let sse = try decode(halves(F.sse(Array(F.chunks.prefix(3))), at: 0))
        #expect(!sse.contains(.end))
        #expect(!sse.contains { if case .finish = $0 { true } else { false } })
        #expect(sse.last == .usage(Usage(inputTokens: 10, outputTokens: 0)))

        let array = try decode(halves(F.array(Array(F.chunks.prefix(3)), closed: false), at: 0))
        #expect(!array.contains(.end))
        // An array closed without any finish reason is not a complete answer either.
        let closedEarly = try decode(halves(F.array(Array(F.chunks.prefix(2))), at: 0))
        #expect(!closedEarly.contains(.end))
    }

    @Test func usageAfterTheFinishIsReportedAtTheEnd() throws {
        let late = #"{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":22,"thoughtsTokenCount":5,"totalTokenCount":37},"responseId":"r-1"}"#
        let events = try decode(halves(F.sse(F.chunks + [late]), at: 0))
        #expect(Array(events.suffix(4)) == [
            .finish(.toolCalls, stopSequence: nil),
            .usage(Usage(inputTokens: 10, outputTokens: 25, reasoningTokens: 5)),
            .usage(Usage(inputTokens: 10, outputTokens: 27, reasoningTokens: 5)),
            .end,
        ])
    }

    @Test func callsInEarlierChunksStillMakeTheFinishToolCalls() throws {
        let calls = #"{"candidates":[{"content":{"parts":[{"functionCall":{"id":"g-1","name":"f","args":{}}}],"role":"model"},"index":0}],"responseId":"r"}"#
        let stop = #"{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"responseId":"r"}"#
        let events = try decode(halves(F.sse([calls, stop]), at: 0))
        #expect(events.contains(.toolCallStart(index: 0, id: "g-1", name: "f", signature: nil)))
        #expect(events.contains(.finish(.toolCalls, stopSequence: nil)))
    }

    /// litellm #21041: the transcript a client of another family receives must end in tool_calls.
    @Test func transcriptOfAToolStream() throws {
        var transcript = StreamTranscript()
        for event in try decode(halves(F.sse(F.chunks), at: 7)) { transcript.apply(event) }
        let result = transcript.result()
        #expect(result.finishReason == .toolCalls)
        #expect(result.toolCalls.map(\.arguments) == [#"{"city":"Paris"}"#, #"{"city":"Rome"}"#])
        #expect(result.toolCalls[0].signature?.value == "SIG1")
        #expect(transcript.reasoning == [ReasoningPart(text: "Let me think about é中😀",
                                                       signature: ProviderSignature(family: .gemini, value: "SIG0"))])
        #expect(transcript.ended)
    }

    @Test func errorObjectMidStream() throws {
        let expected = gemini.mapError(status: 429, headers: [], body: Array(F.rateLimit.utf8), target: geminiTarget())
        #expect(expected.status == 429 && expected.code == "RESOURCE_EXHAUSTED" && expected.retryable)

        let text = F.sse([F.chunks[0], F.rateLimit])
        for split in 0...text.utf8.count {
            let events = try decode(halves(text, at: split))
            #expect(events == [.start(id: "r-1", model: "gemini-2.5-flash", usage: nil), .reasoning("Let me think"),
                               .error(expected), .usage(Usage(inputTokens: 10, outputTokens: 0))], "split at \(split)")
        }
        let array = try decode(halves(F.array([F.chunks[0], F.rateLimit]), at: 0))
        #expect(array.contains(.error(expected)))
        #expect(!array.contains(.end))
        // Google's non-SSE error stream is an array holding only the error.
        #expect(try decode(halves("[" + F.rateLimit + "]", at: 3)) == [.error(expected)])
    }

    @Test func blockedPromptInAStream() throws {
        let chunk = #"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-pro","responseId":"b"}"#
        #expect(try decode(halves(F.sse([chunk]), at: 0)) == [
            .start(id: "b", model: "gemini-2.5-pro", usage: nil),
            .finish(.contentFilter, stopSequence: nil),
            .usage(Usage(inputTokens: 7, outputTokens: 0)),
            .end,
        ])
    }

    @Test(arguments: [
        ("data: not json\r\n\r\n", GeminiStreamFraming.sse),
        ("data: [1]\r\n\r\n", .sse),
        (#"{"candidates":[]}"#, .jsonArray),
        ("[{}{}]", .jsonArray),
        ("[1]", .jsonArray),
    ])
    func notAGeminiStream(_ text: String, _ framing: GeminiStreamFraming) {
        do {
            _ = try decode(halves(text, at: 0), framing: framing)
            Issue.record("accepted")
        } catch let error as GatewayError {
            #expect(error.status == 502)
            #expect(error.code == "upstream_invalid_stream")
        } catch { Issue.record("\(error)") }
    }

    @Test func toleratedNoise() throws {
        // Keep-alive comments, an appended [DONE], empty events.
        let text = ": ping\r\n\r\n" + F.sse(F.chunks) + "data: [DONE]\r\n\r\ndata:\r\n\r\n"
        #expect(try decode(halves(text, at: 5)) == F.events)
    }

    @Test func bufferedBytesReportsTheOpenEvent() throws {
        var decoder = GeminiStreamDecoder(target: geminiTarget(), framing: .sse)
        _ = try decoder.feed(Array("data: {\"candidates\":".utf8))
        #expect(decoder.bufferedBytes > 0)
        var array = GeminiStreamDecoder(target: geminiTarget())
        _ = try array.feed(Array("  [{\"candidates\":".utf8))
        #expect(array.bufferedBytes == 14)
    }

    @Test func aWholeObjectBodyIsReadAtTheEnd() throws {
        // A proxy's 200 error body, or an upstream that answered without streaming.
        let error = gemini.mapError(status: 429, headers: [], body: Array(F.rateLimit.utf8), target: geminiTarget())
        #expect(try decode(halves(F.rateLimit, at: 9)) == [.error(error)])
        let whole = try decode(halves(F.chunks[3], at: 30))
        #expect(whole.first == .start(id: "r-1", model: "gemini-2.5-flash", usage: nil))
        #expect(whole.last == .end)
        #expect(throws: GatewayError.self) { try decode(halves("{\"cut", at: 2)) }
    }

    @Test func adapterDecoderReadsEitherFraming() throws {
        var decoder = gemini.makeStreamDecoder(for: chat([]), target: geminiTarget())
        var events = try decoder.feed(Array(F.array(F.chunks).utf8))
        events += try decoder.finish()
        #expect(events == F.events)
    }
}
