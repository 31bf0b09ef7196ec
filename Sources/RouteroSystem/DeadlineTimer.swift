import Dispatch
import Synchronization

/// Runs actions at ``Monotonic`` deadlines, on one thread per process.
///
/// A suspended task has no thread to time out on, so whoever suspends it for "an event or a
/// deadline" schedules the deadline here. Actions run on the timer thread and must only nudge
/// (resume a continuation, signal): a slow action delays every later deadline.
///
/// Cancelled entries stay in the heap until their time or until they outnumber the live ones,
/// when the heap is rebuilt: a wait that is woken early (nearly all) costs a dictionary removal.
public final class DeadlineTimer: Sendable {
    private struct Entry {
        var deadline: Double
        var token: UInt64
    }

    private struct State {
        var heap: [Entry] = []
        var actions: [UInt64: @Sendable () -> Void] = [:]
        var nextToken: UInt64 = 1
        /// The deadline the thread sleeps until (infinity: no timeout).
        var sleepingUntil = Double.infinity
    }

    /// The process's timer; nil when no thread could be started.
    public static let shared: DeadlineTimer? = {
        let timer = DeadlineTimer()
        return NativeThread.detach(stackBytes: 256 * 1024) { timer.run() } ? timer : nil
    }()

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    private init() {}

    /// Schedules `action` at `deadline`; returns a token for ``cancel(_:)``.
    public func schedule(at deadline: Double, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let (token, nudge) = state.withLock { s -> (UInt64, Bool) in
            let token = s.nextToken
            s.nextToken += 1
            s.actions[token] = action
            Self.push(&s.heap, Entry(deadline: deadline, token: token))
            if s.heap.count > 2 * s.actions.count + 1024 { Self.compact(&s) }
            return (token, deadline < s.sleepingUntil)
        }
        if nudge { wake.signal() }
        return token
    }

    /// Drops a scheduled action; harmless when it already ran.
    public func cancel(_ token: UInt64) {
        state.withLock { _ = $0.actions.removeValue(forKey: token) }
    }

    /// Entries in the heap, cancelled ones included (tests).
    var heapCount: Int { state.withLock { $0.heap.count } }

    private func run() {
        while true {
            let now = Monotonic.now()
            var due: [@Sendable () -> Void] = []
            let next: Double = state.withLock { s in
                while let top = s.heap.first, top.deadline <= now {
                    Self.popTop(&s.heap)
                    if let action = s.actions.removeValue(forKey: top.token) { due.append(action) }
                }
                s.sleepingUntil = s.heap.first?.deadline ?? .infinity
                return s.sleepingUntil
            }
            for action in due { action() }
            if !due.isEmpty { continue }
            if next.isInfinite {
                wake.wait()
            } else {
                let nanos = max(0, (next - now) * 1e9)
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(nanos, 3_600e9))))
            }
        }
    }

    private static func compact(_ s: inout State) {
        let live = s.heap.filter { s.actions[$0.token] != nil }
        s.heap = []
        for entry in live { push(&s.heap, entry) }
    }

    private static func push(_ heap: inout [Entry], _ entry: Entry) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].deadline <= heap[i].deadline { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private static func popTop(_ heap: inout [Entry]) {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
