internal import CFastCGI
import Glibc

/// Waiting on a FastCGI connection that nginx keeps open between requests.
///
/// libfcgi would block in `read` for the next request and, on EOF, silently go on to accept a
/// new connection; waiting here instead keeps the pool's count of accepting threads exact.
enum KeptConnection {
    enum Next: Equatable { case request, closed }

    /// Suspends until the connection carries the next request or is closed by nginx. The wait is
    /// one registration with the process's ``DisconnectWatcher``: an idle kept connection holds
    /// no thread (nginx keeps up to its upstream `keepalive` of them per nginx worker process).
    static func nextRequest(fd: Int32) async -> Next {
        guard let watcher = DisconnectWatcher.shared else { return waitForNextRequest(fd: fd) }
        while true {
            if let next = peek(fd) { return next }
            var token: UInt64?
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                token = watcher.watch(fd, events: [.readable, .readHangUp]) { continuation.resume() }
                if token == nil { continuation.resume() }
            }
            guard let token else { return waitForNextRequest(fd: fd) }
            watcher.unwatch(fd, token: token)
        }
    }

    /// Blocks until the connection carries the next request or is closed (where the process has
    /// no watcher).
    static func waitForNextRequest(fd: Int32) -> Next {
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN) | Int16(ROUTERO_POLLRDHUP), revents: 0)
            let rc = poll(&p, 1, 1000)
            if rc < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if rc == 0 { continue }
            if p.revents & Int16(POLLERR | POLLNVAL) != 0 { return .closed }
            if let next = peek(fd) { return next }
        }
    }

    /// What the socket holds now: a request's first byte, the end, or nil for nothing yet.
    private static func peek(_ fd: Int32) -> Next? {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n > 0 { return .request }
        if n == 0 { return .closed }
        if errno == EAGAIN || errno == EINTR { return nil }
        return .closed
    }
}
