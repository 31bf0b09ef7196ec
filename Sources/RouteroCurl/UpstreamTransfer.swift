import Dispatch
import RouteroSystem
import Synchronization

/// The request thread's handle on one upstream transfer.
///
/// The curl loop thread pushes events; the request thread pulls them with `next(until:)`.
/// When more than `highWater` bytes wait unread (a slow client), the loop pauses the transfer
/// instead of buffering without bound; reading below `lowWater` resumes it.
///
/// Hand-off costs: body bytes that arrive while earlier ones are still queued are appended to
/// the queued event (one copy, straight from curl's buffer), so a reader that was busy writing
/// takes everything in one event; and the reader is signalled only while it actually sleeps,
/// so a busy reader costs the loop no wake-up at all.
///
/// A sleeping reader may also leave an ``InlineConsumer``: body bytes that arrive while it sleeps
/// and nothing is queued are then handed to the consumer on the loop thread, and the reader is
/// not woken at all (a held stream's chunk then costs no futex hand-off and no context switch).
public final class UpstreamTransfer: @unchecked Sendable {
    /// What an ``InlineConsumer`` did with body bytes it was offered on the loop thread.
    public enum InlineOutcome: Sendable {
        /// Handled; the reader sleeps on.
        case consumed
        /// Handled, but the reader must look at what the consumer left for it: its wait returns
        /// nil as for ``interrupt()``.
        case consumedWake
        /// Not handled (the reader is no longer parked): the bytes are queued as usual.
        case declined
    }

    /// Handles body bytes on the loop thread while the reader sleeps. It must not block (a
    /// blocked loop stalls every transfer of the process) and must serialize itself against the
    /// reader, which may wake at any time.
    public typealias InlineConsumer = @Sendable ([UInt8]) -> InlineOutcome

    struct Queue {
        var events: [UpstreamEvent] = []
        var head = 0
        var queuedBytes = 0
        var paused = false
        var resumeRequested = false
        var finished = false
        /// The reader sleeps on `ready` (or is about to).
        var waiting = false
        /// A signal for the sleeping reader is on its way; no second one is needed.
        var signalled = false
        /// `interrupt()` was called and no wait has returned for it yet.
        var interrupted = false
        /// The sleeping reader's consumer (set only while it sleeps).
        var inline: InlineConsumer?
        /// A suspended reader (the `async` wait) instead of one blocked on the semaphore.
        var continuation: UnsafeContinuation<Void, Never>?
        /// The suspended reader's deadline on ``DeadlineTimer``, and whether it fired.
        var timer: UInt64?
        var timedOut = false
        /// Counts suspensions, so a timer that fires late cannot end a later wait.
        var suspensions: UInt64 = 0
        /// The suspended reader's deadline as of now (see ``next(until:inline:renew:)``).
        var renew: (@Sendable () -> Double)?
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
    /// The multi handle the transfer runs in, while it runs.
    var shard: CurlShard?
    /// The origin its shard's ``ConnectionCensus`` counts this transfer under (HTTP/1.1 only).
    var censusOrigin: String?
    /// Asked for a fresh connection and has not opened its socket yet.
    var freshUnopened = false

    /// curl opened a socket for this transfer (loop thread, from the open-socket callback).
    func loopSocketOpened(_ fd: Int32) {
        guard let origin = censusOrigin, let shard else { return }
        shard.census.socketOpened(fd, to: origin, firstOfFresh: freshUnopened)
        freshUnopened = false
    }

    init(request: UpstreamHTTPRequest, loop: CurlLoop) {
        self.request = request
        self.loop = loop
    }

    /// Returns the next event, or nil if none arrived within `timeout` seconds.
    public func next(timeout: Double) -> UpstreamEvent? {
        next(until: Monotonic.now() + timeout)
    }

    /// Returns the next event; nil when `deadline` (``Monotonic`` seconds; `.infinity` for none)
    /// passed first, or when ``interrupt()`` was called while waiting or since the last wait.
    /// The caller then checks whatever it waits for besides the upstream (its client, its own
    /// deadlines), so it needs no periodic wake-up.
    public func next(until deadline: Double) -> UpstreamEvent? {
        next(until: deadline, inline: nil)
    }

