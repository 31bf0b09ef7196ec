import Dispatch
import Glibc
@testable import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

/// The executor's two promises: a job that blocks never keeps another job from running (a new
/// thread takes it), and a task that suspends gives its thread back.
@Suite(.serialized)
struct ElasticExecutorTests {
    /// A gate that blocking jobs wait on, counting how many are inside.
    final class Gate: Sendable {
        let open = Atomic<Bool>(false)
        let inside = Atomic<Int>(0)
        let finished = Atomic<Int>(0)

        func pass() {
            inside.add(1, ordering: .relaxed)
            while !open.load(ordering: .relaxed) { usleep(1_000) }
            finished.add(1, ordering: .relaxed)
        }
    }

    /// Tasks suspended until ``resumeAll()``.
    final class Parked: Sendable {
        private let continuations = Mutex<[CheckedContinuation<Void, Never>]>([])
        let resumed = Atomic<Int>(0)
        var count: Int { continuations.withLock { $0.count } }

        func suspend() async {
            await withCheckedContinuation { c in continuations.withLock { $0.append(c) } }
            resumed.add(1, ordering: .relaxed)
        }

        func resumeAll() { for c in continuations.withLock({ $0 }) { c.resume() } }
    }

    func blockingTasks(_ n: Int, on executor: ElasticExecutor, gate: Gate) {
        for _ in 0..<n { Task(executorPreference: executor) { gate.pass() } }
    }

    @Test func everyBlockedJobGetsItsOwnThread() {
        let executor = ElasticExecutor(maxThreads: 64, keepIdle: 0, stackBytes: 256 * 1024)
        let gate = Gate()
        blockingTasks(12, on: executor, gate: gate)
        eventually { gate.inside.load(ordering: .relaxed) == 12 }
        let inside = gate.inside.load(ordering: .relaxed)
        #expect(inside == 12, "all twelve run at once")
        #expect(executor.threadCount == 12)
        #expect(executor.busyThreads == 12)
        gate.open.store(true, ordering: .relaxed)
        eventually { executor.busyThreads == 0 }
        let finished = gate.finished.load(ordering: .relaxed)
        #expect(finished == 12)
        #expect(executor.busyThreads == 0)
    }

    /// Threads are added one at a time: a burst of jobs arriving while every thread is busy does
    /// not reserve a thread per job at once (most of them would find the busy threads done), yet
    /// jobs that really block still end up with a thread each.
    @Test func aBurstAddsThreadsOneAtATime() {
        let executor = ElasticExecutor(maxThreads: 256, keepIdle: 0, stackBytes: 256 * 1024)
        let gate = Gate()
        blockingTasks(50, on: executor, gate: gate)
        // Adding a thread per arriving job counted all 50 before the loop above returned.
        let rightAfter = executor.threadCount
        #expect(rightAfter < 25, "\(rightAfter) threads reserved while the burst arrived")
        eventually { gate.inside.load(ordering: .relaxed) == 50 }
        #expect(gate.inside.load(ordering: .relaxed) == 50, "every blocked job got a thread")
        #expect(executor.threadCount == 50)
        gate.open.store(true, ordering: .relaxed)
        eventually { gate.finished.load(ordering: .relaxed) == 50 }
        #expect(gate.finished.load(ordering: .relaxed) == 50)
    }

    @Test func pastMaxThreadsJobsWaitForAThread() {
        let executor = ElasticExecutor(maxThreads: 3, keepIdle: 3, stackBytes: 256 * 1024)
        let gate = Gate()
        blockingTasks(8, on: executor, gate: gate)
        eventually { gate.inside.load(ordering: .relaxed) >= 3 }
        usleep(100_000)
        let inside = gate.inside.load(ordering: .relaxed)
        #expect(inside == 3)
        #expect(executor.threadCount == 3)
        gate.open.store(true, ordering: .relaxed)
        eventually { gate.finished.load(ordering: .relaxed) == 8 }
        let finished = gate.finished.load(ordering: .relaxed)
        #expect(finished == 8, "queued jobs ran on the threads that came free")
        #expect(executor.threadCount == 3)
    }

    @Test func suspendedTasksHoldNoThread() {
        let executor = ElasticExecutor(maxThreads: 512, keepIdle: 0, stackBytes: 256 * 1024)
        let parked = Parked()
        let n = 200
        for i in 0..<n {
            Task(executorPreference: executor) { await parked.suspend() }
            // One at a time, as connections arrive: each finds the thread the previous one left.
            eventually { parked.count == i + 1 }
        }
        #expect(parked.count == n)
        let threads = executor.threadCount
        #expect(threads <= 8, "\(threads) threads for \(n) suspended tasks")
        parked.resumeAll()
        eventually { parked.resumed.load(ordering: .relaxed) == n }
        let resumed = parked.resumed.load(ordering: .relaxed)
        #expect(resumed == n)
    }

    @Test func idleThreadsAboveKeepIdleExit() {
        let executor = ElasticExecutor(maxThreads: 64, keepIdle: 2, stackBytes: 256 * 1024, idleSeconds: 0.1)
        let gate = Gate()
        blockingTasks(10, on: executor, gate: gate)
        eventually { executor.threadCount == 10 }
        #expect(executor.threadCount == 10)
        gate.open.store(true, ordering: .relaxed)
        eventually { executor.threadCount == 2 }
        #expect(executor.threadCount == 2)
        // The two kept threads still take work.
        let more = Gate()
        more.open.store(true, ordering: .relaxed)
        blockingTasks(4, on: executor, gate: more)
        eventually { more.finished.load(ordering: .relaxed) == 4 }
        let ran = more.finished.load(ordering: .relaxed)
        #expect(ran == 4)
        usleep(300_000)
        #expect(executor.threadCount == 2, "the kept ones never exit")
    }
}
