import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import Testing

/// The two halves agree: an Anthropic body read by the front-end and written by the adapter is the
/// body the client sent, and an upstream Anthropic answer read by the adapter and written by the
/// front-end is the answer Anthropic gave.
@Suite("Anthropic front-end and adapter round trips")
struct AnthropicRoundTripTests {
    typealias F = AnthropicFrontEndFixtures

    static let profile = ProviderProfile(id: "anthropic", defaultBaseURL: "https://api.anthropic.com",
                                         auth: .header("x-api-key"), family: .anthropic)
    static let target = UpstreamTarget(profile: profile, model: "claude-sonnet-4-5", apiKey: "k-0123456789")

    /// Thinking blocks come back unchanged, the signed empty one included (known bug bifrost #7064).
    @Test func requestBodySurvivesCanonicalAndBack() throws {
        let body = F.compact(#"""
        {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.",
         "messages":[{"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]},
          {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s+/="},{"type":"thinking","thinking":"","signature":"EmptyButSigned"},
            {"type":"redacted_thinking","data":"EmwK"},{"type":"text","text":"Checking."},
            {"type":"tool_use","id":"toolu_1","name":"w","input":{"c":"P"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},{"type":"text","text":"thanks"}]}],
         "temperature":0.5,"stop_sequences":["###"],
         "tools":[{"name":"w","description":"d","input_schema":{"type":"object","properties":{"c":{"type":"string"}}}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},"metadata":{"user_id":"u"},"stream":true}
        """#)
        let call = try F.canonical(body)
        let spec = try AnthropicAdapter(profile: Self.profile).makeRequest(call, target: Self.target)
        #expect(F.text(spec.body) == body)
    }

    @Test func responseSurvivesCanonicalAndBack() throws {
        let message = F.compact(#"""
        {"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-5",
         "content":[{"type":"thinking","thinking":"...","signature":"EqQB"},{"type":"redacted_thinking","data":"Emw"},
                    {"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":412,"cache_creation_input_tokens":7,"cache_read_input_tokens":30,"output_tokens":96}}
        """#)
        let adapter = AnthropicAdapter(profile: Self.profile)
        let result = try adapter.parseResponse(Array(message.utf8), for: ChatCall(model: "m", messages: []), target: Self.target)
        let native = NativeChat(family: .anthropic, body: [:], model: "claude-sonnet-4-5", stream: false)
        #expect(F.text(F.frontEnd.encodeResponse(result, for: native)) == message)
    }

    @Test func streamSurvivesCanonicalAndBack() throws {
        // An upstream Anthropic stream decoded by the adapter and re-encoded by the front-end gives the
        // same event sequence (ping placement aside), usage and stop reason included.
        let upstream = [
            #"{"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"Sig=="}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Calling."}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"#,
            #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}"#,
            #"{"type":"content_block_stop","index":2}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":40}}"#,
            #"{"type":"message_stop"}"#,
        ]
        var bytes: [UInt8] = []
        for data in upstream {
            let name = (try JSON.parse(data))["type"]?.stringValue
            bytes += SSEEvent(event: name, data: data).encoded()
        }
        var decoder = AnthropicAdapter(profile: Self.profile).makeStreamDecoder(for: ChatCall(model: "m", messages: []), target: Self.target)
        let events = try decoder.feed(bytes) + decoder.finish()
        let out = F.stream(events, native: F.streamingNative(thinking: true))
        let datas = F.events(out).filter { $0.name != "ping" }.map(\.data)
        var expected = upstream
        // The re-encoded start usage reports what the gateway knows (no cache fields were reported at start).
        expected[0] = #"{"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}"#
        #expect(datas == expected)
    }
}
