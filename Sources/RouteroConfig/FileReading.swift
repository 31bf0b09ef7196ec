#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small text files (the config itself, `file:` secrets) with plain POSIX calls, because
/// Sources must not depend on Foundation.
enum FileReading {
    /// The file's contents decoded as UTF-8, or the `strerror` text of the failure.
    static func readText(path: String, limit: Int = 16 << 20) -> Result<String, FileReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileReadError(errno: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadError(errno: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            // A config or secret file this large is a mistake (or /dev/zero); stop early.
            if bytes.count > limit { return .failure(FileReadError(reason: "file is larger than \(limit) bytes")) }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}

/// Why a file could not be read, as text safe to show.
struct FileReadError: Error {
    let reason: String

    init(reason: String) { self.reason = reason }

    init(errno code: Int32) {
        reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
