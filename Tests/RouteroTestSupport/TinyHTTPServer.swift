import Glibc
import Synchronization

/// One request as ``TinyHTTPServer`` read it.
public struct TinyHTTPRequest: Sendable {
    public let method: String
    public let path: String
    /// Header names lower-cased, in arrival order.
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0 == lowered }?.1
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What a custom route answers.
public enum TinyHTTPResponse: Sendable {
    /// A complete response with `content-length` framing.
    case full(status: Int, headers: [(String, String)], body: [UInt8])
    /// A chunked response: each piece is sent as one HTTP chunk after `delayMs`; with
    /// `dropAtEnd` the connection is closed without the terminating zero-length chunk.
    case chunked(status: Int, headers: [(String, String)], pieces: [[UInt8]], delayMs: Int, dropAtEnd: Bool)

    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> TinyHTTPResponse {
        .full(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }
}

/// A small blocking HTTP/1.1 server on 127.0.0.1:0 with keep-alive, for testing the upstream
/// client and the gateway without any other process. A custom `handler` is asked first; when
/// it returns nil, the built-in routes answer:
/// - `/echo`: 200 with the request body, `content-length` framing
/// - `/chunks/N`: N chunked pieces `piece-i;` 50 ms apart
/// - `/big/N`: N bytes as fast as the socket takes them
/// - `/status/N`: status N with a JSON error body
public final class TinyHTTPServer: Sendable {
    private let handler: (@Sendable (TinyHTTPRequest) -> TinyHTTPResponse?)?
    private let listener = LoopbackListener()
    public let closedEarly = Atomic<Int>(0)
    public let bigBytesSent = Atomic<Int>(0)
    private let recorded = Mutex<[TinyHTTPRequest]>([])

    public init(handler: (@Sendable (TinyHTTPRequest) -> TinyHTTPResponse?)? = nil) {
        self.handler = handler
        listener.start { [self] fd in serve(fd) }
    }

    public var port: Int { listener.port }
    /// Connections accepted so far.
    public var connections: Int { listener.connections.load(ordering: .relaxed) }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    public var requests: [TinyHTTPRequest] { recorded.withLock { $0 } }

    public func stop() { listener.stop() }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        while true {
            guard let headEnd = readUntilHeadEnd(fd, &buffer) else { return }
            let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
            buffer.removeFirst(headEnd + 4)
            let lines = head.split(separator: "\r\n")
            let requestLine = lines.first.map { $0.split(separator: " ").map(String.init) } ?? []
            let method = requestLine.first ?? "GET"
            let path = requestLine.count > 1 ? requestLine[1] : "/"
            var headers: [(String, String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " ")))
            }
            let length = headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0
            while buffer.count < length {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let request = TinyHTTPRequest(method: method, path: path, headers: headers, body: Array(buffer[0..<length]))
            buffer.removeFirst(length)
            recorded.withLock { $0.append(request) }
            if let custom = handler?(request) {
                if !send(fd, custom) { return }
                continue
            }
            if !respond(fd, path: path, body: request.body) { return }
        }
    }

    private func send(_ fd: Int32, _ response: TinyHTTPResponse) -> Bool {
        switch response {
        case .full(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) X\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(body.count)\r\n\r\n"
            return send(fd, head) && send(fd, body)
        case .chunked(let status, let headers, let pieces, let delayMs, let dropAtEnd):
            var head = "HTTP/1.1 \(status) X\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Transfer-Encoding: chunked\r\n\r\n"
            guard send(fd, head) else { return false }
            for piece in pieces {
                if delayMs > 0 { usleep(useconds_t(delayMs * 1000)) }
                guard send(fd, String(piece.count, radix: 16) + "\r\n"), send(fd, piece), send(fd, "\r\n") else {
                    closedEarly.add(1, ordering: .relaxed)
                    return false
                }
            }
            if dropAtEnd { return false }
            return send(fd, "0\r\n\r\n")
        }
    }

    private func respond(_ fd: Int32, path: String, body: [UInt8]) -> Bool {
        if path == "/echo" {
            return send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n") && send(fd, body)
        }
        if path.hasPrefix("/status/") {
            let json = "{\"error\":{\"message\":\"boom\"}}"
            return send(fd, "HTTP/1.1 \(path.dropFirst(8)) X\r\nContent-Type: application/json\r\nRetry-After: 7\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
        }
        if path.hasPrefix("/chunks/"), let n = Int(path.dropFirst(8)) {
            guard send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n") else { return false }
            for i in 0..<n {
                let piece = "piece-\(i);"
                if !send(fd, String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n") {
                    closedEarly.add(1, ordering: .relaxed)
                    return false
                }
                usleep(50_000)
            }
            return send(fd, "0\r\n\r\n")
        }
        if path.hasPrefix("/big/"), let n = Int(path.dropFirst(5)) {
            guard send(fd, "HTTP/1.1 200 OK\r\nContent-Length: \(n)\r\n\r\n") else { return false }
            let block = [UInt8](repeating: 120, count: 16384)
            var left = n
            while left > 0 {
                let part = Array(block.prefix(min(left, block.count)))
                if !send(fd, part) { return false }
                bigBytesSent.add(part.count, ordering: .relaxed)
                left -= part.count
            }
            return true
        }
        return send(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    }

    private func readUntilHeadEnd(_ fd: Int32, _ buffer: inout [UInt8]) -> Int? {
        while true {
            if buffer.count >= 4 {
                for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
                    return i
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    private func send(_ fd: Int32, _ text: String) -> Bool { send(fd, Array(text.utf8)) }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(self.drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
