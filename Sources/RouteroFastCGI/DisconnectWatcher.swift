import RouteroSystem
import Synchronization

/// One epoll set per process that watches the connection of every request that asked to be told
/// when its client leaves (nginx closes the FastCGI connection then), and of every kept
/// connection waiting for nginx's next request on it, on one thread.
///
/// This replaces a periodic `poll` by every waiting request thread: at thousands of held streams
/// those wake-ups were most of the process's work. Each registration is one-shot: the signal
/// runs once, on the watcher thread, and must only nudge (the request re-checks `clientGone`
/// itself; a kept connection's task looks at its socket).
final class DisconnectWatcher: Sendable {
    private struct Watch {
        var signal: @Sendable () -> Void
        var fired = false
    }

    /// Nil when the process cannot get an epoll set or a thread; requests then fall back to
    /// polling `clientGone`.
    static let shared: DisconnectWatcher? = {
        guard let epoll = Epoll(capacity: 64) else { return nil }
        let watcher = DisconnectWatcher(epoll: epoll)
        return NativeThread.detach(stackBytes: 256 * 1024) { watcher.run() } ? watcher : nil
    }()

    private let epoll: Epoll
    private let watches = Mutex<[UInt64: Watch]>([:])
    private let nextToken = Atomic<UInt64>(1)

    private init(epoll: Epoll) {
        self.epoll = epoll
    }

    /// Starts watching `descriptor`; returns the registration's token, or nil when the kernel
    /// refused (e.g. `max_user_watches`).
    /// - Parameter events: what wakes it: the peer's hang-up by default, `.readable` for a kept
    ///   connection's next request.
    func watch(_ descriptor: Int32, events: Epoll.Events = [.readHangUp],
               signal: @escaping @Sendable () -> Void) -> UInt64? {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        watches.withLock { $0[token] = Watch(signal: signal) }
        if epoll.add(descriptor, events.union(.oneShot), token: token) != 0 {
            watches.withLock { _ = $0.removeValue(forKey: token) }
            return nil
        }
        return token
    }

    /// Replaces the signal of a registration; runs the new one at once if the client already left.
    func replace(_ token: UInt64, signal: @escaping @Sendable () -> Void) {
        let fired = watches.withLock { w -> Bool in
            guard w[token] != nil else { return false }
            w[token]!.signal = signal
            return w[token]!.fired
        }
        if fired { signal() }
    }

    /// Ends a registration; call before the descriptor is closed or reused for the next request.
    func unwatch(_ descriptor: Int32, token: UInt64) {
        epoll.remove(descriptor)
        watches.withLock { _ = $0.removeValue(forKey: token) }
    }

    private func run() {
        while true {
            epoll.wait(timeoutMilliseconds: -1) { token, _ in
                let signal = watches.withLock { w -> (@Sendable () -> Void)? in
                    guard w[token] != nil, !w[token]!.fired else { return nil }
                    w[token]!.fired = true
                    return w[token]!.signal
                }
                signal?()
            }
        }
    }
}
