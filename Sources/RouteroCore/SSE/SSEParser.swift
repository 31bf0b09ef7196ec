/// Incremental server-sent-events parser following the WHATWG event-stream rules.
///
/// Feed bytes as they arrive, split anywhere (inside a line, inside a UTF-8 character, between the
/// `\r` and `\n` of one line ending); complete events come out once their blank line is seen.
/// - Line endings: `\n`, `\r\n` or `\r`.
/// - `data:` lines are joined with `\n`; one leading space after the colon is removed (`data:x` and
///   `data: x` both give `x`). A line without a colon is a field name with an empty value.
/// - `event:` names the event; `id:` is reported on the event whose block contains it (a relay wants
///   what this upstream event said, not the browser's "last event id" carried forward); `retry:` and
///   unknown fields are ignored.
/// - Lines starting with `:` are comments (keep-alives): counted, never emitted.
/// - A block with no `data:` line dispatches nothing.
/// - A UTF-8 byte order mark at the very start is skipped. Bytes are decoded to text only when an
///   event is dispatched, so a multibyte character split across feeds survives; invalid UTF-8 becomes U+FFFD.
public struct SSEParser: Sendable {
    private var partialLine: [UInt8] = []
    /// The previous feed ended in `\r`: a `\n` starting the next feed belongs to that line ending.
    private var pendingCR = false
    private var atStreamStart = true
    private var dataBuffer: [UInt8] = []
    private var dataLineCount = 0
    private var eventName: [UInt8]?
    private var eventID: [UInt8]?

    /// The number of comment lines seen so far.
    public private(set) var commentCount = 0

    /// Whether any comment line has been seen.
    public var sawComment: Bool { commentCount > 0 }

    /// Bytes held for an event that is not complete yet; a relay bounds this so an upstream that
    /// never ends a line or an event cannot grow memory without limit.
    public var bufferedBytes: Int { partialLine.count + dataBuffer.count }

    /// Creates a parser at the start of a stream.
    public init() {}

    /// Consumes `bytes` and returns the events completed by them, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [SSEEvent] {
        var events: [SSEEvent] = []
        var i = 0
        if pendingCR, !bytes.isEmpty {
            pendingCR = false
            if bytes[0] == 0x0A { i = 1 }
        }
        var lineStart = i
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == 0x0A || byte == 0x0D else {
                i += 1
                continue
            }
            if partialLine.isEmpty {
                bytes.withUnsafeBufferPointer { buffer in
                    processLine(UnsafeBufferPointer(rebasing: buffer[lineStart..<i]), into: &events)
                }
            } else {
                partialLine.append(contentsOf: bytes[lineStart..<i])
                let line = partialLine
                partialLine.removeAll(keepingCapacity: true)
                line.withUnsafeBufferPointer { processLine($0, into: &events) }
            }
            i += 1
            if byte == 0x0D {
                if i < bytes.count {
                    if bytes[i] == 0x0A { i += 1 }
                } else {
                    pendingCR = true
                }
            }
            lineStart = i
        }
        if lineStart < bytes.count { partialLine.append(contentsOf: bytes[lineStart...]) }
        return events
    }

    /// Ends the stream: a final line without a line ending is processed, and an event still missing its
    /// blank line is dispatched (upstreams that close right after the last `data:` line lose nothing).
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !partialLine.isEmpty {
            let line = partialLine
            partialLine.removeAll()
            line.withUnsafeBufferPointer { processLine($0, into: &events) }
        }
        pendingCR = false
        dispatch(into: &events)
        return events
    }

    private mutating func processLine(_ rawLine: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        var line = rawLine
        if atStreamStart {
            atStreamStart = false
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
        }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") {
            commentCount += 1
            return
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        var valueStart = Swift.min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])
        switch name.count {
        case 4 where name.elementsEqual("data".utf8):
            if dataLineCount > 0 { dataBuffer.append(0x0A) }
            dataBuffer.append(contentsOf: value)
            dataLineCount += 1
        case 5 where name.elementsEqual("event".utf8):
            eventName = Array(value)
        case 2 where name.elementsEqual("id".utf8):
            if !value.contains(0) { eventID = Array(value) }  // WHATWG: ids containing NUL are ignored
        default:
            break  // "retry" and unknown fields
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            dataLineCount = 0
            eventName = nil
            eventID = nil
        }
        guard dataLineCount > 0 else { return }
        let name = eventName.flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
        events.append(SSEEvent(event: name, data: String(decoding: dataBuffer, as: UTF8.self),
                               id: eventID.map { String(decoding: $0, as: UTF8.self) }))
    }
}
