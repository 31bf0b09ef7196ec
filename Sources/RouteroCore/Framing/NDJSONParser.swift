/// Incremental framer for newline-delimited JSON (one JSON text per line, as Ollama and some
/// other providers stream).
///
/// Feed bytes split anywhere; each complete line comes out without its line ending. Lines end in `\n`
/// or `\r\n` (a raw newline cannot occur inside a JSON string, so splitting on it is safe whatever
/// the line holds, multibyte UTF-8 included). Blank and whitespace-only lines are skipped.
public struct NDJSONParser: Sendable {
    private var partial: [UInt8] = []
    /// Lines completed so far, for error messages.
    public private(set) var lineCount = 0

    /// Bytes held for a line that has not ended yet; a relay bounds this.
    public var bufferedBytes: Int { partial.count }

    /// Creates a framer at the start of a stream.
    public init() {}

    /// Consumes `bytes` and returns the lines they complete, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var lineStart = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            if partial.isEmpty {
                appendLine(Array(bytes[lineStart..<i]), to: &lines)
            } else {
                partial.append(contentsOf: bytes[lineStart..<i])
                appendLine(partial, to: &lines)
                partial.removeAll(keepingCapacity: true)
            }
            lineStart = i + 1
        }
        if lineStart < bytes.count { partial.append(contentsOf: bytes[lineStart...]) }
        return lines
    }

    /// Ends the stream: a last line without a line ending is returned (servers often omit the final newline).
    public mutating func finish() -> [[UInt8]] {
        var lines: [[UInt8]] = []
        let last = partial
        partial.removeAll()
        appendLine(last, to: &lines)
        return lines
    }

    /// Consumes `bytes` and returns the lines they complete, each parsed strictly.
    /// - Throws: when a line is not one JSON text (the offset counts within the line).
    public mutating func feedValues(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> [JSONValue] {
        try Self.parse(feed(bytes), maxDepth: maxDepth)
    }

    /// ``finish()`` with the last line parsed.
    public mutating func finishValues(maxDepth: Int = 128) throws(JSONParseError) -> [JSONValue] {
        try Self.parse(finish(), maxDepth: maxDepth)
    }

    private static func parse(_ lines: [[UInt8]], maxDepth: Int) throws(JSONParseError) -> [JSONValue] {
        var values: [JSONValue] = []
        for line in lines { values.append(try JSON.parse(line, maxDepth: maxDepth)) }
        return values
    }

    private mutating func appendLine(_ raw: [UInt8], to lines: inout [[UInt8]]) {
        var line = raw
        if line.last == 0x0D { line.removeLast() }
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        lineCount += 1
        lines.append(line)
    }
}
