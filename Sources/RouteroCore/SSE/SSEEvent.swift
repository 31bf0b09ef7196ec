/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` name, or `nil` for the default (`message`) type.
    public var event: String?
    /// The data lines joined with `"\n"`.
    public var data: String
    /// The `id:` field given in this event's block, if any.
    public var id: String?

    /// Creates an event.
    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }

    /// The wire form: `event: <name>\n` (if any), `id: <id>\n` (if any), one `data: <line>\n` per line of
    /// `data` (split on `\n`, `\r\n` and `\r`, so parsing the output yields this event again), then `\n`.
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        encode(into: &output)
        return output
    }

    /// Appends ``encoded()`` to `output` (a relay batches many events into one write).
    public func encode(into output: inout [UInt8]) {
        output.reserveCapacity(output.count + data.utf8.count + 16)
        if let event {
            output.append(contentsOf: "event: ".utf8)
            output.append(contentsOf: event.utf8)
            output.append(0x0A)
        }
        if let id {
            output.append(contentsOf: "id: ".utf8)
            output.append(contentsOf: id.utf8)
            output.append(0x0A)
        }
        if !Self.hasLineBreak(data) {
            // Almost every event is one line (a JSON chunk): copied whole, not byte by byte.
            output.append(contentsOf: "data: ".utf8)
            output.append(contentsOf: data.utf8)
            output.append(contentsOf: [0x0A, 0x0A])
            return
        }
        var lineStart = true
        var previousWasCR = false
        for byte in data.utf8 {
            if byte == 0x0A && previousWasCR {
                previousWasCR = false
                continue  // second half of "\r\n": one line break, already written
            }
            previousWasCR = byte == 0x0D
            if lineStart { output.append(contentsOf: "data: ".utf8); lineStart = false }
            if byte == 0x0A || byte == 0x0D {
                output.append(0x0A)
                lineStart = true
            } else {
                output.append(byte)
            }
        }
        if lineStart { output.append(contentsOf: "data: ".utf8) }
        output.append(contentsOf: [0x0A, 0x0A])
    }

    private static func hasLineBreak(_ text: String) -> Bool {
        let bytes = text.utf8.span
        for index in bytes.indices where bytes[index] == 0x0A || bytes[index] == 0x0D { return true }
        return false
    }

    /// `data: [DONE]`, the OpenAI end-of-stream sentinel.
    public static let done = SSEEvent(data: "[DONE]")

    /// Whether this is the `[DONE]` sentinel.
    public var isDone: Bool { data == "[DONE]" }
}

extension SSEEvent {
    /// The wire bytes of an event whose data is `value` serialized as JSON, written straight into
    /// one buffer: serialized JSON never contains a raw line break (the serializer escapes them), so
    /// the line splitting ``encoded()`` does for arbitrary text is not needed. The stream encoders
    /// call this once per translated event.
    public static func json(_ value: JSONValue, event: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        if let event {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: event.utf8)
            out.append(0x0A)
        }
        out.append(contentsOf: "data: ".utf8)
        JSON.write(value, into: &out)
        out.append(contentsOf: [0x0A, 0x0A])
        return out
    }
}
