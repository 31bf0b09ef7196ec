import Dispatch
import Synchronization

/// The request thread's handle on one upstream transfer.
///
/// The curl loop thread pushes events; the request thread pulls them with `next(timeout:)`.
/// When more than `highWater` bytes wait unread (a slow client), the loop pauses the transfer
/// instead of buffering without bound; reading below `lowWater` resumes it.
public final class UpstreamTransfer: @unchecked Sendable {
    struct Queue {
        var events: [UpstreamEvent] = []
        var head = 0
        var queuedBytes = 0
        var paused = false
        var resumeRequested = false
        var finished = false
    }

    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    let queue = Mutex(Queue())
    private let ready = DispatchSemaphore(value: 0)
    private unowned let loop: CurlLoop
    let request: UpstreamHTTPRequest

    // Loop-thread-only state (touched exclusively by CurlLoop and the C callbacks).
    var easy: OpaquePointer?
    var headerList: UnsafeMutableRawPointer?  // curl_slist*, freed by CurlLoop
    var headers: [(String, String)] = []
    var headDelivered = false
    var wakePending = false

    init(request: UpstreamHTTPRequest, loop: CurlLoop) {
        self.request = request
        self.loop = loop
    }

    /// Returns the next event, or nil if none arrived within `timeout` seconds.
    public func next(timeout: Double) -> UpstreamEvent? {
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout * 1e9))
        while true {
            if let event = pop() { return event }
            // The semaphore counts every push, including events already popped without waiting,
            // so a wake-up can find the queue empty: wait again until the deadline.
            if ready.wait(timeout: deadline) == .timedOut { return pop() }
        }
    }

    /// Aborts the transfer; the upstream connection is closed (this stops the provider's billing
    /// for a client that left). Safe to call more than once and after the end.
    public func cancel() {
        loop.cancel(self)
    }

    private func pop() -> UpstreamEvent? {
        var resume = false
        let event: UpstreamEvent? = queue.withLock { q in
            guard q.head < q.events.count else { return nil }
            let e = q.events[q.head]
            q.head += 1
            if q.head == q.events.count { q.events.removeAll(keepingCapacity: true); q.head = 0 }
            if case .body(let bytes) = e { q.queuedBytes -= bytes.count }
            if q.paused, !q.resumeRequested, q.queuedBytes < Self.lowWater {
                q.resumeRequested = true
                resume = true
            }
            return e
        }
        if resume { loop.resume(self) }
        return event
    }

    /// Called on the loop thread. Returns false (and queues nothing) when the consumer is too
    /// far behind; the caller then pauses the transfer.
    func push(_ event: UpstreamEvent, force: Bool = false) -> Bool {
        let accepted: Bool = queue.withLock { q in
            if q.finished { return true }
            if case .body(let bytes) = event {
                if !force && q.queuedBytes >= Self.highWater {
                    q.paused = true
                    q.resumeRequested = false
                    return false
                }
                q.queuedBytes += bytes.count
            }
            if case .end = event { q.finished = true }
            if case .failed = event { q.finished = true }
            q.events.append(event)
            return true
        }
        // Wake the request thread once per loop iteration, not once per event: head, body and
        // end usually arrive in one `curl_multi_perform`, and every wake-up is a context switch.
        if accepted && !wakePending {
            wakePending = true
            loop.wakeLater(self)
        }
        return accepted
    }

    /// Called on the loop thread at the end of an iteration.
    func wake() {
        wakePending = false
        ready.signal()
    }

    /// Called on the loop thread after unpausing.
    func markResumed() {
        queue.withLock { q in q.paused = false; q.resumeRequested = false }
    }
}
