import RouteroConfig

/// Weighted, tiered ordering of a group's deployments (LiteLLM's `simple-shuffle` plus `order`).
enum DeploymentSelection {
    /// Indices of `deployments` in attempt order.
    ///
    /// Deployments are grouped into tiers by `order` (lowest first; no `order` after every
    /// explicit one). Within a tier, each position is drawn at random in proportion to the
    /// remaining weights, so the first pick follows the weights and the rest follow in
    /// weighted-random order. Zero-weight deployments come last in their tier.
    static func attemptOrder(_ deployments: [Deployment], using rng: inout some RandomNumberGenerator) -> [Int] {
        let tiers = Dictionary(grouping: deployments.indices) { deployments[$0].order ?? Int.max }
        var result: [Int] = []
        for key in tiers.keys.sorted() {
            let tier = tiers[key]!
            result += weightedShuffle(tier, weights: weights(tier.map { deployments[$0] }), using: &rng)
        }
        return result
    }

    /// The weight of each deployment of one tier. An explicit `weight` on any deployment of the
    /// tier means weights (1 where unset). Otherwise, as LiteLLM's simple-shuffle does, `rpm`
    /// (or else `tpm`) acts as the weight, but only when every deployment of the tier sets it:
    /// LiteLLM counts a missing rpm as 0, which silently starves that deployment.
    static func weights(_ tier: [Deployment]) -> [Double] {
        if tier.contains(where: \.hasExplicitWeight) { return tier.map(\.weight) }
        if tier.allSatisfy({ $0.rpm != nil }) { return tier.map { Double($0.rpm!) } }
        if tier.allSatisfy({ $0.tpm != nil }) { return tier.map { Double($0.tpm!) } }
        return tier.map { _ in 1 }
    }

    /// Draws `items` without replacement, each draw proportional to the remaining weights.
    static func weightedShuffle(_ items: [Int], weights: [Double],
                                using rng: inout some RandomNumberGenerator) -> [Int]
    {
        var pool = Array(zip(items, weights))
        var result: [Int] = []
        while !pool.isEmpty {
            let total = pool.reduce(0) { $0 + $1.1 }
            guard total > 0 else {
                // Only zero weights left: uniform order.
                result += pool.map(\.0).shuffled(using: &rng)
                break
            }
            var point = Double.random(in: 0..<total, using: &rng)
            // Default to the last positive weight in case rounding leaves `point` past the end.
            var chosen = pool.lastIndex { $0.1 > 0 }!
            for (position, entry) in pool.enumerated() where entry.1 > 0 {
                if point < entry.1 { chosen = position; break }
                point -= entry.1
            }
            result.append(pool.remove(at: chosen).0)
        }
        return result
    }
}
