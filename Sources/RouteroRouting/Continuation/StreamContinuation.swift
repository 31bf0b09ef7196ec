public import RouteroCore

/// How a deployment is asked to go on with an answer another deployment began.
public enum ContinuationMode: String, Sendable, Equatable {
    /// The delivered text is sent as a trailing assistant message that the model extends.
    case prefill
    /// The delivered text is sent as an assistant message followed by ``StreamContinuation/instruction``,
    /// for models that reject or ignore a trailing assistant message.
    case instruction
}

/// Mid-stream continuation rules: whether a stream that broke after reaching the client may be
/// completed by another deployment, and the request that does it. Pure: the executor does the I/O.
public enum StreamContinuation {
    /// What may follow a broken stream.
    public enum Verdict: Sendable, Equatable {
        /// Nothing but the stream's opening reached the client: run the request again, whole.
        case restart
        /// Only answer text reached the client: ask for the rest of it.
        case resume(prefix: String)
        /// The stream cannot be continued honestly; it must end with an error event. The reason is
        /// for the log.
        case refuse(String)
    }

    /// The user message of ``ContinuationMode/instruction`` (documented in deploy/ROUTING.md).
    public static let instruction = "Your previous reply was cut off. Continue it exactly where it stopped: "
        + "output only the rest of the reply, without repeating any of it and without any preamble."

    /// The verdict for `call` after the client received `received`.
    ///
    /// Never continued: after reasoning or a tool call started (a second model cannot finish the
    /// first one's thought or call), after a content-policy stop, in JSON mode (a spliced document
    /// is not guaranteed to parse), with a forced tool choice, or with several candidates.
    public static func verdict(call: ChatCall, received: StreamTranscript) -> Verdict {
        if !received.reasoning.isEmpty { return .refuse("reasoning had started") }
        if !received.toolCalls.isEmpty { return .refuse("a tool call had started") }
        if received.finishReason == .contentFilter { return .refuse("the answer was stopped by a content policy") }
        switch call.responseFormat {
        case .jsonObject?, .jsonSchema?: return .refuse("JSON mode")
        default: break
        }
        switch call.toolChoice {
        case .required?, .tool?: return .refuse("a forced tool choice")
        default: break
        }
        if (call.candidateCount ?? 1) > 1 { return .refuse("several candidates") }
        if received.text.isEmpty { return .restart }
        return .resume(prefix: received.text)
    }

    /// The call that asks for the rest of the answer after `prefix`, or nil when the token cap is
    /// already spent (the answer ends as `length`).
    /// - Parameter sentOutputTokens: output tokens already delivered (reported, else estimated).
    public static func request(_ call: ChatCall, prefix: String, mode: ContinuationMode, sentOutputTokens: Int) -> ChatCall? {
        var next = call
        if let cap = call.maxTokens {
            guard cap - sentOutputTokens > 0 else { return nil }
            next.maxTokens = cap - sentOutputTokens
        }
        // Anthropic rejects a final assistant message that ends in whitespace; the model then
        // begins with it, and the seam drops the duplicate.
        let trimmed = String(prefix.reversed().drop { $0.isWhitespace }.reversed())
        switch mode {
        case .prefill:
            next.messages.append(ChatMessage(role: .assistant, parts: [.text(TextPart(trimmed))]))
        case .instruction:
            next.messages.append(ChatMessage(role: .assistant, parts: [.text(TextPart(trimmed))]))
            next.messages.append(ChatMessage(role: .user, parts: [.text(TextPart(instruction))]))
        }
        return next
    }
}
