internal import CFastCGI
import Glibc
import RouteroSystem

/// One FastCGI request: its CGI parameters, its body, and its response stream.
///
/// A request is served by one thread at a time, so the class is not internally locked; it is
/// `@unchecked Sendable` so it can be handed to that thread, and so the curl loop thread can write
/// a held stream's chunks while the request thread sleeps (the gateway's inline relay, which
/// serializes the two).
public final class FastCGIRequest: @unchecked Sendable {
    private let raw: UnsafeMutablePointer<FCGX_Request>
    private var pendingHead: [UInt8]?
    /// True once response headers were written: the status can no longer change.
    public private(set) var headCommitted = false
    private var failedWrite = false
    private var bodyAtEOF = false
    /// Set when the handler used the response out of order (e.g. a second head after the first
    /// went out). Such a request is ended, its connection closed, and the gateway logs this; one
    /// request's bug must never take the process down.
    public private(set) var misuse: String?
    /// Who is told of a disconnect, and the watcher registration (request thread only).
    private var disconnectOwner: ObjectIdentifier?
    private var disconnectToken: UInt64?
    private let accepted = Monotonic.now()
    /// The connection's `SO_SNDBUF`, read on first use by ``canWriteWithoutBlocking(_:)``.
    private(set) var sendBufferBytes = 0
    /// An upper bound on the connection's send queue: the last `TIOCOUTQ` reading plus a wide
    /// estimate for everything written since (``queueGrowth(_:)``). Only this request's writes
    /// grow the queue and nginx's reads shrink it, so while the bound leaves room, a relayed
    /// chunk needs no `ioctl` (one per held-stream chunk was a few percent of a worker's CPU).
    /// nil until measured.
    private var queuedBound: Int?
    /// `TIOCOUTQ` readings taken by ``canWriteWithoutBlocking(_:)`` (tests).
    private(set) var queueMeasurements = 0

    /// Requests younger than this are not registered with the watcher (see `signalClientGone`).
    public static let watchAfterSeconds = 0.25

    init(raw: UnsafeMutablePointer<FCGX_Request>) {
        self.raw = raw
    }

    /// One CGI parameter, found by scanning libfcgi's `NAME=value` array in place: a request
    /// reads half a dozen of its ~30 parameters, so building a dictionary per request (about
    /// a hundred allocations) is wasted work. Valid until the request finishes.
    public func param(_ name: String) -> String? {
        guard var cursor = raw.pointee.envp else { return nil }
        let key = Array(name.utf8)
        while let entry = cursor.pointee {
            let matches = key.withUnsafeBufferPointer { k in
                strncmp(entry, UnsafeRawPointer(k.baseAddress!).assumingMemoryBound(to: CChar.self), k.count) == 0
                    && entry[k.count] == CChar(UInt8(ascii: "="))
            }
            if matches { return String(cString: entry + key.count + 1) }
            cursor += 1
        }
        return nil
    }

    /// The HTTP method, upper case.
    public var method: String { param("REQUEST_METHOD") ?? "GET" }

    /// The request path without the query string.
    public var path: String {
        let uri = param("REQUEST_URI") ?? param("DOCUMENT_URI") ?? "/"
        if let q = uri.firstIndex(of: "?") { return String(uri[..<q]) }
        return uri
    }

    /// The raw query string (without `?`), empty when absent.
    public var query: String { param("QUERY_STRING") ?? "" }

    /// The value of HTTP request header `name` (case-insensitive), as nginx passed it.
    public func header(_ name: String) -> String? {
        var key = "HTTP_"
        for ch in name.utf8 {
            if ch == UInt8(ascii: "-") { key.append("_") } else {
                key.unicodeScalars.append(Unicode.Scalar(ch >= 97 && ch <= 122 ? ch - 32 : ch))
            }
        }
        if let v = param(key) { return v }
        if name.lowercased() == "content-type" { return param("CONTENT_TYPE") }
        if name.lowercased() == "content-length" { return param("CONTENT_LENGTH") }
        return nil
    }

    /// Outcome of reading the request body.
    public enum Body: Sendable {
        case complete([UInt8])
        /// The body exceeded the limit; it was still read to the end (see `drainBody`).
        case tooLarge(limit: Int)
    }

