import RouteroCore
import RouteroProviders
import Testing

/// Recorded Anthropic streams → canonical events, fed split at every byte position (reference 4.4,
/// 6.4), and the same-family passthrough relay.
@Suite("Anthropic stream decoding and passthrough")
struct AnthropicStreamTests {
    typealias F = AnthropicFixtures

    /// Reference 4.4, exactly.
    static let reference = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":412,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants..."}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB..."}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: content_block_start
    data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

    event: ping
    data: {"type":"ping"}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking."}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":1}

    event: content_block_start
    data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":2}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":96}}

    event: message_stop
    data: {"type":"message_stop"}


    """#

    static let referenceEvents: [ChatStreamEvent] = [
        .start(id: "msg_01X", model: "claude-sonnet-4-5",
               usage: Usage(inputTokens: 412, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0)),
        .reasoning("The user wants..."),
        .reasoningSignature(ProviderSignature(family: .anthropic, value: "EqQB...")),
        .text("Checking."),
        .toolCallStart(index: 0, id: "toolu_01A", name: "get_weather", signature: nil),
        .toolCallArguments(index: 0, fragment: #"{"city": "Pa"#),
        .toolCallArguments(index: 0, fragment: #"ris"}"#),
        .finish(.toolCalls, stopSequence: nil),
        .usage(Usage(inputTokens: 412, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 0)),
        .end,
    ]

    /// Text first, then two tool calls: tool index 0 is block index 1, tool index 1 is block index 2.
    /// Includes an empty `partial_json` fragment, which Anthropic sends at the start of a block.
    static let multiTool = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-opus-4-1","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":20,"cache_read_input_tokens":1000,"cache_creation_input_tokens":5,"output_tokens":1}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Both cities: ✓"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: content_block_start
    data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":\"Paris\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":1}

    event: content_block_start
    data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"get_weather","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Rome\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":2}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":20,"cache_read_input_tokens":1000,"output_tokens":61}}

    event: message_stop
    data: {"type":"message_stop"}


    """#

    @Test func referenceTranscriptAtEverySplitPoint() throws {
        for events in try F.decodeAtEverySplit(Self.reference) { #expect(events == Self.referenceEvents) }
    }

    @Test func referenceTranscriptByteByByteAndWithCRLF() throws {
        var decoder = F.adapter.makeStreamDecoder(for: ChatCall(model: "m", messages: []), target: F.target())
        var events: [ChatStreamEvent] = []
        for byte in Array(Self.reference.utf8) { events += try decoder.feed([byte]) }
        events += try decoder.finish()
        #expect(events == Self.referenceEvents)
        #expect(decoder.bufferedBytes == 0)
        let crlf = Self.reference.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        for events in try F.decodeAtEverySplit(crlf) { #expect(events == Self.referenceEvents) }
    }

    @Test func multiToolStreamCountsToolCallsNotBlocks() throws {
        let expected: [ChatStreamEvent] = [
            .start(id: "msg_02", model: "claude-opus-4-1",
                   usage: Usage(inputTokens: 1025, outputTokens: 1, cacheReadTokens: 1000, cacheWriteTokens: 5)),
            .text("Both cities: ✓"),
            .toolCallStart(index: 0, id: "toolu_A", name: "get_weather", signature: nil),
            .toolCallArguments(index: 0, fragment: ""),
            .toolCallArguments(index: 0, fragment: #"{"city":"Paris"}"#),
            .toolCallStart(index: 1, id: "toolu_B", name: "get_weather", signature: nil),
            .toolCallArguments(index: 1, fragment: #"{"city":"#),
            .toolCallArguments(index: 1, fragment: #""Rome"}"#),
            .finish(.toolCalls, stopSequence: nil),
            // Cumulative: message_delta's counts win, the cache write it omits keeps message_start's value.
            .usage(Usage(inputTokens: 1025, outputTokens: 61, cacheReadTokens: 1000, cacheWriteTokens: 5)),
            .end,
        ]
        for events in try F.decodeAtEverySplit(Self.multiTool) { #expect(events == expected) }
        var transcript = StreamTranscript()
        for event in expected { transcript.apply(event) }
        #expect(transcript.result().toolCalls.map(\.arguments) == [#"{"city":"Paris"}"#, #"{"city":"Rome"}"#])
        #expect(transcript.ended)
    }

    static let thinkingAndRedacted = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_03","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"First, "}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"the facts."}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"ErUBCkYIBRgCIkB+/x=="}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: content_block_start
    data: {"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4a"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":1}

    event: content_block_start
    data: {"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Answer: 42"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"type":"char_location"}}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":2}

    event: some_future_event
    data: {"type":"some_future_event","detail":1}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"},"usage":{"output_tokens":30}}

    event: message_stop
    data: {"type":"message_stop"}


    """#

    @Test func thinkingSignatureRedactedAndUnknownEvents() throws {
        let expected: [ChatStreamEvent] = [
            .start(id: "msg_03", model: "claude-sonnet-4-5", usage: Usage(inputTokens: 9, outputTokens: 1)),
            .reasoning("First, "), .reasoning("the facts."),
            .reasoningSignature(ProviderSignature(family: .anthropic, value: "ErUBCkYIBRgCIkB+/x==")),
            .redactedReasoning("EmwKAhgBEgy3va3pzix/LafPsn4a"),
            .text("Answer: 42"),
            .finish(.stop, stopSequence: "\n\nHuman:"),
            .usage(Usage(inputTokens: 9, outputTokens: 30)),
            .end,
        ]
        for events in try F.decodeAtEverySplit(Self.thinkingAndRedacted) { #expect(events == expected) }
        var transcript = StreamTranscript()
        for event in expected { transcript.apply(event) }
        #expect(transcript.reasoning == [
            ReasoningPart(text: "First, the facts.", signature: ProviderSignature(family: .anthropic, value: "ErUBCkYIBRgCIkB+/x==")),
            ReasoningPart(text: "", redacted: "EmwKAhgBEgy3va3pzix/LafPsn4a"),
        ])
    }

    static let errorMidStream = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_04","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

    event: error
    data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


    """#

    @Test func errorEventBecomesAMappedError() throws {
        let overloaded = GatewayError(status: 503, type: "server_error", code: "overloaded", message: "anthropic: Overloaded",
                                      retryable: true)
        for events in try F.decodeAtEverySplit(Self.errorMidStream) {
            #expect(events == [.start(id: "msg_04", model: "claude-sonnet-4-5", usage: Usage(inputTokens: 3, outputTokens: 1)),
                               .text("Hel"), .error(overloaded)])
        }
        let rateLimited = #"event: error"# + "\n" + #"data: {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"# + "\n\n"
        let events = try F.decode(Array(rateLimited.utf8), split: 10)
        guard case .error(let error)? = events.first else { Issue.record("no error event"); return }
        #expect(error.status == 429)
        #expect(error.code == "rate_limit_error")
        #expect(error.retryable)
    }

    @Test func aStreamCutBeforeMessageStopHasNoEnd() throws {
        let cut = String(Self.reference[..<(Self.reference.firstRange(of: "event: message_delta")?.lowerBound ?? Self.reference.endIndex)])
        for events in try F.decodeAtEverySplit(cut) {
            #expect(events == Array(Self.referenceEvents.prefix(7)))
            #expect(!events.contains(.end))
        }
        // Cut inside an event: the half event is never reported as complete.
        let mid = String(Self.reference.prefix(Self.reference.utf8.count - 40))
        #expect(!(try F.decodeAtEverySplit(mid).last ?? []).contains(.end))
    }

    @Test func nonJSONDataIsAnInvalidStream() {
        let garbage = "event: content_block_delta\ndata: {not json\n\n"
        let error = F.error { _ = try F.decode(Array(garbage.utf8), split: 0) }
        #expect(error?.code == "upstream_invalid_stream")
        #expect(error?.status == 502)
        // Keep-alives with empty data are not garbage.
        #expect((try? F.decode(Array("event: ping\ndata:\n\n: comment\n\n".utf8), split: 3)) == [])
    }

    @Test func forcedJSONToolStreamsAsText() throws {
        var call = ChatCall(model: "m", messages: [])
        call.responseFormat = .jsonSchema(name: "p", schema: ["type": "object"], strict: nil, description: nil)
        let stream = #"""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_05","model":"claude-haiku-4-5","usage":{"input_tokens":7,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"name\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"Ann\"}"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}

        event: message_stop
        data: {"type":"message_stop"}


        """#
        for events in try F.decodeAtEverySplit(stream, call: call) {
            #expect(events == [.start(id: "msg_05", model: "claude-haiku-4-5", usage: Usage(inputTokens: 7, outputTokens: 1)),
                               .text(#"{"name":"#), .text(#""Ann"}"#), .finish(.stop, stopSequence: nil),
                               .usage(Usage(inputTokens: 7, outputTokens: 12)), .end])
        }
    }

    // MARK: passthrough

    func relay(_ text: String, split: Int, target: UpstreamTarget = AnthropicFixtures.target())
        throws(GatewayError) -> (bytes: [UInt8], complete: Bool, sawComplete: Bool) {
        let bytes = Array(text.utf8)
        var stream = F.adapter.makePassthroughStream(for: NativeChat(family: .anthropic, body: [:], model: "m", stream: true),
                                                     target: target)
        var out = try stream.feed(Array(bytes[..<split]))
        out += try stream.feed(Array(bytes[split...]))
        let sawComplete = stream.complete
        let (tail, complete) = stream.finish()
        return (out + tail, complete, sawComplete)
    }

    @Test func passthroughRelaysEveryEventUnchangedAtEverySplit() throws {
        let bytes = Array(Self.reference.utf8)
        for split in 0...bytes.count {
            let (out, complete, sawComplete) = try relay(Self.reference, split: split)
            #expect(out == bytes)  // the reference is already in canonical framing: relayed byte for byte
            #expect(complete)
            #expect(sawComplete)
        }
    }

    @Test func passthroughNeverSendsHalfAnEventAndKnowsACutStream() throws {
        let cut = String(Self.reference.prefix(600))
        var stream = F.adapter.makePassthroughStream(for: NativeChat(family: .anthropic, body: [:], model: "m", stream: true),
                                                     target: F.target())
        let out = try stream.feed(Array(cut.utf8))
        #expect(String(decoding: out, as: UTF8.self).hasSuffix("\n\n"))
        #expect(stream.bufferedBytes > 0)
        let (_, complete) = stream.finish()
        #expect(!complete)
    }

    /// An upstream `error` event is withheld and thrown, sanitized (the gateway ends the stream with
    /// it or continues the answer elsewhere); an event that is not JSON is withheld too.
    @Test func passthroughWithholdsErrorEventsSanitized() throws {
        let leak = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"bad key \(F.key) at https://gw.internal/v1\"}}\n\n"
        let target = F.target(apiBase: "https://gw.internal/v1")
        for split in [0, 7, 40, leak.utf8.count] {
            do {
                _ = try relay(leak, split: split, target: target)
                Issue.record("an error event was relayed")
            } catch {
                #expect(!error.message.contains("SECRETsecret"))
                #expect(!error.message.contains("gw.internal"))
                var stream = F.adapter.makePassthroughStream(for: NativeChat(family: .anthropic, body: [:], model: "m", stream: true),
                                                             target: target)
                let text = String(decoding: stream.fail(error), as: UTF8.self)
                #expect(text.hasPrefix("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"))
            }
        }
        #expect(throws: GatewayError.self) {
            try relay("event: content_block_delta\ndata: {\"type\":\"content_block_del\n\n", split: 5)
        }
    }

    @Test func passthroughFailWritesTheAnthropicEnvelope() {
        var stream = F.adapter.makePassthroughStream(for: NativeChat(family: .anthropic, body: [:], model: "m", stream: true),
                                                     target: F.target())
        let out = stream.fail(.overloaded(retryAfterSeconds: 1))
        #expect(String(decoding: out, as: UTF8.self) == "event: error\ndata: "
            + #"{"type":"error","error":{"type":"overloaded_error","message":"The gateway is at its concurrent request limit; retry shortly."}}"#
            + "\n\n")
        let timeout = String(decoding: stream.fail(.upstreamTimeout(provider: "anthropic")), as: UTF8.self)
        #expect(timeout.contains(#""type":"timeout_error""#))
    }
}
