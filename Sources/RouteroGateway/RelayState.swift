import RouteroCore
import RouteroCurl
import RouteroFastCGI
import RouteroSystem
import Synchronization

/// A stream relay's state, shared by the request thread and, while that thread sleeps, the curl
/// loop thread.
///
/// A held stream spends nearly all its life asleep between chunks. Waking the request thread for
/// each chunk costs a futex hand-off and two context switches, which profiles showed to be the
/// largest per-chunk cost; so while the request thread sleeps, the loop thread feeds the chunk
/// through the pipe and writes it to nginx itself, provided the write cannot block (a blocked
/// loop would stall every transfer of the process). Anything else it leaves for the request
/// thread and wakes it: output that does not fit the socket now (the request thread's blocking
/// write is the back-pressure), a pipe fault, an upstream error, a failed write.
///
/// The mutex serializes the two threads; `parked` says whether the loop thread may act (the
/// request thread clears it first thing after its wait returns, so a late offer is declined and
/// the bytes are queued in order instead).
final class RelayState: Sendable {
    struct Stream: Sendable {
        var pipe: any StreamPipe
        var writes = 0
        var lastActivity: Double
        var lastWrite: Double
    }

    /// What the loop thread could not finish and left for the request thread.
    enum Left: Sendable {
        case feedFailed(GatewayError)
        case upstreamError(GatewayError)
        case eventTooLarge
        case clientGone
    }

    private struct Shared: Sendable {
        var stream: Stream
        var parked = false
        /// Fed but not written: the socket had no room.
        var unwritten: [UInt8] = []
        var left: Left?
    }

    private let shared: Mutex<Shared>
    private let request: FastCGIRequest
    private let maxEventBytes: Int

    init(pipe: any StreamPipe, request: FastCGIRequest, maxEventBytes: Int) {
        let now = Monotonic.now()
        shared = Mutex(Shared(stream: Stream(pipe: pipe, lastActivity: now, lastWrite: now)))
        self.request = request
        self.maxEventBytes = maxEventBytes
    }

    /// The request thread's access to the stream.
    func with<T: Sendable, E: Error>(_ body: (inout Stream) throws(E) -> T) throws(E) -> T {
        try shared.withLock { (s: inout Shared) throws(E) -> T in try body(&s.stream) }
    }

    /// When the relay must next look at the stream, from its clocks as they are now (any thread).
    func nextClock(_ clocks: StreamRelay.Clocks, headCommitted: Bool) -> Double {
        shared.withLock { clocks.next($0.stream, headCommitted: headCommitted) }
    }

    /// Lets the loop thread relay chunks until ``unpark()``.
    func park() {
        shared.withLock { $0.parked = true }
    }

    /// Takes the stream back: returns what the loop thread left undone (bytes to write first,
    /// then a condition that ends the attempt).
    func unpark() -> (unwritten: [UInt8], left: Left?) {
        shared.withLock { s in
            s.parked = false
            defer { s.unwritten = []; s.left = nil }
            return (s.unwritten, s.left)
        }
    }

    /// The consumer the transfer calls on the loop thread while the request thread sleeps.
    var inlineConsumer: UpstreamTransfer.InlineConsumer {
        { [self] bytes in relayInline(bytes) }
    }

    private func relayInline(_ bytes: [UInt8]) -> UpstreamTransfer.InlineOutcome {
        shared.withLock { s in
            guard s.parked, s.left == nil, s.unwritten.isEmpty else { return .declined }
            s.stream.lastActivity = Monotonic.now()
            let carriedContent = s.stream.pipe.carriedContent
            let out: PipeOutput
            do throws(GatewayError) {
                out = try s.stream.pipe.feed(bytes)
            } catch {
                s.left = .feedFailed(error)
                s.parked = false
                return .consumedWake
            }
            if !out.bytes.isEmpty {
                guard request.canWriteWithoutBlocking(out.bytes.count) else {
                    s.unwritten = out.bytes
                    if let error = out.upstreamError { s.left = .upstreamError(error) }
                    s.parked = false
                    return .consumedWake
                }
                s.stream.writes += 1
                s.stream.lastWrite = Monotonic.now()
                guard request.write(out.bytes) else {
                    s.left = .clientGone
                    s.parked = false
                    return .consumedWake
                }
            }
            if let error = out.upstreamError {
                s.left = .upstreamError(error)
            } else if s.stream.pipe.bufferedBytes > maxEventBytes {
                s.left = .eventTooLarge
            } else if !carriedContent, s.stream.pipe.carriedContent {
                // The first content went out: the request thread sleeps until the first-token
                // deadline, and must now sleep until the stall deadline instead.
                s.parked = false
                return .consumedWake
            } else {
                return .consumed
            }
            s.parked = false
            return .consumedWake
        }
    }
}