    /// Reads the body to EOF, enforcing `limit` while reading.
    ///
    /// `CONTENT_LENGTH` is not trusted: a chunked upload reaches us without one (STACK.md §2).
    public func readBody(limit: Int) -> Body {
        var body: [UInt8] = []
        let declared = param("CONTENT_LENGTH").flatMap { Int($0) } ?? 0
        if declared > 0, declared <= limit { body.reserveCapacity(declared) }
        // Size the read buffer to the body nginx announced (it buffers the whole body, so the
        // length is known): a 64 KiB buffer zeroed for a 200-byte body costs more than the read.
        var chunk = [UInt8](repeating: 0, count: min(65536, max(1024, declared + 1)))
        var exceeded = false
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    FCGX_GetStr($0, Int32(buf.count), raw.pointee.in)
                }
            }
            if n <= 0 { break }
            if exceeded { continue }
            if body.count + Int(n) > limit { exceeded = true; body = []; continue }
            body.append(contentsOf: chunk[0..<Int(n)])
        }
        bodyAtEOF = true
        return exceeded ? .tooLarge(limit: limit) : .complete(body)
    }

    /// Reads and discards whatever body is left. Finishing a request with unread body bytes
    /// corrupts a kept-alive FastCGI connection (STACK.md §2), so the server always calls this.
    func drainBody() {
        if !bodyAtEOF { _ = readBody(limit: 0) }
    }

    /// True when the client (through nginx) has gone away or a write already failed.
    ///
    /// nginx closes the FastCGI connection as soon as its client disconnects, which shows up
    /// as POLLRDHUP/POLLHUP on our socket even while we have nothing to write.
    public var clientGone: Bool {
        if failedWrite || FCGX_GetError(raw.pointee.out) != 0 { return true }
        let fd = raw.pointee.ipcFd
        if fd < 0 { return true }
        var p = pollfd(fd: fd, events: Int16(ROUTERO_POLLRDHUP), revents: 0)
        let rc = poll(&p, 1, 0)
        if rc <= 0 { return false }
        return p.revents & Int16(ROUTERO_POLLRDHUP | POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Asks to be told, on another thread, as soon as the client goes away, so a thread that
    /// waits for something else (an upstream answer) needs no periodic ``clientGone`` poll.
    ///
    /// `makeSignal` runs only when `owner` differs from the last caller's, so calling this before
    /// every wait costs a comparison; a new owner's signal replaces the previous one, and runs at
    /// once if the client already left. A signal may also run when the client is still there
    /// (it only means "look now"): the waiting thread decides with ``clientGone``. Returns false
    /// when the process cannot watch this request; the caller then polls ``clientGone``.
    /// The registration ends with the request.
    ///
    /// A request younger than ``watchAfterSeconds`` is not registered yet (false): most requests
    /// finish sooner, and registering costs two `epoll_ctl` calls (about 4% of a fast request's
    /// CPU); a caller that polls at that interval asks again once the request is older. A caller
    /// that knows the request will be held (a stream whose head is out) passes `promptly`: its
    /// first poll would cost more than the registration (a timer, a wake-up, a `poll`).
    public func signalClientGone(to owner: ObjectIdentifier, promptly: Bool = false,
                                 _ makeSignal: () -> @Sendable () -> Void) -> Bool {
        if disconnectOwner == owner { return disconnectToken != nil }
        if disconnectToken == nil, !promptly, Monotonic.now() - accepted < Self.watchAfterSeconds { return false }
        disconnectOwner = owner
        let signal = makeSignal()
        guard let watcher = DisconnectWatcher.shared else { return false }
        if let token = disconnectToken {
            watcher.replace(token, signal: signal)
            return true
        }
        let fd = raw.pointee.ipcFd
        guard fd >= 0, let token = watcher.watch(fd, signal: signal) else { return false }
        disconnectToken = token
        return true
    }

    /// Ends the disconnect registration: before the connection is closed or carries the next request.
    func stopWatchingClient() {
        if let token = disconnectToken { DisconnectWatcher.shared?.unwatch(raw.pointee.ipcFd, token: token) }
        disconnectToken = nil
        disconnectOwner = nil
    }

    /// Sets the response status and headers without sending them.
    ///
    /// The head goes out together with the first body bytes: a flush holding only a header
    /// record whose length is not a multiple of 8 makes nginx sit on the headers (STACK.md §2).
    public func setHead(status: Int, headers: [(String, String)]) {
        guard !headCommitted else {
            // Writing on would splice a second response into the first one's body.
            misuse = misuse ?? "a response head (status \(status)) was set after the head had been sent"
            failedWrite = true
            return
        }
        var text = "Status: \(status) \(HTTPStatus.reason(status))\r\n"
        for (name, value) in headers {
            text += "\(Self.clean(name)): \(Self.clean(value))\r\n"
        }
        text += "\r\n"
        pendingHead = Array(text.utf8)
    }

    /// Writes body bytes (preceded by the pending head) and flushes them to nginx.
    /// Returns false once the client is gone; later writes are skipped.
    @discardableResult
    public func write(_ bytes: [UInt8], flush: Bool = true) -> Bool {
        if failedWrite { return false }
        if let head = pendingHead {
            pendingHead = nil
            headCommitted = true
            if !put(head) { return false }
        }
        if !bytes.isEmpty, !put(bytes) { return false }
        if let bound = queuedBound { queuedBound = bound + Self.queueGrowth(bytes.count) }
        if flush, FCGX_FFlush(raw.pointee.out) < 0 || FCGX_GetError(raw.pointee.out) != 0 {
            failedWrite = true
            return false
        }
        return true
    }

    /// Whether `count` more bytes can be written to nginx now without blocking: the head is out,
    /// no write failed, and the socket's send queue has room for them with a wide margin (a unix
    /// stream socket blocks once its queued bytes, counted with their buffer overhead, reach
    /// `SO_SNDBUF`). For a writer that must not block, such as the curl loop thread relaying a
    /// sleeping stream's chunk; when false, that writer hands the bytes to the request thread,
    /// whose blocking write is the back-pressure.
    public func canWriteWithoutBlocking(_ count: Int) -> Bool {
        guard headCommitted, pendingHead == nil, !failedWrite else { return false }
        let fd = raw.pointee.ipcFd
        guard fd >= 0 else { return false }
        if sendBufferBytes == 0 {
            var size: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0, size > 0 else { return false }
            sendBufferBytes = Int(size)
        }
        let limit = sendBufferBytes / 2 - count - count / 8 - 8192
        if let bound = queuedBound, bound <= limit { return true }
        guard let queued = sendQueueBytes() else { return false }
        queueMeasurements += 1
        queuedBound = queued
        // Records add 8 bytes per 64 KiB, and each queued buffer carries ~1 KiB of overhead.
        return queued <= limit
    }

    /// The connection's send queue right now, buffer overhead included (`TIOCOUTQ`).
    func sendQueueBytes() -> Int? {
        var queued: Int32 = 0
        return ioctl(raw.pointee.ipcFd, UInt(TIOCOUTQ), &queued) == 0 ? Int(queued) : nil
    }

    /// How much `n` bytes handed to libfcgi can add to the send queue at most: a unix socket
    /// counts each buffer's allocation, measured at up to 2.3 times the bytes plus ~1.3 KiB
    /// for small writes, and libfcgi writes at most one 8 KiB buffer per `write(2)`.
    static func queueGrowth(_ n: Int) -> Int {
        2 * n + 4096 * (n / 8184 + 2)
    }

    /// Sends a complete response in one flush.
    @discardableResult
    public func respond(status: Int, headers: [(String, String)], body: [UInt8]) -> Bool {
        var all = headers
        all.append(("Content-Length", String(body.count)))
        setHead(status: status, headers: all)
        return write(body)
    }

    private func put(_ bytes: [UInt8]) -> Bool {
        let n = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                FCGX_PutStr($0, Int32(buf.count), raw.pointee.out)
            }
        }
        if n < 0 { failedWrite = true; return false }
        return true
    }

    /// Header names and values must not carry CR/LF: that would let a value inject headers.
    private static func clean(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 == 13 || $0 == 10 }) { return s }
        return String(s.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
    }
}
