import RouteroCore
import RouteroProviders
import RouteroRouting
import Testing

/// Mid-stream continuation rules and the seam between legs (failover scenarios 8–10, 14).
struct ContinuationTests {
    static func call(_ text: String = "hi", maxTokens: Int? = nil) -> ChatCall {
        var call = ChatCall(model: "m", messages: [ChatMessage(role: .user, parts: [.text(TextPart(text))])])
        call.maxTokens = maxTokens
        call.stream = true
        return call
    }

    static func transcript(_ events: [ChatStreamEvent]) -> StreamTranscript {
        var t = StreamTranscript()
        events.forEach { t.apply($0) }
        return t
    }

    /// Feeds `legText` in two deltas split at every character, plus a finish, and returns the text
    /// the client would receive from the leg.
    static func spliced(_ delivered: String, _ legText: String) -> [String] {
        let chars = Array(legText)
        return (0...chars.count).map { cut in
            var splice = ContinuationSplice(delivered: delivered, priorUsage: nil)
            var out = ""
            for piece in [String(chars[..<cut]), String(chars[cut...])] where !piece.isEmpty {
                for case .text(let t) in splice.transform(.text(piece)) { out += t }
            }
            for case .text(let t) in splice.transform(.finish(.stop, stopSequence: nil)) { out += t }
            return out
        }
    }

    @Test func onlyPlainTextIsContinued() {
        let text = Self.transcript([.start(id: "c", model: "m", usage: nil), .text("Hello")])
        #expect(StreamContinuation.verdict(call: Self.call(), received: text) == .resume(prefix: "Hello"))
        let opening = Self.transcript([.start(id: "c", model: "m", usage: nil)])
        #expect(StreamContinuation.verdict(call: Self.call(), received: opening) == .restart)
        let tool = Self.transcript([.start(id: "c", model: "m", usage: nil), .text("x"),
                                    .toolCallStart(index: 0, id: "t", name: "f", signature: nil)])
        #expect(StreamContinuation.verdict(call: Self.call(), received: tool) == .refuse("a tool call had started"))
        let thinking = Self.transcript([.start(id: "c", model: "m", usage: nil), .reasoning("hmm")])
        #expect(StreamContinuation.verdict(call: Self.call(), received: thinking) == .refuse("reasoning had started"))
        let filtered = Self.transcript([.text("x"), .finish(.contentFilter, stopSequence: nil)])
        #expect(StreamContinuation.verdict(call: Self.call(), received: filtered)
                == .refuse("the answer was stopped by a content policy"))
        var json = Self.call()
        json.responseFormat = .jsonObject
        #expect(StreamContinuation.verdict(call: json, received: text) == .refuse("JSON mode"))
        var forced = Self.call()
        forced.toolChoice = .required
        #expect(StreamContinuation.verdict(call: forced, received: text) == .refuse("a forced tool choice"))
        var several = Self.call()
        several.candidateCount = 2
        #expect(StreamContinuation.verdict(call: several, received: text) == .refuse("several candidates"))
    }

    @Test func theRequestCarriesTheDeliveredTextAndTheRestOfTheCap() throws {
        let prefill = try #require(StreamContinuation.request(Self.call(maxTokens: 100), prefix: "The answer is ",
                                                              mode: .prefill, sentOutputTokens: 30))
        #expect(prefill.maxTokens == 70)
        #expect(prefill.messages.count == 2)
        #expect(prefill.messages.last?.role == .assistant)
        // Anthropic refuses a final assistant message ending in whitespace.
        #expect(prefill.messages.last?.parts == [.text(TextPart("The answer is"))])
        let instructed = try #require(StreamContinuation.request(Self.call(), prefix: "The answer",
                                                                 mode: .instruction, sentOutputTokens: 3))
        #expect(instructed.maxTokens == nil)
        #expect(instructed.messages.map(\.role) == [.user, .assistant, .user])
        #expect(instructed.messages.last?.parts == [.text(TextPart(StreamContinuation.instruction))])
        #expect(StreamContinuation.request(Self.call(maxTokens: 10), prefix: "x", mode: .prefill, sentOutputTokens: 10) == nil)
    }

    @Test func aTrueContinuationPassesUnchangedAtEverySplit() {
        for out in Self.spliced("The capital of France is", " Paris.") { #expect(out == " Paris.") }
    }

    @Test func anEchoOfTheDeliveredTextIsDroppedAtEverySplit() {
        for out in Self.spliced("The capital of", "The capital of France is Paris.") { #expect(out == " France is Paris.") }
    }

    @Test func aDoubledSpaceAtTheSeamIsDroppedAtEverySplit() {
        // The prefill was sent without its trailing space; the model starts with one.
        for out in Self.spliced("The capital of ", " France.") { #expect(out == "France.") }
    }

    @Test func aRestartedWordIsNotRepeated() {
        for out in Self.spliced("The capital of France is Par", "Paris.") { #expect(out == "is.") }
    }

    @Test func aRepeatedLastSentenceIsDropped() {
        let delivered = "First sentence here. Second sentence is long"
        for out in Self.spliced(delivered, "Second sentence is long enough.") { #expect(out == " enough.") }
    }

    @Test func aPartialEchoThatEndsTheLegIsDropped() {
        for out in Self.spliced("Hello world, again", "Hello wor") { #expect(out == "") }
    }

    @Test func aRestartWithNothingDeliveredPassesEverything() {
        for out in Self.spliced("", "Whole answer.") { #expect(out == "Whole answer.") }
    }

    @Test func theLegsOpeningAndReasoningAreDroppedAndUsageCoversBothLegs() {
        var splice = ContinuationSplice(delivered: "ab", priorUsage: Usage(inputTokens: 10, outputTokens: 2))
        #expect(splice.transform(.start(id: "other", model: "m2", usage: nil)) == [])
        #expect(splice.transform(.reasoning("thinking")) == [])
        #expect(splice.transform(.usage(Usage(inputTokens: 12, outputTokens: 5)))
                == [.usage(Usage(inputTokens: 22, outputTokens: 7))])
        #expect(splice.transform(.end) == [.end])
    }
}
