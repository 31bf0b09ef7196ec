/// How persistent one request is with its deployments (LiteLLM's `num_retries` and friends).
public struct RetryPolicy: Sendable, Equatable {
    /// Extra tries of the same deployment after a transient failure (5xx, broken connection,
    /// a 429 whose `Retry-After` is short enough to wait for). LiteLLM's `num_retries`.
    public var sameDeploymentRetries: Int = 1
    /// Exponential backoff with full jitter: a retry waits a random time up to
    /// `min(backoffMaxSeconds, backoffBaseSeconds × 2^(n-1))`.
    public var backoffBaseSeconds: Double = 0.5
    public var backoffMaxSeconds: Double = 8
    /// The longest `Retry-After` waited for inside a request; a longer one moves on (or reaches the
    /// client with its `retry-after`, for its SDK to honour).
    public var maxRetryAfterSeconds: Double = 5

    public init() {}
}
