public import RouteroRouting
import RouteroSystem
import Synchronization

/// Reuses, for a short while, a shared-state read in which every planned deployment was healthy.
///
/// Reading the shared state costs a Redis round trip per request (its largest single cost on the
/// non-streaming path). Almost always every deployment is closed and nothing is learnt, so a read
/// that says "all healthy" is kept for ``seconds``: a cooldown another host sets is then seen up to
/// that much later. Anything else is never kept: an open or half-open breaker (so exactly one
/// request probes, and a cooldown's end is seen at once), a read from the local fallback, and a
/// read of in-flight counts or latencies (least-busy must see live leases). A failure or breaker
/// change this process records forgets everything, so its own requests see it at once.
final class HealthySnapshotReuse: Sendable {
    private struct Entry {
        let expires: Double
        let snapshot: RoutingSnapshot
    }

    let seconds: Double
    private let entries = Mutex<[[DeploymentKey]: Entry]>([:])
    /// Plans are per group (and per fallback group), but wildcard groups make keys from client
    /// model names: past this many the cache starts again rather than growing.
    static let maxEntries = 1024

    init(seconds: Double) {
        self.seconds = seconds
    }

    func lookup(_ keys: [DeploymentKey]) -> RoutingSnapshot? {
        let now = Monotonic.now()
        return entries.withLock { entries in
            guard let entry = entries[keys] else { return nil }
            guard entry.expires > now else {
                entries[keys] = nil
                return nil
            }
            return entry.snapshot
        }
    }

    /// Keeps `snapshot` when it may be reused: shared, and every breaker closed.
    func offer(_ keys: [DeploymentKey], _ snapshot: RoutingSnapshot) {
        guard snapshot.shared, snapshot.health.values.allSatisfy({ $0.breaker == .closed }) else { return }
        let entry = Entry(expires: Monotonic.now() + seconds, snapshot: snapshot)
        entries.withLock { entries in
            if entries.count >= Self.maxEntries, entries[keys] == nil { entries.removeAll(keepingCapacity: true) }
            entries[keys] = entry
        }
    }

    func forgetAll() {
        entries.withLock { $0.removeAll(keepingCapacity: true) }
    }
}