    /// ``next(until:)``, and while the reader sleeps body bytes go to `inline` instead of the queue
    /// (``InlineConsumer``); whatever it leaves for the reader, the reader collects after this
    /// returns.
    public func next(until deadline: Double, inline: InlineConsumer?) -> UpstreamEvent? {
        defer { if inline != nil { queue.withLock { $0.inline = nil } } }
        while true {
            var resume = false
            let taken: UpstreamEvent?? = queue.withLock { q in
                if let taken = Self.take(&q, resume: &resume) { return taken }
                q.waiting = true
                q.inline = inline
                return nil
            }
            if resume { loop.resume(self) }
            if let taken { return taken }
            let left = deadline - Monotonic.now()
            let woken: Bool
            if left <= 0 {
                woken = false
            } else if left.isInfinite || left > 86_400 * 365 {
                ready.wait()
                woken = true
            } else {
                woken = ready.wait(timeout: .now() + .nanoseconds(Int(left * 1e9))) == .success
            }
            if woken {
                // The signal is consumed; the next push may send another.
                queue.withLock { $0.signalled = false }
                continue
            }
            // Timed out. A signal may still be in flight (it will be consumed by a later wait,
            // which then finds the queue as it is).
            return takeLate()
        }
    }

    /// ``next(until:inline:)`` for a task: it suspends instead of blocking its thread, so a
    /// held stream waiting for its next chunk holds no thread. Same results, same hand-off rules;
    /// the deadline is kept by ``DeadlineTimer``.
    ///
    /// `renew`, when given, is asked for the deadline as of now when `deadline` comes (on the
    /// timer thread; it must be quick and must not wait for this transfer): a later answer moves
    /// the deadline instead of resuming the reader. A held stream's chunks relayed inline move
    /// its stall and keep-alive clocks while it stays suspended, and without this every held
    /// stream would be resumed once per keep-alive interval only to find nothing due.
    public func next(until deadline: Double, inline: InlineConsumer?,
                     renew: (@Sendable () -> Double)? = nil) async -> UpstreamEvent? {
        defer { if inline != nil { queue.withLock { $0.inline = nil } } }
        while true {
            var resume = false
            let taken = queue.withLock { Self.take(&$0, resume: &resume) }
            if resume { loop.resume(self) }
            if let taken { return taken }
            if deadline <= Monotonic.now() { return takeLate() }
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let now: Bool = queue.withLock { q in
                    if q.interrupted || q.head < q.events.count { return true }
                    q.waiting = true
                    // A signal sent while no continuation was installed went to the semaphore
                    // and is stale: the queue was just looked at under this lock.
                    q.signalled = false
                    q.inline = inline
                    q.continuation = continuation
                    q.renew = renew
                    q.suspensions &+= 1
                    if deadline.isFinite, let timer = DeadlineTimer.shared {
                        let suspension = q.suspensions
                        q.timer = timer.schedule(at: deadline) { [self] in timeUp(suspension) }
                    }
                    return false
                }
                if now { continuation.resume() }
            }
            // Awake again: signallers must not aim at a continuation that is gone.
            let (timer, timedOut) = queue.withLock { q in
                defer { q.timer = nil; q.timedOut = false; q.signalled = false; q.waiting = false; q.renew = nil }
                return (q.timer, q.timedOut)
            }
            if let timer { DeadlineTimer.shared?.cancel(timer) }
            if timedOut { return takeLate() }
        }
    }

    /// The suspended reader's deadline passed: it is resumed to take a late event or nil, unless
    /// its `renew` names a later deadline, which is then scheduled instead.
    private func timeUp(_ suspension: UInt64) {
        let renew = queue.withLock { q in q.suspensions == suspension && q.waiting && !q.signalled ? q.renew : nil }
        if let renew, let timer = DeadlineTimer.shared {
            // Asked outside the lock: `renew` takes the caller's own lock, which is also held
            // around the inline consumer.
            let later = renew()
            if later > Monotonic.now() {
                let moved = queue.withLock { q -> Bool in
                    guard q.suspensions == suspension, q.waiting, !q.signalled, q.continuation != nil else { return false }
                    q.timer = timer.schedule(at: later) { [self] in timeUp(suspension) }
                    return true
                }
                if moved { return }
            }
        }
        let continuation: UnsafeContinuation<Void, Never>? = queue.withLock { q in
            guard q.suspensions == suspension, q.waiting, !q.signalled, let c = q.continuation else { return nil }
            q.signalled = true
            q.timedOut = true
            q.timer = nil
            q.continuation = nil
            return c
        }
        continuation?.resume()
    }

    /// After a deadline: the reader stops waiting and takes an event that raced it, if any.
    private func takeLate() -> UpstreamEvent? {
        var resume = false
        let late: UpstreamEvent? = queue.withLock { q in
            defer { q.waiting = false }
            return Self.take(&q, resume: &resume) ?? nil
        }
        if resume { loop.resume(self) }
        return late
    }

