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
                                   keepAliveBytes: [], makeDecoder: { OpenAIStreamDecoder(target: Self.target) })
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
    }
}
