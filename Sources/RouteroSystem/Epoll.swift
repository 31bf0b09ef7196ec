internal import CSystem
import Glibc

/// One Linux epoll set. Each registered descriptor carries a caller-chosen 64-bit token that
/// comes back with its events, so a loop finds its state without a descriptor lookup.
///
/// Registration may be called from any thread; `wait` from one thread at a time (it reuses
/// one event buffer).
public final class Epoll: @unchecked Sendable {
    /// Readiness bits, as epoll reports and accepts them.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: ROUTERO_EPOLLIN)
        public static let writable = Events(rawValue: ROUTERO_EPOLLOUT)
        /// The peer shut its writing side (for a FastCGI socket: nginx gave up on the request).
        public static let readHangUp = Events(rawValue: ROUTERO_EPOLLRDHUP)
        /// Always reported, never requested.
        public static let hangUp = Events(rawValue: ROUTERO_EPOLLHUP)
        /// Always reported, never requested.
        public static let error = Events(rawValue: ROUTERO_EPOLLERR)
        /// Report once, then stay registered but silent until re-armed with `modify`.
        public static let oneShot = Events(rawValue: ROUTERO_EPOLLONESHOT)
    }

    private let fd: Int32
    private var items: [routero_epoll_item]

    /// Returns nil when the kernel refuses a new epoll instance (descriptor limit).
    public init?(capacity: Int = 256) {
        fd = routero_epoll_create()
        if fd < 0 { return nil }
        items = Array(repeating: routero_epoll_item(), count: min(max(capacity, 1), 256))
    }

    deinit { close(fd) }

    /// Adds `descriptor`; returns 0 or the errno (EEXIST when it is already registered).
    @discardableResult
    public func add(_ descriptor: Int32, _ events: Events, token: UInt64) -> Int32 {
        routero_epoll_ctl(fd, ROUTERO_EPOLL_CTL_ADD, descriptor, events.rawValue, token)
    }

    /// Changes the events or token of a registered descriptor; returns 0 or the errno (ENOENT
    /// when it is not registered, e.g. because it was closed meanwhile).
    @discardableResult
    public func modify(_ descriptor: Int32, _ events: Events, token: UInt64) -> Int32 {
        routero_epoll_ctl(fd, ROUTERO_EPOLL_CTL_MOD, descriptor, events.rawValue, token)
    }

    /// Adds or modifies, whichever applies.
    @discardableResult
    public func set(_ descriptor: Int32, _ events: Events, token: UInt64) -> Int32 {
        let rc = modify(descriptor, events, token: token)
        return rc == ENOENT ? add(descriptor, events, token: token) : rc
    }

    /// Removes `descriptor`; a descriptor already closed is gone from the set anyway.
    public func remove(_ descriptor: Int32) {
        _ = routero_epoll_ctl(fd, ROUTERO_EPOLL_CTL_DEL, descriptor, 0, 0)
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) and calls `body` for each ready
    /// descriptor's token and events; returns how many there were.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32, _ body: (UInt64, Events) -> Void) -> Int {
        let n = items.withUnsafeMutableBufferPointer { buf in
            routero_epoll_wait(fd, buf.baseAddress, Int32(buf.count), timeoutMilliseconds)
        }
        if n <= 0 { return 0 }
        for i in 0..<Int(n) {
            body(items[i].token, Events(rawValue: items[i].events))
        }
        return Int(n)
    }
}

/// An eventfd: lets any thread wake a loop that sleeps in `Epoll.wait`.
public final class WakeUpSignal: Sendable {
    /// The descriptor to register (readable) in the loop's epoll set.
    public let descriptor: Int32

    public init?() {
        descriptor = routero_eventfd()
        if descriptor < 0 { return nil }
    }

    deinit { close(descriptor) }

    /// Makes the descriptor readable; cheap, and signals coalesce until `consume`.
    public func signal() { routero_eventfd_signal(descriptor) }

    /// Clears the readable state (call when epoll reported it).
    public func consume() { routero_eventfd_drain(descriptor) }
}
