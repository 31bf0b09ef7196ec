import Glibc

/// Starts detached POSIX threads with an explicit stack size.
///
/// Swift's `Thread` lives in Foundation, which the worker does not link; pthreads are enough.
/// The entry point is a global function (not a closure formed inside an actor-isolated context),
/// because C calling into a main-actor-isolated closure traps at run time (STACK.md §1).
public enum NativeThread {
    /// Runs `body` on a new detached thread. Returns false if the OS refused to create one.
    /// - Parameter stackBytes: stack size; nil keeps the system default.
    public static func detach(stackBytes: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Bool {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        if let stackBytes { pthread_attr_setstacksize(&attr, stackBytes) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, nativeThreadEntry, box)
        if rc != 0 {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            return false
        }
        return true
    }
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

private func nativeThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    let body = Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue()
    body.run()
    return nil
}
