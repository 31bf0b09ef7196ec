import Testing
import RouteroCore

@Suite("Log")
struct LogTests {
    @Test func formatsLogfmt() {
        let line = Log.format(level: .info, message: "request done",
                              fields: [("status", "200"), ("model", "groq/llama 3"), ("q", "a\"b=c"), ("e", ""),
                                       ("nl", "x\ny")],
                              timestamp: "2026-11-27T06:30:44.123Z")
        #expect(String(decoding: line, as: UTF8.self)
                == #"ts=2026-11-27T06:30:44.123Z level=info msg="request done" status=200 model="groq/llama 3" q="a\"b=c" e="" nl="x\ny""#)
        #expect(!line.contains(0x0A))
    }

    @Test func levelsFilterAndParse() {
        #expect(LogLevel(name: "WARN") == .warning)
        #expect(LogLevel(name: "verbose") == nil)
        #expect(LogLevel.debug < .error)
        let previous = Log.level
        Log.setLevel(.error)
        #expect(!Log.isEnabled(.warning))
        #expect(Log.isEnabled(.error))
        Log.setLevel(previous)
    }

    @Test func timestampShape() {
        let ts = Array(Log.currentTimestamp().utf8)
        #expect(ts.count == 24)
        #expect(ts[4] == UInt8(ascii: "-") && ts[10] == UInt8(ascii: "T") && ts[19] == UInt8(ascii: ".")
                && ts[23] == UInt8(ascii: "Z"))
    }
}
