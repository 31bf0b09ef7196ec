/// The command line: `routero serve|check-config --config FILE [options]`.
///
/// Hand-parsed: four options do not justify a dependency that every CI build compiles.
enum Command {
    struct Options {
        var configPath = ""
        var listen: String?
        var redisURL: String?
        var logLevel: String?
        /// `--auth none`: serve without client authentication (local experiments only).
        var authMode: String?
    }

    case serve(Options)
    case checkConfig(Options)
    case help
    case version

    struct UsageError: Error, CustomStringConvertible { let description: String }

    static let usage = """
        usage: routero serve --config FILE [--listen unix:/path.sock|HOST:PORT] [--redis redis://HOST:PORT/DB]
                             [--log-level debug|info|warning|error] [--auth none]
               routero check-config --config FILE [--redis URL] [--auth none]
               routero --version

          serve         run one FastCGI worker process for nginx (SIGTERM drains, then exits)
          check-config  validate the configuration, print a redacted summary, exit 0 or 1
          --listen      FastCGI socket (default unix:/run/routero/w1.sock)
          --redis       overrides the configuration's Redis (cache and shared state)
          --auth none   serve without a master key: local experiments only (without it, a
                        configuration with no master key is refused)
        """

    static func parse(_ args: [String]) throws(UsageError) -> Command {
        guard let verb = args.first else { return .help }
        switch verb {
        case "-h", "--help", "help": return .help
        case "--version", "version": return .version
        case "serve", "check-config": break
        default: throw UsageError(description: "unknown command '\(verb)'")
        }
        var options = Options()
        var i = 1
        while i < args.count {
            let flag = args[i]
            var value: String
            if let eq = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                value = String(flag[flag.index(after: eq)...])
                i += 1
                try set(String(flag[..<eq]), value, &options)
                continue
            }
            guard i + 1 < args.count else { throw UsageError(description: "\(flag) needs a value") }
            value = args[i + 1]
            try set(flag, value, &options)
            i += 2
        }
        if options.configPath.isEmpty { throw UsageError(description: "--config FILE is required") }
        return verb == "serve" ? .serve(options) : .checkConfig(options)
    }

    private static func set(_ flag: String, _ value: String, _ o: inout Options) throws(UsageError) {
        switch flag {
        case "--config", "-c": o.configPath = value
        case "--listen": o.listen = value
        case "--redis": o.redisURL = value
        case "--log-level":
            guard ["debug", "info", "warning", "error"].contains(value) else {
                throw UsageError(description: "--log-level must be debug, info, warning or error")
            }
            o.logLevel = value
        case "--auth":
            guard ["none", "master_key"].contains(value) else {
                throw UsageError(description: "--auth must be none or master_key")
            }
            o.authMode = value
        default: throw UsageError(description: "unknown option '\(flag)'")
        }
    }
}
