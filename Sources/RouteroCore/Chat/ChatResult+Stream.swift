extension ChatResult {
    /// The whole answer as the stream events that would have carried it (the inverse of
    /// ``StreamTranscript/result()``): how a cached answer is replayed to a streaming client.
    public func streamEvents() -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = [.start(id: id, model: model, usage: nil)]
        var toolIndex = 0
        for part in parts {
            switch part {
            case .reasoning(let r):
                if let redacted = r.redacted { events.append(.redactedReasoning(redacted)); continue }
                if !r.text.isEmpty { events.append(.reasoning(r.text)) }
                if let signature = r.signature { events.append(.reasoningSignature(signature)) }
            case .text(let t):
                if !t.text.isEmpty { events.append(.text(t.text)) }
            case .refusal(let text):
                if !text.isEmpty { events.append(.text(text)) }
            case .toolCall(let call):
                events.append(.toolCallStart(index: toolIndex, id: call.id, name: call.name, signature: call.signature))
                if !call.arguments.isEmpty { events.append(.toolCallArguments(index: toolIndex, fragment: call.arguments)) }
                toolIndex += 1
            case .image, .audio, .file, .toolResult:
                continue
            }
        }
        events.append(.finish(finishReason ?? .stop, stopSequence: stopSequence))
        if let usage { events.append(.usage(usage)) }
        events.append(.end)
        return events
    }
}
