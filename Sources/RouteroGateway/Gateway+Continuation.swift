import RouteroCore
import RouteroProviders
import RouteroRouting
import RouteroSystem

extension Gateway {
    /// Where a stream that broke after reaching the client can go on from, or why it cannot
    /// (continuation turned off included).
    func continuationStart(_ error: GatewayError, pipe: any StreamPipe, session: inout ChatSession)
        -> Result<StreamResume, ResumeRefusal>
    {
        guard config.routing.streamContinuation else { return .failure(ResumeRefusal("stream_continuation is off")) }
        return StreamResume.after(error, pipe: pipe, session: &session)
    }

    /// The leg that asks `target` for the rest of the answer.
    func continuationLeg(_ resume: StreamResume, target: UpstreamTarget, session: inout ChatSession)
        -> Result<ContinuationLeg, ResumeRefusal>
    {
        let original: ChatCall
        do { original = try session.canonical() } catch { return .failure(ResumeRefusal("the request has no canonical form")) }
        let prior = resume.priorUsage(call: original)
        var call = original
        if !resume.delivered.isEmpty {
            guard let next = StreamContinuation.request(original, prefix: resume.delivered, mode: resume.mode(for: target),
                                                        sentOutputTokens: prior.outputTokens) else {
                return .failure(ResumeRefusal("max_tokens was spent before the break"))
            }
            call = next
        }
        call.stream = true
        call.includeUsage = true  // the leg's usage is added to the earlier legs'
        return .success(ContinuationLeg(call: call, encoder: resume.encoder, received: resume.received,
                                        splice: ContinuationSplice(delivered: resume.delivered, priorUsage: prior)))
    }

    /// Ends a broken stream that nothing could complete with the original error, in the client's format.
    func endBrokenStream(_ x: inout Exchange, _ resume: inout StreamResume?, reason: String) {
        guard var current = resume else { return }
        x.request.write(current.failure())
        resume = current
        x.note("stream_error", current.originalError.code ?? current.originalError.type)
        x.note("continuation", "gave up: \(reason)")
    }

    /// When the request's whole budget (`total_timeout_seconds`, else the upstream timeout) ends.
    func budgetDeadline(_ x: Exchange) -> Double {
        x.started + (config.routing.totalTimeoutSeconds ?? config.server.upstreamTimeoutSeconds)
    }
}
