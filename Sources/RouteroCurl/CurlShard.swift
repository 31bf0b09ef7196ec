internal import CCurl
import RouteroSystem

/// One libcurl multi handle of the upstream loop: its own connection cache, ``ConnectionCensus``
/// and timer deadline (loop thread only).
///
/// Why the loop has more than one: libcurl 7.88 walks every connection in a multi handle's
/// cache, busy ones included, each time it removes a transfer whose connection stayed in the
/// cache (`curl_multi_remove_handle` marks "connect-only" connections for closure through
/// `Curl_conncache_foreach`). With 5,000 held streams on one worker, every stream end walked
/// 5,000 connections, and when 10,000 streams ended within seconds that walk was a quarter of
/// the workers' CPU (libcurl+0x191b8 under `curl_multi_remove_handle`), so the chunks of the
/// streams still open arrived late. A shard holds at most `capacity` transfers, which bounds
/// its cache and so each walk. Connections are reused only within their shard, so the loop
/// gives a new transfer a shard that may hold an idle connection to its origin first.
///
/// libcurl closes a cached connection that the server closed, or that has been idle longer
/// than its maximum age (118 s), only when a transfer starts on the same multi handle. A
/// shard past the first that a burst filled may then see no transfer for hours, so its idle
/// connections would stay open (in `CLOSE_WAIT` once the provider gives up on them). The loop
/// therefore recycles a shard that has had no transfer for as long as libcurl's maximum age:
/// a new multi handle, every cached connection closed.
final class CurlShard {
    let index: Int
    private(set) var multi: OpaquePointer
    unowned let epoll: Epoll
    var census = ConnectionCensus()
    /// When curl wants `CURL_SOCKET_TIMEOUT` handled (monotonic seconds), set by its timer
    /// callback; nil when it has no timeout pending.
    var timerDeadline: Double?
    /// Transfers in this multi handle now.
    private(set) var transfers = 0
    /// When `transfers` last fell to 0 (monotonic seconds); nil while it has transfers or
    /// since it was recycled with none.
    private var emptySince: Double?
    private let idleConnections: Int
    private let idleSeconds: Double

    /// - Parameters:
    ///   - idleConnections: `CURLMOPT_MAXCONNECTS`, the connections its cache keeps.
    ///   - idleSeconds: how long it stays without transfers before the loop recycles it.
    init(index: Int, epoll: Epoll, idleConnections: Int, idleSeconds: Double) {
        self.index = index
        self.epoll = epoll
        self.idleConnections = idleConnections
        self.idleSeconds = idleSeconds
        multi = Self.makeMulti(idleConnections)
        CurlSocketEvents.install(on: self)
    }

    private static func makeMulti(_ idleConnections: Int) -> OpaquePointer {
        let multi = curl_multi_init()!
        _ = routero_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, idleConnections)
        return multi
    }

    func transferStarted() {
        transfers += 1
        emptySince = nil
    }

    func transferEnded() {
        transfers -= 1
        if transfers == 0 { emptySince = Monotonic.now() }
    }

    /// When the loop should recycle the shard (monotonic seconds); nil while it has transfers.
    var recycleDeadline: Double? { emptySince.map { $0 + idleSeconds } }

    /// Closes every connection the shard caches (it has no transfer) and starts over with a
    /// new multi handle.
    func recycle() {
        precondition(transfers == 0, "a shard with transfers cannot be recycled")
        curl_multi_cleanup(multi)  // closes the cached connections through the census' close callback
        multi = Self.makeMulti(idleConnections)
        CurlSocketEvents.install(on: self)
        census = ConnectionCensus()
        timerDeadline = nil
        emptySince = nil
    }

    /// The epoll token of one of this shard's sockets: the shard in the high half, the
    /// descriptor in the low half (never `CurlLoop.wakeToken`: shards are far fewer than 2^32-1).
    func token(for socket: curl_socket_t) -> UInt64 {
        UInt64(index) << 32 | UInt64(UInt32(bitPattern: socket))
    }

    static func shardIndex(of token: UInt64) -> Int { Int(token >> 32) }
    static func socket(of token: UInt64) -> curl_socket_t { curl_socket_t(truncatingIfNeeded: token & 0xFFFF_FFFF) }
}
