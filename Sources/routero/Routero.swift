/// The `routero` executable: parses the command line, loads and validates the configuration,
/// and runs one FastCGI worker process until SIGTERM drains it.
import RouteroConfig
import RouteroCore
import RouteroFastCGI
import RouteroGateway
import RouteroSystem
import Glibc

@main
struct Routero {
    static func main() {
        // Before any thread exists: every thread inherits the mask, and only the main thread
        // takes stop signals (via sigwait), so SIGTERM can never kill a stream mid-write.
        StopSignals.blockInAllThreads()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command: Command
        do {
            command = try Command.parse(arguments)
        } catch {
            fail("\(error.description)\n\n\(Command.usage)", code: 2)
        }
        switch command {
        case .help:
            print(Command.usage)
        case .version:
            print("routero \(routeroVersion)")
        case .checkConfig(let options):
            let config = load(options)
            print(config.redactedSummary())  // includes the config's own warnings
            let gateway = makeGateway(config, options)
            for warning in gateway.routingWarnings { print("warning: \(warning)") }
            print("configuration OK")
        case .serve(let options):
            serve(options)
        }
    }

    static func serve(_ options: Command.Options) {
        let config = load(options)
        Log.setLevel(LogLevel(name: options.logLevel ?? config.server.logLevel) ?? .info)
        for warning in config.warnings { Log.warning("config", [("detail", warning)]) }
        for key in config.notYetActive {
            Log.warning("config setting parsed but not yet active", [("key", key)])
        }
        let gateway = makeGateway(config, options)
        for warning in gateway.routingWarnings { Log.warning("routing", [("detail", warning)]) }
        gateway.prepareSharedState()
        if config.auth.mode == .none {
            Log.warning("client authentication is OFF (auth mode none): anyone who reaches this gateway can use "
                        + "its provider keys; for local experiments only")
        }
        let listener: FastCGIListener
        do {
            listener = try FastCGIListener(address: options.listen ?? "unix:/run/routero/w1.sock")
        } catch {
            fail(error.description, code: 1)
        }
        let server = FastCGIServer(
            listener: listener,
            configuration: .init(minSpareThreads: config.server.minSpareThreads,
                                 maxConcurrentRequests: config.server.maxConcurrentRequests),
            handler: { request in await gateway.handle(request) },
            overloaded: { request in gateway.overloaded(request) })
        server.start()
        Log.info("worker ready", [
            ("pid", String(getpid())), ("listen", options.listen ?? "unix:/run/routero/w1.sock"),
            ("redis", config.redis?.description ?? "none"), ("cache", config.cache.enabled ? "on" : "off"),
            ("models", String(config.modelGroups.count)), ("auth", config.auth.mode.rawValue),
            ("instance", gateway.instanceID),
        ])
        let signal = StopSignals.wait()
        Log.info("draining", [("signal", String(signal)), ("in_flight", String(server.inFlight)),
                              ("deadline_s", String(config.server.drainTimeoutSeconds))])
        server.stopAccepting()
        let left = server.waitForDrain(seconds: config.server.drainTimeoutSeconds)
        if left > 0 {
            Log.warning("drain deadline passed; exiting with requests in flight", [("in_flight", String(left))])
        } else {
            Log.info("drained; exiting")
        }
        exit(0)
    }

    static func load(_ options: Command.Options) -> GatewayConfig {
        let environment = CStringPairs.dictionary(environ)
        do throws(ConfigError) {
            let redis = try options.redisURL.map { url throws(ConfigError) in
                try RedisSettings.parse(urls: url, keyPath: "--redis")
            }
            var config = try ConfigLoader.load(path: options.configPath, environment: environment, redisOverride: redis)
            if options.authMode == "none" { config.auth.mode = .none }
            // Fail closed: no master key and no explicit opt-out is a configuration error.
            if let problem = config.clientAuthProblem() { throw problem }
            return config
        } catch {
            fail("invalid configuration \(options.configPath): \(error.description)", code: 1)
        }
    }

    static func makeGateway(_ config: GatewayConfig, _ options: Command.Options) -> Gateway {
        let instance = config.server.instanceID ?? InstanceID.derived(configPath: options.configPath)
        do {
            return try Gateway(config: config, environment: config.mergedEnvironment(CStringPairs.dictionary(environ)),
                               instanceID: instance)
        } catch {
            fail("invalid configuration: \(error.description)", code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        let line = "routero: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(code)
    }
}

let routeroVersion = "0.1.0"
