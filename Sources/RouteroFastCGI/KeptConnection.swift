internal import CFastCGI
import Glibc

/// Waiting on a FastCGI connection that nginx keeps open between requests.
enum KeptConnection {
    enum Next: Equatable { case request, closed }

    /// Blocks until the connection carries the next request or is closed by nginx.
    ///
    /// libfcgi would block in `read` for the next request and, on EOF, silently go on to accept
    /// a new connection; waiting here instead keeps the pool's count of accepting threads exact.
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
            var byte: UInt8 = 0
            let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if n > 0 { return .request }
            if n == 0 { return .closed }
            if errno == EAGAIN || errno == EINTR { continue }
            return .closed
        }
    }
}
