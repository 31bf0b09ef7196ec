public import RouteroCore

/// Turns the events of a continuation leg into the events the client still needs, so that the
/// client sees one answer: the leg's own opening is dropped (the client already has one), its echo
/// of the delivered text and a doubled space at the seam are removed, reasoning is dropped (the
/// client's answer already began as text), and usage covers every leg.
///
/// The echo check holds the leg's first text while it may still be a repeat (of the whole delivered
/// text, or of its last ``overlapWindow`` characters), so a leg that starts over is recognised
/// however its deltas are split; a true continuation diverges within a few characters.
/// A leg that restarts only the last words is caught too: an overlap of at least
/// ``minimumOverlap`` characters between the end of the delivered text and the start of the leg's,
/// or the re-spelling of a word the delivered text ended inside of.
public struct ContinuationSplice: Sendable {
    /// The shortest run of repeated characters treated as an overlap at the seam.
    public static let minimumOverlap = 12
    /// How far back an overlap is looked for.
    static let overlapWindow = 512

    private let delivered: [Character]
    private let priorUsage: Usage?
    private var pending: [Character] = []
    private var decided: Bool

    /// - Parameters:
    ///   - delivered: the answer text the client already has ("" for a clean restart).
    ///   - priorUsage: what the earlier legs cost (reported, or estimated), added to the leg's usage.
    public init(delivered: String, priorUsage: Usage?) {
        self.delivered = Array(delivered)
        self.priorUsage = priorUsage
        self.decided = delivered.isEmpty
    }

    /// The events to encode for the client in place of `event`.
    public mutating func transform(_ event: ChatStreamEvent) -> [ChatStreamEvent] {
        switch event {
        case .start:
            return []
        case .reasoning, .reasoningSignature, .redactedReasoning:
            return []
        case .text(let text):
            let out = seam(text)
            return out.isEmpty ? [] : [.text(out)]
        case .usage(let usage):
            return [.usage(Self.sum(priorUsage, usage))]
        case .finish, .end, .error, .toolCallStart, .toolCallArguments:
            // Whatever is still held was an echo of part of the delivered text: it is dropped.
            decided = true
            pending = []
            return [event]
        }
    }

    private mutating func seam(_ text: String) -> String {
        if decided { return text }
        pending += text
        if pending.count < delivered.count, delivered.starts(with: pending) { return "" }
        if couldStillOverlap() { return "" }
        decided = true
        var out: ArraySlice<Character>
        if pending.starts(with: delivered) {
            out = pending[delivered.count...]
        } else {
            out = pending[(overlap())...]
        }
        pending = []
        if let last = delivered.last, last.isWhitespace {
            out = out.drop { $0.isWhitespace }
        }
        return String(out)
    }

    /// Whether `pending` occurs inside the delivered text's tail, so that more of the leg may still
    /// turn out to repeat the end of it (or, when it repeats the very end, to re-spell its last word).
    private func couldStillOverlap() -> Bool {
        let start = max(0, delivered.count - Self.overlapWindow)
        let last = delivered.count - pending.count
        guard last >= start else { return false }
        for j in start...last where delivered[j] == pending[0] {
            if delivered[j..<(j + pending.count)].elementsEqual(pending) { return true }
        }
        return false
    }

    /// How many leading characters of `pending` repeat the end of the delivered text.
    private func overlap() -> Int {
        let limit = min(Self.overlapWindow, delivered.count, pending.count)
        var k = limit
        while k >= Self.minimumOverlap {
            if delivered.suffix(k).elementsEqual(pending.prefix(k)) { return k }
            k -= 1
        }
        // The delivered text stopped inside a word that the leg spells again from its start.
        let partial = delivered.reversed().prefix { $0.isLetter || $0.isNumber }.count
        if partial > 0, partial < pending.count, pending.prefix(partial).elementsEqual(delivered.suffix(partial)),
           pending[partial].isLetter || pending[partial].isNumber {
            return partial
        }
        return 0
    }

    /// Usage over legs: each leg's input (the second one re-reads the prompt) and output.
    public static func sum(_ a: Usage?, _ b: Usage) -> Usage {
        guard let a else { return b }
        return Usage(inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens,
                     cacheReadTokens: add(a.cacheReadTokens, b.cacheReadTokens),
                     cacheWriteTokens: add(a.cacheWriteTokens, b.cacheWriteTokens),
                     reasoningTokens: add(a.reasoningTokens, b.reasoningTokens))
    }

    private static func add(_ a: Int?, _ b: Int?) -> Int? {
        if a == nil && b == nil { return nil }
        return (a ?? 0) + (b ?? 0)
    }
}
