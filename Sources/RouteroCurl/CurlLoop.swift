internal import CCurl
import Glibc
import RouteroSystem
import Synchronization

/// The process's single libcurl multi loop: all upstream I/O runs on this one thread.
///
/// One multi handle means one connection cache shared by every request thread; per-thread
/// easy handles only reused a warm connection when a request happened to land on the same
/// thread (STACK.md §4).
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

    /// The eventfd's token; socket tokens are descriptors, which are never negative.
    static let wakeToken = UInt64.max

    let multi: OpaquePointer
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
    /// When curl wants `CURL_SOCKET_TIMEOUT` handled (monotonic seconds), set by its timer
    /// callback; nil when it has no timeout pending (loop thread only).
    var timerDeadline: Double?
    /// Which origins may have an idle connection (loop thread only; the socket callbacks and
    /// `start`/`finish` keep it).
    var census = ConnectionCensus()
    let transfers = Atomic<Int>(0)
    let newConnections = Atomic<Int>(0)
    let active = Atomic<Int>(0)

    init(maxConnections: Int) {
        _ = CurlLoop.globalInit
        multi = curl_multi_init()
        guard let epoll = Epoll(), let wakeUp = WakeUpSignal() else {
            preconditionFailure("cannot create the upstream loop's epoll set (descriptor limit?)")
        }
        self.epoll = epoll
        self.wakeUp = wakeUp
        epoll.add(wakeUp.descriptor, .readable, token: Self.wakeToken)
        // Keep as many idle connections as we may have concurrent transfers, so a burst does
        // not close connections that the next burst would reopen.
        _ = routero_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(64, maxConnections))
        CurlSocketEvents.install(on: self)
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
                curl_multi_socket_action(multi, curl_socket_t(truncatingIfNeeded: token), mask, &running)
            }
            if inboxReady {
                inboxReady = false
                wakeUp.consume()
                // Transfers that ended in this round give their connections back first, so the
                // census sees them idle before new transfers start.
                collectFinished()
                drainInbox()
            }
            if let due = timerDeadline, Monotonic.now() >= due {
                timerDeadline = nil
                curl_multi_socket_action(multi, routero_curl_socket_timeout(), 0, &running)
            }
            collectFinished()
            for t in toWake { t.wake() }
            toWake.removeAll(keepingCapacity: true)
        }
    }

    /// Milliseconds until curl's timeout, rounded up so the loop never wakes just before it.
    private func epollTimeout() -> Int32 {
        guard let due = timerDeadline else { return -1 }
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
        var fresh = false
        if t.request.httpVersion == .http1_1 {
            let origin = ConnectionCensus.origin(of: t.request.url)
            fresh = !census.mayHaveIdleConnection(to: origin)
            census.transferStarted(to: origin, fresh: fresh)
            t.censusOrigin = origin
            t.freshUnopened = fresh
        }
        if let refused = CurlEasySetup.configure(easy, for: t, loop: self, freshConnect: fresh) {
            finish(t, with: .failed(refused), added: false)
            return
        }
        // Adding sets curl's timeout to "now" (timer callback), so the next round starts it.
        let added = curl_multi_add_handle(multi, easy)
        if added != CURLM_OK {
            let reason = String(cString: curl_multi_strerror(added))
            finish(t, with: .failed(UpstreamFailure(kind: .other, message: "curl_multi_add_handle failed: \(reason)")),
                   added: false)
        }
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
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
        guard let easy = t.easy else { return }
        var connects = 0
        _ = routero_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        newConnections.add(connects, ordering: .relaxed)
        if added { curl_multi_remove_handle(multi, easy) }
        if let origin = t.censusOrigin {
            census.transferEnded(to: origin, freshUnopened: t.freshUnopened)
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
