import Dispatch
import Synchronization

/// Runs Swift tasks on plain blocking threads, adding a thread whenever a job waits and every
/// thread is busy.
///
/// Swift's default executor has one thread per core and must never block; the worker's request
/// path blocks (libfcgi reads, hiredis, a non-streaming upstream wait). On this executor blocking
/// is allowed: a blocked job holds its thread and the next job gets another. What it buys is the
/// other case: a task that *suspends* (a held stream waiting for its next chunk, a kept
/// connection waiting for its next request) gives its thread back, so thousands of held streams
/// need a handful of threads instead of one stack each.
///
/// Idle threads wait newest first (the warmest stack takes the next job); one idle for
/// `idleSeconds` exits while more than `keepIdle` are idle.
///
/// Threads are added one at a time: while one is starting, further jobs queue, and the new thread
/// starts the next one only if jobs are still waiting once it has taken its own. On a saturated
/// machine a "busy" thread is often just preempted and about to finish; adding a thread per
/// arriving job there bought nothing but stacks (a 2,000-stream burst onto one worker grew it to
/// 889 threads, and 200 suspended requests to 59 in a loaded test run). Blocked jobs still get a
/// thread each, one thread start apart.
public final class ElasticExecutor: TaskExecutor, @unchecked Sendable {
    /// One idle thread's wake-up.
    private final class Sleeper: Sendable {
        let wake = DispatchSemaphore(value: 0)
        /// Set by the enqueuer that took this sleeper off the idle stack (under the state lock).
        let job = Mutex<UnownedJob?>(nil)
    }

    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var idle: [Sleeper] = []
        /// Threads alive; those not idle are busy.
        var threads = 0
        /// Threads created that have not yet taken their first job (at most one).
        var starting = 0
    }

    private let state = Mutex(State())
    private let maxThreads: Int
    private let keepIdle: Int
    private let stackBytes: Int
    private let idleSeconds: Double

    /// - Parameters:
    ///   - maxThreads: past it, jobs wait for a thread.
    ///   - keepIdle: idle threads that never exit.
    ///   - stackBytes: stack size per thread.
    public init(maxThreads: Int, keepIdle: Int, stackBytes: Int, idleSeconds: Double = 5) {
        self.maxThreads = max(1, maxThreads)
        self.keepIdle = max(0, keepIdle)
        self.stackBytes = stackBytes
        self.idleSeconds = idleSeconds
    }

    /// Threads alive.
    public var threadCount: Int { state.withLock { $0.threads } }
    /// Threads running a job now (the rest are idle).
    public var busyThreads: Int { state.withLock { $0.threads - $0.idle.count } }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        enum Action { case handed(Sleeper), spawn, queued }
        let action: Action = state.withLock { s in
            if let sleeper = s.idle.popLast() {
                sleeper.job.withLock { $0 = unowned }
                return .handed(sleeper)
            }
            s.jobs.append(unowned)
            return reserveThread(&s) ? .spawn : .queued
        }
        switch action {
        case .handed(let sleeper): sleeper.wake.signal()
        case .spawn: spawn()
        case .queued: break
        }
    }

    /// Counts a new thread in if none is starting and the limit allows (under the state lock).
    private func reserveThread(_ s: inout State) -> Bool {
        guard s.starting == 0, s.threads < maxThreads else { return false }
        s.threads += 1
        s.starting += 1
        return true
    }

    private func spawn() {
        if !NativeThread.detach(stackBytes: stackBytes, { [self] in run() }) {
            // The OS refused a thread: the jobs stay queued for threads that finish.
            state.withLock { $0.threads -= 1; $0.starting -= 1 }
        }
    }

    private func run() {
        let sleeper = Sleeper()
        let executor = asUnownedTaskExecutor()
        // The first job, and the next thread if jobs are still waiting after it.
        let (first, more): (UnownedJob?, Bool) = state.withLock { s in
            s.starting -= 1
            let first = Self.pop(&s)
            return (first, s.head < s.jobs.count && reserveThread(&s))
        }
        if more { spawn() }
        var job = first
        while true {
            if let next = job ?? takeQueued() {
                job = nil
                next.runSynchronously(on: executor)
                continue
            }
            guard let handed = sleep(sleeper) else { return }
            job = handed
        }
    }

    private func takeQueued() -> UnownedJob? {
        state.withLock { Self.pop(&$0) }
    }

    private static func pop(_ s: inout State) -> UnownedJob? {
        guard s.head < s.jobs.count else { return nil }
        let job = s.jobs[s.head]
        s.head += 1
        if s.head == s.jobs.count { s.jobs.removeAll(keepingCapacity: s.jobs.count <= 1024); s.head = 0 }
        return job
    }

    /// Waits idle for a job; nil when this thread should exit.
    private func sleep(_ sleeper: Sleeper) -> UnownedJob? {
        let queued: UnownedJob? = state.withLock { s in
            if let job = Self.pop(&s) { return job }
            s.idle.append(sleeper)
            return nil
        }
        if let queued { return queued }
        while true {
            if sleeper.wake.wait(timeout: .now() + .milliseconds(Int(idleSeconds * 1000))) == .success {
                return sleeper.job.withLock { j in defer { j = nil }; return j }
            }
            let exit = state.withLock { s -> Bool in
                guard s.idle.count > keepIdle, let at = s.idle.firstIndex(where: { $0 === sleeper }) else { return false }
                s.idle.remove(at: at)
                s.threads -= 1
                return true
            }
            if exit { return nil }
            // Still needed, or an enqueuer has just taken this sleeper: its signal follows.
        }
    }
}
