@testable import RouteroGateway
import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import Testing

/// Both pipes keep a record of what the client received: the seam mid-stream continuation builds on.
struct StreamPipeTests {
    static let profile = ProviderCatalog.profile(named: "openai")!
    static let target = UpstreamTarget(profile: profile, model: "gpt")
    static let upstream = Array(("""
        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}


        """).utf8)

    @Test func passthroughRecordsWhatTheClientReceived() throws {
        let adapter = OpenAICompatibleAdapter(profile: Self.profile)
        let native = NativeChat(family: .openAI, body: [:], model: "gpt", stream: true)
        var pipe = PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: Self.target),
                                   keepAliveBytes: [], family: .openAI, makeDecoder: { OpenAIStreamDecoder(target: Self.target) })
        let split = 150
        let first = try pipe.feed(Array(Self.upstream[..<split]))
        let second = try pipe.feed(Array(Self.upstream[split...]))
        #expect(first.bytes + second.bytes == Self.upstream)
        let record = try #require(pipe.transcript)
        #expect(record.text == "Hello" && record.id == "c1" && record.finishReason == nil)
    }

    @Test func translatingRecordsWhatTheClientReceived() throws {
        var pipe = TranslatingPipe(decoder: OpenAIStreamDecoder(target: Self.target),
                                   encoder: AnthropicFrontEnd().makeStreamEncoder(
                                       for: NativeChat(family: .anthropic, body: [:], model: "gpt", stream: true)))
        _ = try pipe.feed(Self.upstream)
        #expect(pipe.transcript?.text == "Hello")
        #expect(pipe.carriedContent)
    }

    /// Stall detection starts with content, not with the opening: a reasoning model may send its
    /// role chunk and then think for minutes.
    @Test func passthroughNoticesContentButNotTheOpening() throws {
        let adapter = OpenAICompatibleAdapter(profile: Self.profile)
        let native = NativeChat(family: .openAI, body: [:], model: "gpt", stream: true)
        var pipe = PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: Self.target),
                                   keepAliveBytes: [], family: .openAI, makeDecoder: { OpenAIStreamDecoder(target: Self.target) })
        let events = String(decoding: Self.upstream, as: UTF8.self).components(separatedBy: "\n\n")
        _ = try pipe.feed(Array((events[0] + "\n\n").utf8))
        #expect(!pipe.carriedContent)
        _ = try pipe.feed(Array((events[1] + "\n\n").utf8))
        #expect(pipe.carriedContent)
    }

    @Test func contentMarkersOfEachFamily() {
        func carries(_ family: WireFamily, _ text: String) -> Bool {
            PassthroughPipe.contentMarkers(family).contains { PassthroughPipe.occurs($0, in: Array(text.utf8)) }
        }
        #expect(!carries(.openAI, #"{"delta":{"role":"assistant","content":""}}"#))
        #expect(carries(.openAI, #"{"delta": {"content": "x"}}"#))
        #expect(carries(.openAI, #"{"delta":{"tool_calls":[{"index":0}]}}"#))
        #expect(!carries(.anthropic, "event: message_start\ndata: {\"type\":\"message_start\"}"))
        #expect(carries(.anthropic, #"data: {"type":"content_block_delta","index":0}"#))
        #expect(carries(.gemini, #"{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}"#))
    }

    /// A broken chunk or an in-band error never reaches the client: the pipe throws instead.
    @Test func passthroughWithholdsBrokenChunksAndErrors() throws {
        let adapter = OpenAICompatibleAdapter(profile: Self.profile)
        let native = NativeChat(family: .openAI, body: [:], model: "gpt", stream: true)
        func pipe() -> PassthroughPipe {
            PassthroughPipe(stream: adapter.makePassthroughStream(for: native, target: Self.target),
                            keepAliveBytes: [], family: .openAI, makeDecoder: { OpenAIStreamDecoder(target: Self.target) })
        }
        var broken = pipe()
        #expect(throws: GatewayError.self) { try broken.feed(Array("data: {\"id\":\"c1\",\"choi\n\n".utf8)) }
        var failing = pipe()
        do {
            _ = try failing.feed(Array(#"data: {"error":{"message":"overloaded","type":"server_error","code":"server_is_overloaded"}}"#.utf8) + [10, 10])
            Issue.record("expected a throw")
        } catch {
            #expect(error.code == "server_is_overloaded")
        }
        var text = pipe()
        // The word "error" inside content is content.
        let chunk = #"data: {"id":"c","choices":[{"index":0,"delta":{"content":""error" is a word"},"finish_reason":null}]}"#
        #expect(try text.feed(Array(chunk.utf8) + [10, 10]).bytes.isEmpty == false)
    }
}
