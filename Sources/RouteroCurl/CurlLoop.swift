internal import CCurl
import Glibc
import RouteroSystem
import Synchronization

/// The process's single libcurl loop: all upstream I/O runs on this one thread.
///
/// One loop means one set of connection caches shared by every request thread; per-thread
/// easy handles only reused a warm connection when a request happened to land on the same
/// thread (STACK.md §4). The loop splits its transfers over multi handles of at most
/// `shardCapacity` transfers each (``CurlShard``: libcurl 7.88 walks a multi handle's whole
/// cache at every transfer's end); below that many concurrent transfers there is one.
///
/// The loop drives curl in `curl_multi_socket_action` mode over one epoll set: curl says which
/// sockets to watch (`CurlSocketEvents`) and when its next timeout is due, and each wake-up
/// hands curl only the sockets that are ready. `curl_multi_perform` instead walks every
/// transfer on every wake-up, so with thousands of held streams each chunk cost O(open
/// streams). Request threads talk to the loop through a locked inbox plus an eventfd.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var add: [UpstreamTransfer] = []
        var cancel: [UpstreamTransfer] = []
        var resume: [UpstreamTransfer] = []
        /// The eventfd was written since the loop last emptied the inbox: one write per batch.
        var signalled = false
    }

    /// The eventfd's token; a socket's token is its shard and descriptor (``CurlShard/token(for:)``),
    /// never this.
    static let wakeToken = UInt64.max

    /// The multi handles, each with at most `shardCapacity` transfers (loop thread only; they
    /// live as long as the process, so their C callbacks' contexts never dangle).
    private var shards: [CurlShard] = []
    let shardCapacity: Int
    /// `CURLMOPT_MAXCONNECTS` of each shard.
    private let idleConnectionsPerShard: Int
    /// How long a shard stays without transfers before it is recycled (``CurlShard``).
    private let idleShardSeconds: Double
    let epoll: Epoll
    private let wakeUp: WakeUpSignal
    private let inbox = Mutex(Inbox())
    /// Transfers in the multi handle, keyed by their easy handle (loop thread only).
    private var live: [OpaquePointer: UpstreamTransfer] = [:]
    /// Finished easy handles, reset and ready for the next transfer (loop thread only):
    /// `curl_easy_init` + `curl_easy_cleanup` per request cost more than the reset.
    private var idleEasy: [OpaquePointer] = []
    static let idleEasyLimit = 256
    /// Transfers with new events since the last wake-up round (loop thread only).
    private var toWake: [UpstreamTransfer] = []
    let transfers = Atomic<Int>(0)
    let newConnections = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    /// How many multi handles the loop has made (they are kept once made).
    let shardCount = Atomic<Int>(0)
    /// How many times a shard without transfers was recycled.
    let shardsRecycled = Atomic<Int>(0)

    /// Transfers per multi handle: libcurl's walk at each transfer's end (``CurlShard``) cost
    /// about 20-30 ns per cached connection in the 10,000-stream profile, so a few µs at this
    /// size, and a shard this size still reuses its idle connections for bursts up to it.
    static let defaultShardCapacity = 256
    /// libcurl's own maximum age of an idle connection (`CURLOPT_MAXAGE_CONN`'s default): a
    /// shard recycled after that long closes only connections libcurl would have closed.
    static let defaultIdleShardSeconds = 118.0

    /// - Parameters:
    ///   - maxConnections: idle connections kept for reuse per shard (at most `shardCapacity`).
    ///   - shardCapacity: transfers per multi handle.
    ///   - idleShardSeconds: how long a multi handle stays without transfers before it is
    ///     recycled, closing the connections it caches.
    init(maxConnections: Int, shardCapacity: Int = CurlLoop.defaultShardCapacity,
         idleShardSeconds: Double = CurlLoop.defaultIdleShardSeconds) {
        precondition(shardCapacity > 0, "shardCapacity must be positive")
        precondition(idleShardSeconds > 0, "idleShardSeconds must be positive")
        _ = CurlLoop.globalInit
        guard let epoll = Epoll(), let wakeUp = WakeUpSignal() else {
            preconditionFailure("cannot create the upstream loop's epoll set (descriptor limit?)")
        }
        self.epoll = epoll
        self.wakeUp = wakeUp
        epoll.add(wakeUp.descriptor, .readable, token: Self.wakeToken)
        self.shardCapacity = shardCapacity
        self.idleShardSeconds = idleShardSeconds
        // Keep as many idle connections as a shard may have concurrent transfers, so a burst
        // does not close connections that the next burst would reopen; more shards keep more.
        idleConnectionsPerShard = min(max(64, maxConnections), shardCapacity)
        _ = addShard()
    }

    private func addShard() -> CurlShard {
        let shard = CurlShard(index: shards.count, epoll: epoll, idleConnections: idleConnectionsPerShard,
                              idleSeconds: idleShardSeconds)
        shards.append(shard)
        shardCount.store(shards.count, ordering: .relaxed)
        return shard
    }

    /// The shard for a new transfer: one with room that may hold an idle connection to
    /// `origin` (nil: HTTP/2, which multiplexes, so any), else the first with room, else a new
    /// one. Filling the first shards first keeps connections together, where later transfers
    /// find them.
    private func shard(for origin: String?) -> CurlShard {
        if let origin, let s = shards.first(where: { $0.transfers < shardCapacity && $0.census.mayHaveIdleConnection(to: origin) }) {
            return s
        }
        return shards.first(where: { $0.transfers < shardCapacity }) ?? addShard()
    }

    /// `curl_global_init` is not thread-safe; a lazy global runs it exactly once.
    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    /// Queues a wake-up of `transfer`'s reader for the end of this loop iteration.
    func wakeLater(_ transfer: UpstreamTransfer) {
        toWake.append(transfer)
    }

    func submit(_ transfer: UpstreamTransfer) {
        post { $0.add.append(transfer) }
    }

    func cancel(_ transfer: UpstreamTransfer) {
        post { $0.cancel.append(transfer) }
    }

    func resume(_ transfer: UpstreamTransfer) {
        post { $0.resume.append(transfer) }
    }

    private func post(_ change: (inout Inbox) -> Void) {
        let signal = inbox.withLock { box -> Bool in
            change(&box)
            if box.signalled { return false }
            box.signalled = true
            return true
        }
        if signal { wakeUp.signal() }
    }

    /// The loop body; never returns.
    func run() -> Never {
        var running: Int32 = 0
        var inboxReady = true
        while true {
            epoll.wait(timeoutMilliseconds: epollTimeout()) { token, events in
                if token == Self.wakeToken {
                    inboxReady = true
                    return
                }
                var mask: Int32 = 0
                if !events.isDisjoint(with: [.readable, .hangUp, .readHangUp]) { mask |= CURL_CSELECT_IN }
                if events.contains(.writable) { mask |= CURL_CSELECT_OUT }
                if events.contains(.error) { mask |= CURL_CSELECT_ERR }
                let shard = shards[CurlShard.shardIndex(of: token)]
                curl_multi_socket_action(shard.multi, CurlShard.socket(of: token), mask, &running)
            }
            if inboxReady {
                inboxReady = false
                wakeUp.consume()
                // Transfers that ended in this round give their connections back first, so the
                // census sees them idle before new transfers start.
                collectFinished()
                drainInbox()
            }
            var now: Double?
            for shard in shards {
                if let due = shard.timerDeadline {
                    let t = now ?? Monotonic.now()
                    now = t
                    if t >= due {
                        shard.timerDeadline = nil
                        curl_multi_socket_action(shard.multi, routero_curl_socket_timeout(), 0, &running)
                    }
                }
                if let due = shard.recycleDeadline {
                    let t = now ?? Monotonic.now()
                    now = t
                    if t >= due {
                        shard.recycle()
                        shardsRecycled.add(1, ordering: .relaxed)
                    }
                }
            }
            collectFinished()
            for t in toWake { t.wake() }
            toWake.removeAll(keepingCapacity: true)
        }
    }

    /// Milliseconds until curl's timeout, rounded up so the loop never wakes just before it.
    private func epollTimeout() -> Int32 {
        var due = Double.infinity
        for shard in shards {
            if let t = shard.timerDeadline { due = min(due, t) }
            if let t = shard.recycleDeadline { due = min(due, t) }
        }
        guard due < .infinity else { return -1 }
        let ms = (due - Monotonic.now()) * 1000
        if ms <= 0 { return 0 }
        return Int32(min(ms.rounded(.up), 60_000))
    }

    private func drainInbox() {
        let work = inbox.withLock { box -> Inbox in
            let w = box
            box = Inbox()
            return w
        }
        for t in work.add { start(t) }
        for t in work.resume {
            guard let easy = t.easy, live[easy] != nil else { continue }
            t.markResumed()
            curl_easy_pause(easy, CURLPAUSE_CONT)
        }
        for t in work.cancel {
            guard let easy = t.easy, live[easy] != nil else { continue }
            finish(t, with: .failed(UpstreamFailure(kind: .cancelled, message: "cancelled by the gateway")))
        }
    }

    private func start(_ t: UpstreamTransfer) {
        guard let easy = idleEasy.popLast() ?? curl_easy_init() else {
            t.push(.failed(UpstreamFailure(kind: .other, message: "curl_easy_init failed")))
            return
        }
        t.easy = easy
        live[easy] = t
        transfers.add(1, ordering: .relaxed)
        active.add(1, ordering: .relaxed)
        let origin = t.request.httpVersion == .http1_1 ? ConnectionCensus.origin(of: t.request.url) : nil
        let shard = shard(for: origin)
        t.shard = shard
        shard.transferStarted()
        var fresh = false
        if let origin {
            fresh = !shard.census.mayHaveIdleConnection(to: origin)
            shard.census.transferStarted(to: origin, fresh: fresh)
            t.censusOrigin = origin
            t.freshUnopened = fresh
        }
        if let refused = CurlEasySetup.configure(easy, for: t, shard: shard, freshConnect: fresh) {
            finish(t, with: .failed(refused), added: false)
            return
        }
        // Adding sets curl's timeout to "now" (timer callback), so the next round starts it.
        let added = curl_multi_add_handle(shard.multi, easy)
        if added != CURLM_OK {
            let reason = String(cString: curl_multi_strerror(added))
            finish(t, with: .failed(UpstreamFailure(kind: .other, message: "curl_multi_add_handle failed: \(reason)")),
                   added: false)
        }
    }

    private func collectFinished() {
        for shard in shards { collectFinished(in: shard) }
    }

    private func collectFinished(in shard: CurlShard) {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(shard.multi, &left) {
            guard routero_curl_msg_is_done(msg) != 0, let easy = routero_curl_msg_easy(msg),
                  let t = live[easy] else { continue }
            let code = routero_curl_msg_result(msg)
            if code == CURLE_OK {
                CurlEasySetup.deliverHeadIfNeeded(t)
                finish(t, with: .end)
            } else {
                finish(t, with: .failed(CurlEasySetup.failure(code)))
            }
        }
    }

    /// - Parameter added: whether `t` made it into the multi handle (a transfer whose options
    ///   were refused never does).
    private func finish(_ t: UpstreamTransfer, with event: UpstreamEvent, added: Bool = true) {
        guard let easy = t.easy, let shard = t.shard else { return }
        var connects = 0
        _ = routero_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        newConnections.add(connects, ordering: .relaxed)
        if added { curl_multi_remove_handle(shard.multi, easy) }
        shard.transferEnded()
        t.shard = nil
        if let origin = t.censusOrigin {
            shard.census.transferEnded(to: origin, freshUnopened: t.freshUnopened)
            t.censusOrigin = nil
            t.freshUnopened = false
        }
        if idleEasy.count < Self.idleEasyLimit {
            // Reset drops every option and the callbacks' context (no pointer to `t` survives);
            // the connection stays in the multi handle's cache either way.
            curl_easy_reset(easy)
            idleEasy.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
        if let list = t.headerList { curl_slist_free_all(list.assumingMemoryBound(to: curl_slist.self)) }
        t.headerList = nil
        t.easy = nil
        live[easy] = nil
        active.subtract(1, ordering: .relaxed)
        t.push(event)
    }
}
