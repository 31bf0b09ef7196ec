/// Whether curl's cache can hold an idle HTTP/1.1 connection to an origin: the loop's own count
/// of the sockets its transfers opened and of the transfers that hold or will take one.
///
/// Why: libcurl 7.88 finds a reusable connection by walking every cached connection to the
/// host, busy or not, touching each one's structures. With a thousand held streams to one
/// provider, every new stream walked a thousand busy connections: about a tenth of the CPU a
/// ramp of held streams cost. When the count says no idle connection can exist, the transfer
/// asks for a fresh connection (`CURLOPT_FRESH_CONNECT`), which skips the walk; curl would have
/// opened one anyway. The new connection still goes into the cache and is reused later.
///
/// Per origin, `sockets - transfers + freshUnopened`:
/// - `sockets` counts the sockets opened for counted transfers and not yet closed (curl's open
///   and close socket callbacks). It can exceed the connections (a second address tried while
///   connecting), which only makes the walk run.
/// - `transfers` counts the HTTP/1.1 transfers in the multi handle: each holds one connection
///   or, pending, will take an idle one or open its own. Finished transfers must be collected
///   before new ones start, or their connections, idle again, would be missed.
/// - `freshUnopened` counts the fresh transfers whose socket is not open yet: they will not take
///   an idle connection.
///
/// When that is at most 0, the idle connections are at most the pending transfers that will
/// look for one, so a fresh connection takes nothing from anyone. The one case where it errs
/// towards an extra connection: a transfer still resolving its host holds a connection that has
/// no socket yet. HTTP/2 transfers multiplex over busy connections, so they are never counted
/// and always let curl look.
struct ConnectionCensus {
    struct Count: Equatable {
        var sockets = 0
        var transfers = 0
        var freshUnopened = 0

        var mayBeIdle: Int { sockets - transfers + freshUnopened }
    }

    private(set) var counts: [String: Count] = [:]
    private var socketOrigin: [Int32: String] = [:]

    /// The cache's key for `url`: scheme, host and port as written (`http://h:8080`).
    static func origin(of url: String) -> String {
        let bytes = url.utf8
        var i = bytes.startIndex
        var run = 0  // how many of ":", "/", "/" were just seen
        while i != bytes.endIndex, run < 3 {
            let b = bytes[i]
            run = b == UInt8(ascii: ":") ? 1 : (run > 0 && b == UInt8(ascii: "/") ? run + 1 : 0)
            i = bytes.index(after: i)
        }
        guard run == 3 else { return url }
        guard let end = bytes[i...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") })
        else { return url }
        return String(url[..<end])
    }

    /// Whether a new transfer to `origin` might find an idle connection (then curl must look).
    func mayHaveIdleConnection(to origin: String) -> Bool {
        (counts[origin]?.mayBeIdle ?? 0) > 0
    }

    mutating func transferStarted(to origin: String, fresh: Bool) {
        counts[origin, default: Count()].transfers += 1
        if fresh { counts[origin, default: Count()].freshUnopened += 1 }
    }

    /// - Parameter freshUnopened: the transfer was fresh and never opened its socket.
    mutating func transferEnded(to origin: String, freshUnopened: Bool) {
        update(origin) {
            $0.transfers -= 1
            if freshUnopened { $0.freshUnopened -= 1 }
        }
    }

    /// - Parameter firstOfFresh: the socket is the first one a fresh transfer opened.
    mutating func socketOpened(_ fd: Int32, to origin: String, firstOfFresh: Bool) {
        socketOrigin[fd] = origin
        counts[origin, default: Count()].sockets += 1
        if firstOfFresh { counts[origin, default: Count()].freshUnopened -= 1 }
    }

    /// A socket curl closed; ones the census never saw opened are ignored.
    mutating func socketClosed(_ fd: Int32) {
        guard let origin = socketOrigin.removeValue(forKey: fd) else { return }
        update(origin) { $0.sockets -= 1 }
    }

    private mutating func update(_ origin: String, _ change: (inout Count) -> Void) {
        guard var count = counts[origin] else { return }
        change(&count)
        counts[origin] = count == Count() ? nil : count
    }
}
