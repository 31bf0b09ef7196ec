import Glibc
@testable import RouteroSystem
import RouteroTestSupport
import Synchronization
import Testing

@Suite(.serialized)
struct DeadlineTimerTests {
    let timer = DeadlineTimer.shared!

    @Test func actionsRunInDeadlineOrderNotScheduleOrder() {
        let order = Mutex<[Int]>([])
        let start = Monotonic.now()
        let ranAt = Mutex<[Int: Double]>([:])
        for i in [3, 1, 2] {
            _ = timer.schedule(at: start + 0.1 * Double(i)) {
                order.withLock { $0.append(i) }
                ranAt.withLock { $0[i] = Monotonic.now() - start }
            }
        }
        eventually { order.withLock { $0.count } == 3 }
        #expect(order.withLock { $0 } == [1, 2, 3])
        for (i, at) in ranAt.withLock({ $0 }) {
            #expect(at >= 0.1 * Double(i) - 0.001, "action \(i) ran early, at \(at) s")
        }
    }

    @Test func anEarlierDeadlineWakesTheTimerSleepingUntilALaterOne() {
        let late = Atomic<Bool>(false), early = Atomic<Bool>(false)
        let far = timer.schedule(at: Monotonic.now() + 30) { late.store(true, ordering: .relaxed) }
        usleep(20_000)  // the timer thread now sleeps until the far deadline
        let start = Monotonic.now()
        _ = timer.schedule(at: start + 0.05) { early.store(true, ordering: .relaxed) }
        eventually(seconds: 5) { early.load(ordering: .relaxed) }
        let ranEarly = early.load(ordering: .relaxed)
        #expect(ranEarly)
        #expect(Monotonic.now() - start < 2)
        timer.cancel(far)
        let ranLate = late.load(ordering: .relaxed)
        #expect(!ranLate)
    }

    @Test func aCancelledActionNeverRuns() {
        let ran = Atomic<Int>(0)
        let start = Monotonic.now()
        let cancelled = timer.schedule(at: start + 0.05) { ran.add(100, ordering: .relaxed) }
        _ = timer.schedule(at: start + 0.1) { ran.add(1, ordering: .relaxed) }
        timer.cancel(cancelled)
        eventually { ran.load(ordering: .relaxed) != 0 }
        usleep(50_000)
        let total = ran.load(ordering: .relaxed)
        #expect(total == 1)
        timer.cancel(cancelled)  // again, after its time: harmless
    }

    @Test func cancelledEntriesDoNotPileUp() {
        // Waits woken early cancel their deadlines; the heap must not keep them all.
        let far = Monotonic.now() + 3600
        for _ in 0..<5_000 { timer.cancel(timer.schedule(at: far) {}) }
        let entries = timer.heapCount
        #expect(entries < 2_100, "\(entries) entries for about none live")
    }
}
