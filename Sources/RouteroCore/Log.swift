import Glibc
import Synchronization

/// Log severity, lowest first.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    /// The level's name as written in log lines and accepted by ``init(name:)``.
    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// Parses `debug`, `info`, `warning` (or `warn`), `error`, case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    /// Orders by severity.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The minimum level, shared by all threads; an atomic so the hot path reads it without a lock.
private let minimumLevel = Atomic<Int>(LogLevel.info.rawValue)

/// logfmt logging to stderr.
///
/// Each call writes exactly one line with one `write(2)`, so lines from concurrent threads and from the
/// worker processes sharing stderr do not interleave (the kernel keeps a single write to a pipe whole up to
/// PIPE_BUF bytes; longer lines may be split by a pipe reader but are never mixed within this process).
///
/// Line format: `ts=2026-11-27T06:30:44.123Z level=info msg="..." key=value key2="quoted value"`.
public enum Log {
    /// Sets the minimum level written (default `.info`).
    public static func setLevel(_ level: LogLevel) {
        minimumLevel.store(level.rawValue, ordering: .relaxed)
    }

    /// The current minimum level.
    public static var level: LogLevel {
        LogLevel(rawValue: minimumLevel.load(ordering: .relaxed)) ?? .info
    }

    /// Whether a message at `level` would be written (to skip building expensive fields).
    public static func isEnabled(_ level: LogLevel) -> Bool {
        level.rawValue >= minimumLevel.load(ordering: .relaxed)
    }

    /// Logs at debug level.
    public static func debug(_ message: String, _ fields: [(String, String)] = []) { emit(.debug, message, fields) }
    /// Logs at info level.
    public static func info(_ message: String, _ fields: [(String, String)] = []) { emit(.info, message, fields) }
    /// Logs at warning level.
    public static func warning(_ message: String, _ fields: [(String, String)] = []) { emit(.warning, message, fields) }
    /// Logs at error level.
    public static func error(_ message: String, _ fields: [(String, String)] = []) { emit(.error, message, fields) }

    private static func emit(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        guard isEnabled(level) else { return }
        var line = format(level: level, message: message, fields: fields, timestamp: currentTimestamp())
        line.append(0x0A)
        writeAll(line)
    }

    /// One logfmt line without the trailing newline.
    /// - Parameters:
    ///   - timestamp: an RFC 3339 UTC timestamp, e.g. from ``currentTimestamp()``.
    public static func format(level: LogLevel, message: String, fields: [(String, String)], timestamp: String) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(64 + message.utf8.count + fields.count * 24)
        appendField("ts", timestamp, to: &line)
        line.append(0x20)
        appendField("level", level.name, to: &line)
        line.append(0x20)
        appendField("msg", message, to: &line)
        for (key, value) in fields {
            line.append(0x20)
            appendField(key, value, to: &line)
        }
        return line
    }

    /// Keys are written bare with anything that would break parsing replaced by `_`; values are quoted
    /// when empty or when they contain a space, `"`, `=`, or a control character.
    private static func appendField(_ key: String, _ value: String, to line: inout [UInt8]) {
        for byte in key.utf8 {
            line.append(byte <= 0x20 || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") ? UInt8(ascii: "_") : byte)
        }
        line.append(UInt8(ascii: "="))
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x7F }
        guard needsQuotes else {
            line.append(contentsOf: value.utf8)
            return
        }
        line.append(0x22)
        for byte in value.utf8 {
            switch byte {
            case 0x22: line.append(contentsOf: [0x5C, 0x22])
            case 0x5C: line.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: line.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: line.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: line.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F: line.append(UInt8(ascii: "?"))  // never let a value forge a new line
            default: line.append(byte)
            }
        }
        line.append(0x22)
    }

    /// The current UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func currentTimestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec) / 1_000_000
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// One `write(2)` in the normal case; loops only on a partial write or EINTR.
    private static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // stderr closed or full: logging must never take the worker down
                }
            }
        }
    }
}
