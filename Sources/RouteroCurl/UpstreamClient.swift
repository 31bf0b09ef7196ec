import RouteroSystem

/// Starts upstream HTTP transfers on the process's shared libcurl loop.
///
/// ```swift
/// let client = UpstreamClient(maxConnections: 4096)
/// let t = client.start(UpstreamHTTPRequest(method: "POST", url: url, headers: h, body: b))
/// while let event = t.next(until: deadline) { ... }
/// ```
public final class UpstreamClient: Sendable {
    private let loop: CurlLoop
    public static let defaultShardCapacity = CurlLoop.defaultShardCapacity
    public static let defaultIdleShardSeconds = CurlLoop.defaultIdleShardSeconds

    /// Starts the loop thread.
    /// - Parameters:
    ///   - maxConnections: idle connections kept for reuse (per multi handle, see ``CurlShard``).
    ///   - shardCapacity: concurrent transfers per multi handle; tests use small ones.
    ///   - idleShardSeconds: how long a multi handle stays without transfers before it is
    ///     recycled, closing the idle connections it caches; tests use short ones.
    public init(maxConnections: Int, shardCapacity: Int = UpstreamClient.defaultShardCapacity,
                idleShardSeconds: Double = UpstreamClient.defaultIdleShardSeconds) {
        loop = CurlLoop(maxConnections: maxConnections, shardCapacity: shardCapacity, idleShardSeconds: idleShardSeconds)
        let loop = self.loop
        let started = NativeThread.detach { loop.run() }
        precondition(started, "cannot start the upstream I/O thread")
    }

    /// Queues a transfer and returns its handle immediately.
    public func start(_ request: UpstreamHTTPRequest) -> UpstreamTransfer {
        let t = UpstreamTransfer(request: request, loop: loop)
        loop.submit(t)
        return t
    }

    /// Transfer and connection counters since start.
    public var stats: UpstreamStats {
        UpstreamStats(transfers: loop.transfers.load(ordering: .relaxed),
                      newConnections: loop.newConnections.load(ordering: .relaxed),
                      active: loop.active.load(ordering: .relaxed),
                      multiHandles: loop.shardCount.load(ordering: .relaxed),
                      multiHandlesRecycled: loop.shardsRecycled.load(ordering: .relaxed))
    }
}
