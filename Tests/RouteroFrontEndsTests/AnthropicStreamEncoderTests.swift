import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import Testing

/// Canonical stream events → Anthropic's exact event sequence (reference 4.4, 6.4).
@Suite("Anthropic front-end: stream encoding")
struct AnthropicStreamEncoderTests {
    typealias F = AnthropicFrontEndFixtures

    /// `event: <name>` + `data: <json>` blocks, as the encoder must write them.
    static func sse(_ pairs: [(String, String)]) -> String {
        pairs.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined()
    }

    static let ping = ("ping", #"{"type":"ping"}"#)
    static func start(_ id: String, _ model: String, usage: String = #"{"input_tokens":0,"output_tokens":0}"#) -> (String, String) {
        ("message_start", #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"stop_reason":null,"stop_sequence":null,"usage":\#(usage)}}"#)
    }
    static func blockStart(_ index: Int, _ block: String) -> (String, String) {
        ("content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":\#(block)}"#)
    }
    static func delta(_ index: Int, _ delta: String) -> (String, String) {
        ("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":\#(delta)}"#)
    }
    static func blockStop(_ index: Int) -> (String, String) {
        ("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#)
    }
    static func messageDelta(_ stopReason: String, _ usage: String, stopSequence: String = "null") -> (String, String) {
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"\#(stopReason)","stop_sequence":\#(stopSequence)},"usage":\#(usage)}"#)
    }
    static let stop = ("message_stop", #"{"type":"message_stop"}"#)
    static func usage(_ input: Int, _ output: Int, read: Int = 0, write: Int = 0) -> String {
        #"{"input_tokens":\#(input),"cache_creation_input_tokens":\#(write),"cache_read_input_tokens":\#(read),"output_tokens":\#(output)}"#
    }

    @Test func textWithUsageArrivingAfterTheFinish() {
        // OpenAI's order: the finish chunk, then a separate usage chunk, then [DONE].
        let out = F.stream([.start(id: "chatcmpl-1", model: "gpt-4o", usage: nil), .text("Hel"), .text(""), .text("lo"),
                            .finish(.stop, stopSequence: nil), .usage(Usage(inputTokens: 10, outputTokens: 2)), .end],
                           native: F.streamingNative())
        #expect(out == Self.sse([
            Self.start("msg_chatcmpl-1", "gpt-4o"), Self.ping,
            Self.blockStart(0, #"{"type":"text","text":""}"#),
            Self.delta(0, #"{"type":"text_delta","text":"Hel"}"#),
            Self.delta(0, #"{"type":"text_delta","text":"lo"}"#),
            Self.blockStop(0),
            Self.messageDelta("end_turn", Self.usage(10, 2)),
            Self.stop,
        ]))
    }

    @Test func textThenToolsWithBlockIndicesOverAllBlocks() {
        let out = F.stream([
            .start(id: "gen-1", model: "gemini-2.5-pro", usage: Usage(inputTokens: 30, outputTokens: 0, cacheReadTokens: 10)),
            .text("Let me check."),
            .toolCallStart(index: 0, id: "call_a", name: "get_weather", signature: nil),
            .toolCallArguments(index: 0, fragment: #"{"city":"#),
            .toolCallArguments(index: 0, fragment: ""),
            .toolCallArguments(index: 0, fragment: #""Paris"}"#),
            .toolCallStart(index: 1, id: "call_b", name: "get_time", signature: ProviderSignature(family: .gemini, value: "CiQBsig")),
            .toolCallArguments(index: 1, fragment: "{}"),
            .finish(.stop, stopSequence: nil),  // Gemini reports STOP after function calls
            .usage(Usage(inputTokens: 30, outputTokens: 22, cacheReadTokens: 10)),
            .end,
        ], native: F.streamingNative())
        #expect(out == Self.sse([
            Self.start("msg_gen-1", "gemini-2.5-pro", usage: #"{"input_tokens":20,"cache_read_input_tokens":10,"output_tokens":0}"#), Self.ping,
            Self.blockStart(0, #"{"type":"text","text":""}"#),
            Self.delta(0, #"{"type":"text_delta","text":"Let me check."}"#),
            Self.blockStop(0),
            Self.blockStart(1, #"{"type":"tool_use","id":"call_a","name":"get_weather","input":{}}"#),
            Self.delta(1, #"{"type":"input_json_delta","partial_json":"{\"city\":"}"#),
            Self.delta(1, #"{"type":"input_json_delta","partial_json":"\"Paris\"}"}"#),
            Self.blockStop(1),
            Self.blockStart(2, #"{"type":"tool_use","id":"call_b__thought__CiQBsig","name":"get_time","input":{}}"#),
            Self.delta(2, #"{"type":"input_json_delta","partial_json":"{}"}"#),
            Self.blockStop(2),
            Self.messageDelta("tool_use", Self.usage(20, 22, read: 10)),
            Self.stop,
        ]))
    }

    @Test func parallelToolsWithInterleavedArgumentsKeepTheirOwnIndices() {
        let out = F.stream([
            .start(id: "c", model: "m", usage: nil),
            .toolCallStart(index: 0, id: "t0", name: "a", signature: nil),
            .toolCallStart(index: 1, id: "t1", name: "b", signature: nil),
            .toolCallArguments(index: 0, fragment: #"{"x":1}"#),
            .toolCallArguments(index: 1, fragment: #"{"y":2}"#),
            .toolCallArguments(index: 7, fragment: "never started"),
            .finish(.toolCalls, stopSequence: nil), .end,
        ], native: F.streamingNative())
        let events = F.events(out)
        #expect(events.filter { $0.name == "message_start" }.count == 1)
        #expect(events.filter { $0.name == "message_delta" }.count == 1)
        let deltas = events.filter { $0.name == "content_block_delta" }.map(\.data)
        #expect(deltas == [#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}"#,
                           #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"y\":2}"}}"#])
        #expect(events.map(\.name) == ["message_start", "ping", "content_block_start", "content_block_stop", "content_block_start",
                                       "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
    }

    @Test func reasoningWhenTheClientAskedForThinking() {
        let out = F.stream([
            .start(id: "msg_1", model: "m", usage: nil),
            .reasoning("Hmm"), .reasoning(", ok."),
            .reasoningSignature(ProviderSignature(family: .anthropic, value: "EqQB")),
            .reasoning("Unsigned, from another family."),
            .reasoningSignature(ProviderSignature(family: .gemini, value: "never shown")),
            .reasoning("More unsigned"),
            .redactedReasoning("EmwK"),
            .text("A"),
            .finish(.stop, stopSequence: "###"), .end,
        ], native: F.streamingNative(thinking: true))
        #expect(out == Self.sse([
            Self.start("msg_1", "m"), Self.ping,
            Self.blockStart(0, #"{"type":"thinking","thinking":"","signature":""}"#),
            Self.delta(0, #"{"type":"thinking_delta","thinking":"Hmm"}"#),
            Self.delta(0, #"{"type":"thinking_delta","thinking":", ok."}"#),
            Self.delta(0, #"{"type":"signature_delta","signature":"EqQB"}"#),
            Self.blockStop(0),
            Self.blockStart(1, #"{"type":"thinking","thinking":"","signature":""}"#),
            Self.delta(1, #"{"type":"thinking_delta","thinking":"Unsigned, from another family."}"#),
            Self.blockStop(1),
            Self.blockStart(2, #"{"type":"thinking","thinking":"","signature":""}"#),
            Self.delta(2, #"{"type":"thinking_delta","thinking":"More unsigned"}"#),
            Self.blockStop(2),
            Self.blockStart(3, #"{"type":"redacted_thinking","data":"EmwK"}"#),
            Self.blockStop(3),
            Self.blockStart(4, #"{"type":"text","text":""}"#),
            Self.delta(4, #"{"type":"text_delta","text":"A"}"#),
            Self.blockStop(4),
            Self.messageDelta("stop_sequence", Self.usage(0, 0), stopSequence: "\"###\""),
            Self.stop,
        ]))
    }

    @Test func reasoningWhenTheClientDidNotAskOnlyWhatAnthropicSigned() {
        let out = F.stream([
            .start(id: "msg_1", model: "m", usage: nil),
            .reasoning("OpenAI reasoning_content"),
            .text("A"),
            .reasoning("Signed "), .reasoning("later"),
            .reasoningSignature(ProviderSignature(family: .anthropic, value: "Sig")),
            .finish(.stop, stopSequence: nil), .end,
        ], native: F.streamingNative())
        #expect(out == Self.sse([
            Self.start("msg_1", "m"), Self.ping,
            Self.blockStart(0, #"{"type":"text","text":""}"#),
            Self.delta(0, #"{"type":"text_delta","text":"A"}"#),
            Self.blockStop(0),
            Self.blockStart(1, #"{"type":"thinking","thinking":"","signature":""}"#),
            Self.delta(1, #"{"type":"thinking_delta","thinking":"Signed later"}"#),
            Self.delta(1, #"{"type":"signature_delta","signature":"Sig"}"#),
            Self.blockStop(1),
            Self.messageDelta("end_turn", Self.usage(0, 0)),
            Self.stop,
        ]))
    }

    @Test func droppedReasoningDoesNotSplitTheTextBlock() {
        let out = F.stream([.start(id: "msg_1", model: "m", usage: nil), .text("a"), .reasoning("unsigned"), .text("b"),
                            .finish(.stop, stopSequence: nil), .end], native: F.streamingNative())
        #expect(F.events(out).map(\.name) == ["message_start", "ping", "content_block_start", "content_block_delta",
                                              "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
    }

    @Test func closeFinishesAStreamThatEndedWithoutItsTerminator() {
        var encoder = F.frontEnd.makeStreamEncoder(for: F.streamingNative())
        var out = encoder.encode(.start(id: "msg_2", model: "m", usage: Usage(inputTokens: 5, outputTokens: 0)))
        out += encoder.encode(.text("partial"))
        out += encoder.encode(.finish(.length, stopSequence: nil))
        out += encoder.encode(.usage(Usage(inputTokens: 5, outputTokens: 100)))
        out += encoder.close()
        #expect(F.text(out) == Self.sse([
            Self.start("msg_2", "m", usage: #"{"input_tokens":5,"output_tokens":0}"#), Self.ping,
            Self.blockStart(0, #"{"type":"text","text":""}"#),
            Self.delta(0, #"{"type":"text_delta","text":"partial"}"#),
            Self.blockStop(0),
            Self.messageDelta("max_tokens", Self.usage(5, 100)),
            Self.stop,
        ]))
        #expect(encoder.close().isEmpty)
        #expect(encoder.encode(.text("late")).isEmpty)
    }

    @Test func startUsageIsTheFinalUsageWhenNoLaterUsageArrives() {
        let out = F.stream([.start(id: "m1", model: "m", usage: Usage(inputTokens: 7, outputTokens: 1)), .text("x"),
                            .finish(.stop, stopSequence: nil), .end], native: F.streamingNative())
        #expect(F.events(out).first { $0.name == "message_delta" }?.data.contains(#""usage":{"input_tokens":7,"#) == true)
    }

    @Test func errorsEndTheStreamInAnthropicsEnvelope() {
        var encoder = F.frontEnd.makeStreamEncoder(for: F.streamingNative())
        _ = encoder.encode(.start(id: "msg_3", model: "m", usage: nil))
        _ = encoder.encode(.text("Hel"))
        let failed = F.text(encoder.encode(.error(GatewayError(status: 503, type: "server_error", code: "overloaded",
                                                               message: "anthropic: Overloaded", retryable: true))))
        #expect(failed == "event: error\ndata: " + #"{"type":"error","error":{"type":"overloaded_error","message":"anthropic: Overloaded"}}"# + "\n\n")
        #expect(encoder.encode(.end).isEmpty)
        #expect(encoder.close().isEmpty)
        #expect(encoder.fail(.upstreamTimeout(provider: "x")).isEmpty)

        var other = F.frontEnd.makeStreamEncoder(for: F.streamingNative())
        let truncated = F.text(other.fail(.upstreamInvalidStream(provider: "openai", detail: "cut")))
        #expect(truncated.hasPrefix("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""))
    }

    @Test func keepAliveIsAPingEvent() {
        let encoder = F.frontEnd.makeStreamEncoder(for: F.streamingNative())
        #expect(F.text(encoder.keepAlive()) == "event: ping\ndata: {\"type\":\"ping\"}\n\n")
    }

    @Test func contentBeforeStartStillOpensTheMessage() {
        let out = F.stream([.text("x"), .end], native: F.streamingNative())
        let events = F.events(out)
        #expect(events.map(\.name) == ["message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop",
                                       "message_delta", "message_stop"])
        let start = (try? JSON.parse(events[0].data))?["message"]
        #expect(start?["model"] == "claude-via-gateway")
        #expect(start?["id"]?.stringValue?.hasPrefix("msg_") == true)
    }

    @Test func redactedReasoningAndEmptyStream() {
        let empty = F.stream([.start(id: "msg_4", model: "m", usage: nil), .finish(.stop, stopSequence: nil), .end],
                             native: F.streamingNative())
        #expect(empty == Self.sse([Self.start("msg_4", "m"), Self.ping, Self.messageDelta("end_turn", Self.usage(0, 0)), Self.stop]))
    }
}
