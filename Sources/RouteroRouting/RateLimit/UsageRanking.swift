public import RouteroProviders

/// `usage-based-routing` / `usage-based-routing-v2`: a plan's deployments ordered by the room left
/// under their `rpm`/`tpm` limits in the current minute (pure; the counts come from one snapshot
/// read of the deployment counters).
public enum UsageRanking {
    /// A deployment's limits and its use in the current window.
    public struct Load: Sendable, Equatable {
        public var rpm: Int?
        public var tpm: Int?
        public var usedRequests: Int
        public var usedTokens: Int

        public init(rpm: Int?, tpm: Int?, usedRequests: Int, usedTokens: Int) {
            self.rpm = rpm
            self.tpm = tpm
            self.usedRequests = usedRequests
            self.usedTokens = usedTokens
        }

        /// The fraction of the tighter limit still free (1 without limits, ≤ 0 at a limit).
        public var headroom: Double {
            var room = 1.0
            if let rpm { room = min(room, rpm == 0 ? 0 : Double(rpm - usedRequests) / Double(rpm)) }
            if let tpm { room = min(room, tpm == 0 ? 0 : Double(tpm - usedTokens) / Double(tpm)) }
            return room
        }
    }

    /// `attempts` from most to least headroom; equal headroom keeps the plan's (weighted, tiered)
    /// order, so deployments without limits or traffic stay where the plan put them.
    /// - Parameter loads: by deployment id; deployments without an entry count as unlimited.
    public static func order(_ attempts: [UpstreamTarget], loads: [String: Load]) -> [UpstreamTarget] {
        attempts.enumerated()
            .map { (index: $0.offset, target: $0.element, room: loads[$0.element.deploymentID]?.headroom ?? 1) }
            .sorted { ($0.room, -$0.index) > ($1.room, -$1.index) }
            .map(\.target)
    }
}
