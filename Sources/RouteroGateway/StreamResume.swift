import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting

/// A client stream that broke after the client received part of it, and what the next leg needs
/// to complete it: what was delivered, the client encoder in the state the client saw, and the
/// error the client gets if nothing completes it (a later leg's failure never replaces it).
struct StreamResume {
    let originalError: GatewayError
    /// What the client has, all legs so far.
    var received: StreamTranscript
    /// The encoder of the client's stream, in the state the client saw.
    var encoder: any ChatStreamEncoder
    /// Restart (nothing but the opening was sent) or resume after the delivered text.
    private(set) var verdict: StreamContinuation.Verdict
    /// Deployments that refused a prefill; they get the instruction form instead.
    var prefillRefused: Set<String> = []
    /// The pipe that last wrote to the client: it ends the stream in the client's framing.
    var lastPipe: any StreamPipe

    /// The delivered text a continuation must follow ("" for a restart).
    var delivered: String { received.text }

    /// The resume point after `pipe` broke with `error`, or nil with the reason when the stream
    /// cannot be continued and must end with an error event.
    static func after(_ error: GatewayError, pipe: any StreamPipe, session: inout ChatSession)
        -> Result<StreamResume, ResumeRefusal>
    {
        guard let received = pipe.transcript else { return .failure(ResumeRefusal("the stream outgrew its record")) }
        let call: ChatCall
        do { call = try session.canonical() } catch { return .failure(ResumeRefusal("the request has no canonical form")) }
        let verdict = StreamContinuation.verdict(call: call, received: received)
        if case .refuse(let reason) = verdict { return .failure(ResumeRefusal(reason)) }
        var encoder: any ChatStreamEncoder
        if let own = pipe.clientEncoder {
            encoder = own
        } else {
            // Passthrough: the client got the provider's own bytes; an encoder of the client's
            // format is brought to the same point by replaying what they carried.
            encoder = session.frontEnd.makeStreamEncoder(for: session.native)
            _ = encoder.encode(.start(id: received.id, model: received.model, usage: nil))
            if !received.text.isEmpty { _ = encoder.encode(.text(received.text)) }
        }
        return .success(StreamResume(originalError: error, received: received, encoder: encoder, verdict: verdict,
                                     lastPipe: pipe))
    }

    /// A later leg broke after writing: the client now has more, written by `pipe`. Returns the
    /// refusal when what it wrote (a tool call, say) cannot be continued either.
    mutating func advance(to pipe: any StreamPipe, call: ChatCall) -> ResumeRefusal? {
        lastPipe = pipe
        if let record = pipe.transcript { received = record }
        if let encoder = pipe.clientEncoder { self.encoder = encoder }
        verdict = StreamContinuation.verdict(call: call, received: received)
        if case .refuse(let reason) = verdict { return ResumeRefusal(reason) }
        return nil
    }

    /// The bytes that end the client's stream with the original error.
    mutating func failure() -> [UInt8] { lastPipe.fail(originalError) }

    /// What the earlier legs cost: reported usage where the provider sent it, else the estimate
    /// for the delivered text (output) and the prompt (input).
    func priorUsage(call: ChatCall) -> Usage {
        let reported = received.usage
        let output = max(reported?.outputTokens ?? 0, TokenEstimate.tokens(in: received.text))
        let input = (reported?.inputTokens).flatMap { $0 > 0 ? $0 : nil } ?? TokenEstimate.inputTokens(call)
        return Usage(inputTokens: input, outputTokens: output, cacheReadTokens: reported?.cacheReadTokens,
                     cacheWriteTokens: reported?.cacheWriteTokens)
    }

    /// The mode for `target`: prefill where the model takes it and has not refused it.
    func mode(for target: UpstreamTarget) -> ContinuationMode {
        target.assistantPrefill && !prefillRefused.contains(target.deploymentID) ? .prefill : .instruction
    }
}

/// Why a broken stream is not continued (for the log).
struct ResumeRefusal: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
