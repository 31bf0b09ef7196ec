import Glibc

/// Starts the loop thread with pthreads (no Foundation in the worker).
enum LoopThread {
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, loopThreadEntry, box)
        if rc != 0 { Unmanaged<Body>.fromOpaque(box).release(); return false }
        pthread_detach(tid)
        return true
    }

    final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}

private func loopThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    Unmanaged<LoopThread.Body>.fromOpaque(context).takeRetainedValue().run()
    return nil
}
