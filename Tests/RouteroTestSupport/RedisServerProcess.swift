import Glibc

/// A throwaway redis-server on a free loopback port, for tests against the real thing.
/// Tests that need it are skipped when `redis-server` is not installed.
public final class RedisServerProcess {
    public let port: Int
    private var pid: pid_t = 0

    public static var available: Bool { executable != nil }

    private static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { access($0, X_OK) == 0 }
    }

    /// Spawns with posix_spawn and stops with kill + waitpid: Foundation's `Process.waitUntilExit`
    /// needs a run loop and hung under swift-testing here.
    /// - Parameter extraArguments: more `--name value` options (cluster mode, for instance).
    public init?(port fixedPort: Int? = nil, extraArguments: [String] = []) {
        guard let exe = Self.executable else { return nil }
        port = fixedPort ?? Self.freePort()
        let args = [exe, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--logfile", "/dev/null"] + extraArguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        if posix_spawn(&pid, exe, nil, nil, &argv, environ) != 0 { return nil }
        // A port taken between freePort() and the spawn makes redis exit at once, and whatever
        // holds the port may well answer: only a reply naming this process counts as ready.
        var ready = false
        for _ in 0..<100 where alive {
            ready = RedisClusterProcess.send(port, ["INFO", "server"])?.contains("process_id:\(pid)\r\n") == true
            if ready { break }
            usleep(20_000)
        }
        guard ready else { stop(); return nil }
    }

    /// The process has not exited (reaps it if it has).
    private var alive: Bool {
        var status: Int32 = 0
        guard pid > 0, waitpid(pid, &status, WNOHANG) == 0 else { pid = 0; return false }
        return true
    }

    deinit { stop() }

    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    public func pause() { kill(pid, SIGSTOP) }
    public func resume() { kill(pid, SIGCONT) }

    public static func freePort() -> Int {
        let (fd, port) = LoopbackSocket.bound(listening: nil)
        close(fd)
        return port
    }
}
