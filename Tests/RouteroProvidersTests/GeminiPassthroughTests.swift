import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini same-family stream relay")
struct GeminiPassthroughTests {
    typealias F = GeminiStreamFixture

    func relay(_ chunks: [ArraySlice<UInt8>], sse: Bool, target: UpstreamTarget = geminiTarget())
        throws -> (bytes: String, complete: Bool) {
        var stream = GeminiPassthroughStream(target: target, sseFraming: sse)
        var out: [UInt8] = []
        for chunk in chunks { out += try stream.feed(Array(chunk)) }
        let (tail, complete) = stream.finish()
        return (utf8(out + tail), complete)
    }

    @Test func sseIsReframedUnchangedAtEverySplitPoint() throws {
        // Upstream with bare \n endings and a keep-alive comment: the client gets Google's \r\n framing.
        let upstream = ": keep-alive\n\n" + F.chunks.map { "data: \($0)\n\n" }.joined()
        let expected = F.sse(F.chunks)
        for split in 0...upstream.utf8.count {
            let result = try relay(halves(upstream, at: split), sse: true)
            #expect(result.bytes == expected, "split at \(split)")
            #expect(result.complete)
        }
    }

    @Test func jsonArrayIsReframedAtEverySplitPoint() throws {
        let upstream = F.array(F.chunks)
        let expected = "[" + F.chunks.joined(separator: ",\r\n") + "]"
        for split in 0...upstream.utf8.count {
            let result = try relay(halves(upstream, at: split), sse: false)
            #expect(result.bytes == expected, "split at \(split)")
            #expect(result.complete)
        }
    }

    @Test func eventsGoOutWhole() throws {
        var stream = GeminiPassthroughStream(target: geminiTarget(), sseFraming: true)
        let event = Array("data: \(F.chunks[0])\r\n\r\n".utf8)
        #expect(try stream.feed(Array(event[..<20])).isEmpty)
        #expect(stream.bufferedBytes > 0)
        #expect(try stream.feed(Array(event[20...])) == event)
        #expect(!stream.complete)

        var array = GeminiPassthroughStream(target: geminiTarget(), sseFraming: false)
        #expect(try array.feed(Array("[".utf8)) == Array("[".utf8))
        #expect(try array.feed(Array("{\"a\":\"}".utf8)).isEmpty)
        #expect(try array.feed(Array("\"}".utf8)) == Array(#"{"a":"}"}"#.utf8))
    }

    @Test func completeOnlyAfterAFinishReasonOrABlock() throws {
        #expect(try relay(halves(F.sse(Array(F.chunks.prefix(3))), at: 0), sse: true).complete == false)
        let truncated = try relay(halves(F.array(Array(F.chunks.prefix(3)), closed: false), at: 0), sse: false)
        #expect(!truncated.complete)
        #expect(!truncated.bytes.hasSuffix("]"))
        let block = #"{"promptFeedback":{"blockReason":"SAFETY"},"responseId":"b"}"#
        #expect(try relay(halves(F.sse([block]), at: 0), sse: true).complete)
    }

    @Test func finishedArrayWithoutItsBracketIsClosed() throws {
        let result = try relay(halves(F.array(F.chunks, closed: false), at: 0), sse: false)
        #expect(result.complete)
        #expect(result.bytes == "[" + F.chunks.joined(separator: ",\r\n") + "]")
    }

    @Test func failEndsTheStreamInTheClientsFraming() throws {
        let error = GatewayError.upstreamTimeout(provider: "gemini")

        var sse = GeminiPassthroughStream(target: geminiTarget(), sseFraming: true)
        _ = try sse.feed(Array(F.sse([F.chunks[0]]).utf8))
        #expect(utf8(sse.fail(error)) == #"data: {"error":{"code":504,"message":"gemini: the upstream provider did not respond in time.","status":"DEADLINE_EXCEEDED"}}"# + "\r\n\r\n")
        #expect(sse.fail(error).isEmpty)
        #expect(try sse.feed(Array(F.sse([F.chunks[1]]).utf8)).isEmpty)

        var empty = GeminiPassthroughStream(target: geminiTarget(), sseFraming: false)
        let object = #"{"error":{"code":504,"message":"gemini: the upstream provider did not respond in time.","status":"DEADLINE_EXCEEDED"}}"#
        #expect(utf8(empty.fail(error)) == "[" + object + "]")

        var started = GeminiPassthroughStream(target: geminiTarget(), sseFraming: false)
        let first = try started.feed(Array(("[" + F.chunks[0] + "\n,\r\n").utf8))
        #expect(utf8(first + started.fail(error)) == "[" + F.chunks[0] + ",\r\n" + object + "]")

        var closed = GeminiPassthroughStream(target: geminiTarget(), sseFraming: false)
        _ = try closed.feed(Array(F.array(F.chunks).utf8))
        #expect(closed.fail(error).isEmpty)
    }

    /// An upstream error chunk is withheld and thrown, sanitized, in both framings; so is a chunk
    /// that is not JSON.
    @Test func upstreamErrorChunksAreWithheldSanitized() throws {
        let leak = #"{"error":{"code":400,"message":"API key \#(geminiKey) not valid","status":"INVALID_ARGUMENT"}}"#
        for (input, sse) in [(F.sse([leak]), true), ("[" + leak + "]", false)] {
            do {
                _ = try relay(halves(input, at: 0), sse: sse)
                Issue.record("an error chunk was relayed")
            } catch let error as GatewayError {
                #expect(!error.message.contains(geminiKey))
                #expect(error.status == 400)
            }
        }
        #expect(throws: GatewayError.self) { try relay(halves(F.sse(["{\"candidates\":[{"]), at: 0), sse: true) }
    }

    @Test func failMessagesAreSanitized() {
        var stream = GeminiPassthroughStream(target: geminiTarget(apiBase: "https://proxy.corp.internal/gemini"), sseFraming: true)
        let out = utf8(stream.fail(.upstreamUnreachable(provider: "gemini", detail: "https://proxy.corp.internal/gemini refused")))
        #expect(!out.contains("proxy.corp.internal"))
    }

    @Test func notAnArray() {
        var stream = GeminiPassthroughStream(target: geminiTarget(), sseFraming: false)
        #expect(throws: GatewayError.self) { try stream.feed(Array("data: {}".utf8)) }
    }

    @Test func adapterMakesTheRelayForTheClientsFraming() throws {
        var relay = gemini.makePassthroughStream(
            for: NativeChat(family: .gemini, body: [:], model: "m", stream: true, sseFraming: false), target: geminiTarget())
        #expect(utf8(try relay.feed(Array(F.array(F.chunks).utf8))).hasPrefix("[{"))
        #expect(relay.complete)
    }
}
