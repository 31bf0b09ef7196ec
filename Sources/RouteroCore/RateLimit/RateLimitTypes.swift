/// What a rate-limit counter counts, for the `x-ratelimit-*-requests` / `-tokens` headers.
public enum RateLimitUnit: String, Sendable, Equatable {
    case requests
    case tokens
}

/// One fixed-window counter an admission checks and charges: `amount` more must fit under `limit`.
public struct RateLimitCounter: Sendable, Equatable {
    /// The counter's name within its scope (`rpm`, `tpm`, `m:<group>:rpm`, ...).
    public var name: String
    public var unit: RateLimitUnit
    public var limit: Int
    /// What this request charges: 1 for a request counter, the reserved tokens for a token counter.
    public var amount: Int

    public init(name: String, unit: RateLimitUnit, limit: Int, amount: Int) {
        self.name = name
        self.unit = unit
        self.limit = limit
        self.amount = amount
    }
}

/// Everything one admission checks and reserves, atomically, in one scope (a caller, a deployment,
/// the whole gateway). A scope is one Redis Cluster hash tag, so one script call covers it.
public struct RateLimitCheck: Sendable, Equatable {
    /// The scope, e.g. `k:master:3fa2…` or `d:gpt4o-a`; becomes the key's `{hash tag}`.
    public var scope: String
    public var counters: [RateLimitCounter]
    /// Requests in flight at once in this scope, when limited.
    public var maxParallel: Int?
    /// The fixed window length.
    public var windowMs: Int
    /// How long a parallel slot is held if its request never releases it (a worker died).
    public var leaseMs: Int

    public init(scope: String, counters: [RateLimitCounter], maxParallel: Int? = nil, windowMs: Int = 60_000,
                leaseMs: Int = 660_000) {
        self.scope = scope
        self.counters = counters
        self.maxParallel = maxParallel
        self.windowMs = windowMs
        self.leaseMs = leaseMs
    }

    /// Whether there is anything to check.
    public var isEmpty: Bool { counters.isEmpty && maxParallel == nil }
}

/// A counter after an admission: what the headers report.
public struct RateLimitState: Sendable, Equatable {
    public var name: String
    public var unit: RateLimitUnit
    public var limit: Int
    /// Used in the current window, this request included when it was admitted.
    public var used: Int
    /// Milliseconds until the window resets.
    public var resetMs: Int

    public init(name: String, unit: RateLimitUnit, limit: Int, used: Int, resetMs: Int) {
        self.name = name
        self.unit = unit
        self.limit = limit
        self.used = used
        self.resetMs = resetMs
    }

    public var remaining: Int { max(0, limit - used) }
}

/// What was reserved by an admitted check, for reconcile and release.
public struct RateLimitReservation: Sendable, Equatable {
    public var scope: String
    /// Start of the window the reservation was charged to (ms, the store's clock): a reconcile
    /// that arrives after the window turned over changes nothing.
    public var windowStart: Int
    /// Token counters and what was reserved on each.
    public var tokens: [(name: String, amount: Int)]
    /// The parallel slot taken, if any.
    public var slot: String?
    /// Charged to the per-process fallback store (Redis was unavailable).
    public var local: Bool

    public init(scope: String, windowStart: Int, tokens: [(name: String, amount: Int)], slot: String?, local: Bool = false) {
        self.scope = scope
        self.windowStart = windowStart
        self.tokens = tokens
        self.slot = slot
        self.local = local
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.scope == b.scope && a.windowStart == b.windowStart && a.slot == b.slot && a.local == b.local
            && a.tokens.count == b.tokens.count && zip(a.tokens, b.tokens).allSatisfy { $0.name == $1.name && $0.amount == $1.amount }
    }
}

/// The answer to a ``RateLimitCheck``.
public enum RateLimitDecision: Sendable, Equatable {
    /// Everything fitted and is now charged.
    case admitted(RateLimitReservation, [RateLimitState])
    /// `refused` did not fit (nothing was charged); `states` are all counters as they are.
    case refused(RateLimitRefusal, [RateLimitState])
}

/// Which limit refused a request.
public enum RateLimitRefusal: Sendable, Equatable {
    /// A window counter is full until its reset.
    case window(RateLimitState, needed: Int)
    /// Every parallel slot is taken.
    case parallel(limit: Int)
}