    /// Makes the current or next `next(until:)` return nil at once. Safe from any thread (a
    /// client-disconnect watcher calls it), and harmless after the end.
    public func interrupt() {
        let signal = queue.withLock { q -> Bool in
            q.interrupted = true
            if q.waiting && !q.signalled {
                q.signalled = true
                return true
            }
            return false
        }
        if signal { signalReader() }
    }

    /// Wakes the reader once `signalled` was set for it: resumes a suspended reader, else
    /// signals the blocked one. The suspended reader installs its continuation in the same
    /// critical section that sets `waiting`, so whoever saw `waiting` finds it here.
    private func signalReader() {
        let continuation = queue.withLock { q in
            defer { q.continuation = nil }
            return q.continuation
        }
        if let continuation { continuation.resume() } else { ready.signal() }
    }

    /// Aborts the transfer; the upstream connection is closed (this stops the provider's billing
    /// for a client that left). Safe to call more than once and after the end.
    public func cancel() {
        loop.cancel(self)
    }

    /// What a reader takes without waiting (under the lock): nil when there is nothing yet,
    /// `.some(nil)` for an interrupt (consumed), else the next event. Either ends the wait.
    private static func take(_ q: inout Queue, resume: inout Bool) -> UpstreamEvent?? {
        if q.interrupted {
            q.interrupted = false
            q.waiting = false
            return .some(nil)
        }
        guard let e = pop(&q, resume: &resume) else { return nil }
        q.waiting = false
        return .some(e)
    }

    private static func pop(_ q: inout Queue, resume: inout Bool) -> UpstreamEvent? {
        guard q.head < q.events.count else { return nil }
        let e = q.events[q.head]
        q.events[q.head] = .end  // drop the queue's reference, so the reader owns the bytes
        q.head += 1
        if q.head == q.events.count { q.events.removeAll(keepingCapacity: true); q.head = 0 }
        if case .body(let bytes) = e { q.queuedBytes -= bytes.count }
        if q.paused, !q.resumeRequested, q.queuedBytes < Self.lowWater {
            q.resumeRequested = true
            resume = true
        }
        return e
    }

    /// Called on the loop thread with bytes in curl's buffer. Returns false (and queues nothing)
    /// when the consumer is too far behind; the caller then pauses the transfer.
    func pushBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let consumer = inlineConsumer() {
            switch consumer(Array(bytes)) {
            case .consumed: return true
            case .consumedWake: interrupt(); return true
            case .declined: break
            }
        }
        let outcome: (accepted: Bool, wake: Bool) = queue.withLock { q in
            if q.finished { return (true, false) }
            if q.queuedBytes >= Self.highWater {
                q.paused = true
                q.resumeRequested = false
                return (false, false)
            }
            q.queuedBytes += bytes.count
            let last = q.events.count - 1
            if last >= q.head, case .body(var queued) = q.events[last] {
                // The reader has not taken the previous bytes yet: extend them in place.
                q.events[last] = .end  // release the queue's reference so `queued` is unique
                queued.append(contentsOf: bytes)
                q.events[last] = .body(queued)
            } else {
                q.events.append(.body(Array(bytes)))
            }
            return (true, Self.needsSignal(&q))
        }
        if outcome.wake { loop.wakeLater(self) }
        return outcome.accepted
    }

    /// The sleeping reader's consumer, when bytes may bypass the queue: nothing is queued (order),
    /// the reader sleeps and has not been signalled, and the transfer is not finished.
    private func inlineConsumer() -> InlineConsumer? {
        queue.withLock { q in
            guard let inline = q.inline, q.waiting, !q.signalled, !q.finished, !q.interrupted,
                  q.head == q.events.count else { return nil }
            return inline
        }
    }

    /// Called on the loop thread for the head, the end and failures (never refused).
    func push(_ event: UpstreamEvent) {
        let wake: Bool = queue.withLock { q in
            if q.finished { return false }
            if case .end = event { q.finished = true }
            if case .failed = event { q.finished = true }
            if case .body(let bytes) = event { q.queuedBytes += bytes.count }
            q.events.append(event)
            return Self.needsSignal(&q)
        }
        if wake { loop.wakeLater(self) }
    }

    /// Whether the reader sleeps and nobody has signalled it yet (then the caller must).
    private static func needsSignal(_ q: inout Queue) -> Bool {
        guard q.waiting, !q.signalled else { return false }
        q.signalled = true
        return true
    }

    /// Called on the loop thread at the end of an iteration, once per transfer with news: head,
    /// body and end often arrive in one round, and every wake-up is a context switch.
    func wake() {
        signalReader()
    }

    /// Called on the loop thread after unpausing.
    func markResumed() {
        queue.withLock { q in q.paused = false; q.resumeRequested = false }
    }
}
