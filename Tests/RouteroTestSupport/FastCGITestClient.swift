import Glibc

/// A minimal FastCGI client speaking the wire protocol the way nginx does, so the server can be
/// tested without nginx: BEGIN_REQUEST, PARAMS, STDIN; then STDOUT records until END_REQUEST.
public final class FastCGITestClient {
    public let fd: Int32

    public init?(unixPath: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(unixPath.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 { Glibc.close(fd); return nil }
    }

    deinit { Glibc.close(fd) }

    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    public func send(params: [(String, String)], body: [UInt8], keepConnection: Bool = false) {
        var out: [UInt8] = []
        // Role responder; flags bit 0 is FCGI_KEEP_CONN, what nginx sends with fastcgi_keep_conn on.
        out += record(type: 1, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
        var p: [UInt8] = []
        for (k, v) in params { p += length(k.utf8.count) + length(v.utf8.count) + Array(k.utf8) + Array(v.utf8) }
        out += record(type: 4, content: p) + record(type: 4, content: [])
        var offset = 0
        while offset < body.count {
            let n = min(65535, body.count - offset)
            out += record(type: 5, content: Array(body[offset..<offset + n]))
            offset += n
        }
        out += record(type: 5, content: [])
        writeAll(out)
    }

    /// Reads STDOUT until END_REQUEST or EOF; returns the raw CGI response.
    public func readResponse() -> [UInt8] {
        var stdout: [UInt8] = []
        while let (type, content) = readRecord() {
            if type == 6 { stdout += content }
            if type == 3 { break }
        }
        return stdout
    }

    private func readRecord() -> (UInt8, [UInt8])? {
        guard let header = readExactly(8) else { return nil }
        let length = Int(header[4]) << 8 | Int(header[5])
        guard let content = readExactly(length + Int(header[6])) else { return nil }
        return (header[1], Array(content.prefix(length)))
    }

    private func readExactly(_ n: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, n - got) }
            if r <= 0 { return nil }
            got += r
        }
        return buf
    }

    private func writeAll(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let r = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            if r <= 0 { return }
            sent += r
        }
    }

    private func record(type: UInt8, content: [UInt8]) -> [UInt8] {
        let padding = (8 - content.count % 8) % 8
        return [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(padding), 0]
            + content + [UInt8](repeating: 0, count: padding)
    }

    private func length(_ n: Int) -> [UInt8] {
        n < 128 ? [UInt8(n)] : [UInt8(0x80 | (n >> 24)), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
    }
}
