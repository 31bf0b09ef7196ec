import Testing
import RouteroCore
import RouteroProviders
import RouteroFrontEnds

@Suite("Gemini front-end: canonical streams → Gemini streams")
struct GeminiFrontEndStreamTests {
    /// An OpenAI-shaped upstream: text, two tool calls with fragmented arguments, finish, then usage.
    static let events: [ChatStreamEvent] = [
        .start(id: "chatcmpl-9", model: "gpt-4o", usage: nil),
        .text("Hel"),
        .text("lo"),
        .toolCallStart(index: 0, id: "call_a", name: "get_weather", signature: nil),
        .toolCallArguments(index: 0, fragment: #"{"ci"#),
        .toolCallStart(index: 1, id: "call_b", name: "get_time", signature: nil),
        .toolCallArguments(index: 1, fragment: #"{"tz":"#),
        .toolCallArguments(index: 0, fragment: #"ty":"Paris"}"#),
        .toolCallArguments(index: 1, fragment: #""CET"}"#),
        .finish(.toolCalls, stopSequence: nil),
        .usage(Usage(inputTokens: 11, outputTokens: 7)),
        .end,
    ]

    static let chunk1 = #"{"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"Hel"}]}}],"modelVersion":"gpt-4o","responseId":"chatcmpl-9"}"#
    static let chunk2 = #"{"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"lo"}]}}],"modelVersion":"gpt-4o","responseId":"chatcmpl-9"}"#
    static let last = #"{"candidates":[{"index":0,"content":{"role":"model","parts":[{"functionCall":{"id":"call_a","name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"id":"call_b","name":"get_time","args":{"tz":"CET"}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":11,"candidatesTokenCount":7,"totalTokenCount":18},"modelVersion":"gpt-4o","responseId":"chatcmpl-9"}"#

    func encode(_ events: [ChatStreamEvent], native: NativeChat) -> [[UInt8]] {
        var encoder = geminiFrontEnd.makeStreamEncoder(for: native)
        return events.map { encoder.encode($0) }
    }

    @Test func sseFraming() {
        let out = encode(Self.events, native: geminiNative(stream: true, sse: true))
        #expect(utf8(Array(out.joined())) == [Self.chunk1, Self.chunk2, Self.last].map { "data: \($0)\r\n\r\n" }.joined())
        // Usage arrived after the finish: nothing goes out until the end.
        #expect(out[9].isEmpty && out[10].isEmpty && !out[11].isEmpty)
        #expect(out[3...8].allSatisfy { $0.isEmpty })
    }

    @Test func jsonArrayFraming() throws {
        let out = encode(Self.events, native: geminiNative(stream: true, sse: false)).joined().map { $0 }
        #expect(utf8(out) == "[" + [Self.chunk1, Self.chunk2, Self.last].joined(separator: ",\r\n") + "]")
        #expect(try JSON.parse(out).arrayValue?.count == 3)
    }

    @Test func keepAlivesKeepTheArrayValid() throws {
        var encoder = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: false))
        var out = encoder.keepAlive()
        for event in Self.events {
            out += encoder.encode(event)
            out += encoder.keepAlive()
        }
        #expect(try JSON.parse(out).arrayValue?.count == 3)
        let sse = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: true))
        #expect(utf8(sse.keepAlive()).hasPrefix(":"))
    }

    @Test func closeFlushesTheHeldChunkOnce() {
        var encoder = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: false))
        var out: [UInt8] = []
        for event in Self.events.dropLast() { out += encoder.encode(event) }
        out += encoder.close()
        #expect(utf8(out).hasSuffix(Self.last + "]"))
        #expect(encoder.close().isEmpty)
        #expect(encoder.encode(.text("late")).isEmpty)
    }

    @Test func plainTextStreamEndsWithAnEmptyTextPart() throws {
        var encoder = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: true))
        var out: [UInt8] = []
        for event: ChatStreamEvent in [.start(id: "m1", model: "claude", usage: Usage(inputTokens: 5, outputTokens: 0)),
                                       .text("Hi"), .finish(.length, stopSequence: nil), .end] {
            out += encoder.encode(event)
        }
        let last = try #require(utf8(out).split(separator: "\r\n\r\n").last)
        #expect(try JSON.parse(String(last.dropFirst(6))) == json("""
            {"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":""}]},"finishReason":"MAX_TOKENS"}],
             "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":0,"totalTokenCount":5},
             "modelVersion":"claude","responseId":"m1"}
            """))
    }

    @Test func reasoningOnlyWhenAskedFor() {
        let events: [ChatStreamEvent] = [.start(id: "r", model: "m", usage: nil), .reasoning("hmm"), .text("ok")]
        let hidden = encode(events, native: geminiNative(stream: true))
        #expect(hidden[1].isEmpty)
        let shown = encode(events, native: geminiNative(thoughtsWanted, stream: true))
        #expect(utf8(shown[1]).contains(#"{"text":"hmm","thought":true}"#))
    }

    @Test func failInEitherFraming() {
        let error = GatewayError(status: 503, type: "server_error", message: "overloaded")
        let object = #"{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}"#

        var sse = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: true))
        _ = sse.encode(Self.events[0])
        _ = sse.encode(Self.events[1])
        #expect(utf8(sse.fail(error)) == "data: " + object + "\r\n\r\n")
        #expect(sse.fail(error).isEmpty)
        #expect(sse.close().isEmpty)

        var fresh = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: false))
        _ = fresh.encode(Self.events[0])
        #expect(utf8(fresh.fail(error)) == "[" + object + "]")

        var started = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: false))
        let first = started.encode(Self.events[0]) + started.encode(Self.events[1])
        let tail = started.encode(.error(error))
        #expect(utf8(first + tail) == "[" + Self.chunk1 + ",\r\n" + object + "]")
    }

    /// Gemini upstream → canonical → Gemini client: the client's stream, decoded again, tells the
    /// same story (text, both calls with their arguments and signature, finish, usage).
    @Test func reencodedGeminiStreamDecodesToTheSameTranscript() throws {
        let profile = ProviderProfile(id: "gemini", defaultBaseURL: "https://generativelanguage.googleapis.com", quirks: .openAI,
                                      family: .gemini)
        let target = UpstreamTarget(profile: profile, model: "gemini-2.5-flash")
        let upstream = #"""
            data: {"candidates":[{"content":{"parts":[{"text":"Hi ]"}],"role":"model"},"index":0}],"responseId":"g1","modelVersion":"gemini-2.5-flash"}

            data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"x":[1,{"y":"z"}]}},"thoughtSignature":"S"},{"functionCall":{"name":"g","args":{}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7},"responseId":"g1","modelVersion":"gemini-2.5-flash"}


            """#
        var decoder = GeminiStreamDecoder(target: target)
        let events = try decoder.feed(Array(upstream.utf8)) + decoder.finish()
        for sse in [true, false] {
            var encoder = geminiFrontEnd.makeStreamEncoder(for: geminiNative(stream: true, sse: sse))
            let bytes = events.flatMap { encoder.encode($0) }
            var again = GeminiStreamDecoder(target: target)
            var original = StreamTranscript(), replayed = StreamTranscript()
            events.forEach { original.apply($0) }
            try (again.feed(bytes) + again.finish()).forEach { replayed.apply($0) }
            #expect(replayed.result() == original.result(), "sse: \(sse)")
            #expect(replayed.ended)
        }
    }
}
