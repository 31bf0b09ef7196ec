/// Incremental framer for one JSON array written progressively, element by element: Google's
/// `:streamGenerateContent` without `alt=sse` sends `[{…}\n,\r\n{…}\n]` over one response body.
///
/// Feed bytes as they arrive, split anywhere (inside a string, between the two bytes of an escape,
/// inside a multibyte UTF-8 character); each top-level element comes out, as the exact bytes it was
/// written with, as soon as its last byte (a closing brace for an object) arrives.
///
/// The framer tracks nesting depth outside strings and honours backslash escapes inside them, so
/// strings holding `]`, `}`, `,` or `\"` never end an element early. It checks the array's own
/// punctuation (the opening `[`, commas between elements, the closing `]`, only whitespace after it)
/// but not an element's inner syntax: ``feedValues(_:maxDepth:)`` parses each element strictly.
/// Elements may be any JSON value; bare numbers and literals end at the next `,`, `]` or whitespace.
public struct JSONArrayStreamParser: Sendable {
    private enum Phase: Sendable {
        /// Before the opening `[` (only whitespace allowed).
        case beforeArray
        /// After `[`: an element or `]`.
        case firstElement
        /// After `,`: an element (a `]` here would be a trailing comma).
        case nextElement
        /// After an element: `,` or `]`.
        case afterElement
        /// Inside an element.
        case inElement
        /// After the closing `]` (only whitespace allowed).
        case closed
    }

    private var phase = Phase.beforeArray
    /// The bytes of the element being read, carried over from earlier feeds.
    private var element: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The current element is a bare number or literal, which only a delimiter ends.
    private var scalar = false
    /// Bytes consumed before the current feed, for error offsets.
    private var consumed = 0

    /// Whether the opening `[` has been seen.
    public private(set) var opened = false
    /// Whether the closing `]` has been seen: the array, and so the stream, is complete.
    public private(set) var closed = false
    /// How many elements have come out so far.
    public private(set) var elementCount = 0

    /// Bytes held for an element that is not complete yet; a relay bounds this so an upstream that
    /// never closes an element cannot grow memory without limit.
    public var bufferedBytes: Int { element.count }

    /// Creates a framer at the start of a stream.
    public init() {}

    /// Consumes `bytes` and returns the bytes of every element they complete, in order.
    /// - Throws: when the input is not a JSON array: anything but whitespace before `[` or after `]`,
    ///   a missing comma between elements, a leading or trailing comma. The offset counts from the
    ///   first byte of the stream.
    public mutating func feed(_ bytes: [UInt8]) throws(JSONParseError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = phase == .inElement ? 0 : -1  // where the current element starts in `bytes`
        var i = 0
        defer { consumed += bytes.count }
        while i < bytes.count {
            let byte = bytes[i]
            switch phase {
            case .inElement:
                if scalar {
                    if Self.isDelimiter(byte) {
                        out.append(takeElement(bytes, from: start, through: i - 1))
                        phase = .afterElement
                        continue  // the delimiter is read again as punctuation
                    }
                } else if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        if depth == 0 {
                            out.append(takeElement(bytes, from: start, through: i))
                            phase = .afterElement
                        }
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""):
                        inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            out.append(takeElement(bytes, from: start, through: i))
                            phase = .afterElement
                        }
                    default:
                        break
                    }
                }
            case _ where Self.isWhitespace(byte):
                break
            case .beforeArray:
                guard byte == UInt8(ascii: "[") else { throw fail("expected '[' to open a streamed JSON array", at: i) }
                opened = true
                phase = .firstElement
            case .firstElement, .nextElement:
                if byte == UInt8(ascii: "]") {
                    guard phase == .firstElement else { throw fail("trailing comma before ']'", at: i) }
                    closed = true
                    phase = .closed
                } else {
                    try beginElement(byte, at: i)
                    start = i
                }
            case .afterElement:
                if byte == UInt8(ascii: ",") {
                    phase = .nextElement
                } else if byte == UInt8(ascii: "]") {
                    closed = true
                    phase = .closed
                } else {
                    throw fail("expected ',' or ']' after an array element", at: i)
                }
            case .closed:
                throw fail("unexpected data after the closing ']'", at: i)
            }
            i += 1
        }
        if phase == .inElement, start >= 0 { element.append(contentsOf: bytes[start...]) }
        return out
    }

    /// Consumes `bytes` and returns every element they complete, parsed strictly.
    /// - Throws: as ``feed(_:)``, or when an element is not valid JSON (offset within the element).
    public mutating func feedValues(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> [JSONValue] {
        var values: [JSONValue] = []
        for element in try feed(bytes) { values.append(try JSON.parse(element, maxDepth: maxDepth)) }
        return values
    }

    private mutating func beginElement(_ byte: UInt8, at index: Int) throws(JSONParseError) {
        depth = 0
        inString = false
        escaped = false
        scalar = false
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth = 1
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "n"):
            scalar = true
        default:
            throw fail("unexpected character at the start of an array element", at: index)
        }
        phase = .inElement
    }

    /// The held bytes plus `bytes[start...end]` (`start` < 0: the element began in an earlier feed).
    private mutating func takeElement(_ bytes: [UInt8], from start: Int, through end: Int) -> [UInt8] {
        var whole = element
        element.removeAll(keepingCapacity: true)
        if end >= max(start, 0) { whole.append(contentsOf: bytes[max(start, 0)...end]) }
        elementCount += 1
        return whole
    }

    private func fail(_ reason: String, at index: Int) -> JSONParseError {
        JSONParseError(offset: consumed + index, reason: reason)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")
    }
}
