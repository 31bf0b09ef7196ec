internal import CCurl
import Glibc
import Synchronization

/// The process's single libcurl multi loop: all upstream I/O runs on this one thread.
///
/// One multi handle means one connection cache shared by every request thread; per-thread
/// easy handles only reused a warm connection when a request happened to land on the same
/// thread (STACK.md §4). Request threads talk to the loop through a locked inbox plus
/// `curl_multi_wakeup`, which is thread-safe.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var add: [UpstreamTransfer] = []
        var cancel: [UpstreamTransfer] = []
        var resume: [UpstreamTransfer] = []
    }

    private let multi: OpaquePointer
    private let inbox = Mutex(Inbox())
    /// Transfers in the multi handle, keyed by their easy handle (loop thread only).
    private var live: [OpaquePointer: UpstreamTransfer] = [:]
    /// Transfers with new events since the last wake-up round (loop thread only).
    private var toWake: [UpstreamTransfer] = []
    let transfers = Atomic<Int>(0)
    let newConnections = Atomic<Int>(0)
    let active = Atomic<Int>(0)

    init(maxConnections: Int) {
        _ = CurlLoop.globalInit
        multi = curl_multi_init()
        // Keep as many idle connections as we may have concurrent transfers, so a burst does
        // not close connections that the next burst would reopen.
        _ = routero_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(64, maxConnections))
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
        inbox.withLock { $0.add.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: UpstreamTransfer) {
        inbox.withLock { $0.cancel.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func resume(_ transfer: UpstreamTransfer) {
        inbox.withLock { $0.resume.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// The loop body; never returns.
    func run() -> Never {
        var running: Int32 = 0
        while true {
            drainInbox()
            curl_multi_perform(multi, &running)
            collectFinished()
            for t in toWake { t.wake() }
            toWake.removeAll(keepingCapacity: true)
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
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
        guard let easy = curl_easy_init() else {
            _ = t.push(.failed(UpstreamFailure(kind: .other, message: "curl_easy_init failed")), force: true)
            return
        }
        t.easy = easy
        live[easy] = t
        transfers.add(1, ordering: .relaxed)
        active.add(1, ordering: .relaxed)
        if let refused = CurlEasySetup.configure(easy, for: t) {
            finish(t, with: .failed(refused), added: false)
            return
        }
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
        curl_easy_cleanup(easy)
        if let list = t.headerList { curl_slist_free_all(list.assumingMemoryBound(to: curl_slist.self)) }
        t.headerList = nil
        t.easy = nil
        live[easy] = nil
        active.subtract(1, ordering: .relaxed)
        _ = t.push(event, force: true)
    }
}
