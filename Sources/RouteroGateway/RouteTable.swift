import RouteroCore
import RouteroFrontEnds

/// Runs before a route's handler, in the order a route lists them.
enum Middleware: Sendable {
    /// 508 for a request that already passed through this gateway (before auth: a loop must end
    /// even when the looping deployment's key is wrong).
    case loopCheck
    /// The gateway key, from the headers every SDK uses; `queryKey` also accepts Google's `?key=`.
    case authenticate(queryKey: Bool)
}

/// Which paths a route serves.
enum RoutePattern: Sendable {
    /// Any of these paths exactly.
    case exact([String])
    /// `{prefix}{model}:{verb}` (Google's `models/{model}:generateContent`), for the listed verbs.
    case modelAction(prefixes: [String], verbs: [String])
    /// `{prefix}{name}{suffix}` with one path segment as the name (Azure's deployments).
    case named(prefix: String, suffix: String)
    /// `{prefix}{rest}`, rest non-empty and without `:`.
    case prefix(String)

    func match(_ path: String) -> RouteMatch? {
        switch self {
        case .exact(let paths):
            return paths.contains(path) ? RouteMatch() : nil
        case .modelAction(let prefixes, let verbs):
            for prefix in prefixes where path.hasPrefix(prefix) {
                let rest = path.dropFirst(prefix.count)
                guard let colon = rest.lastIndex(of: ":") else { continue }
                let model = String(rest[..<colon]), verb = String(rest[rest.index(after: colon)...])
                if !model.isEmpty, !model.contains("/"), verbs.contains(verb) { return RouteMatch(name: model, verb: verb) }
            }
            return nil
        case .named(let prefix, let suffix):
            guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
            let name = String(path.dropFirst(prefix.count).dropLast(suffix.count))
            return name.contains("/") ? nil : RouteMatch(name: name)
        case .prefix(let prefix):
            guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
            let rest = String(path.dropFirst(prefix.count))
            return rest.contains(":") ? nil : RouteMatch(name: rest)
        }
    }
}

/// What a pattern captured.
struct RouteMatch: Sendable {
    /// The model, deployment or id named in the path.
    var name: String?
    /// Google's verb after `:`.
    var verb: String?
}

/// One endpoint: methods, paths, middleware, the entry format its errors use, and the handler.
/// Every endpoint is a row of ``Gateway/routes``: one that needs a key says so in its middleware,
/// so none can forget authentication by being written elsewhere.
struct Route: Sendable {
    typealias Handler = @Sendable (Gateway, inout Exchange, RouteMatch) async throws(GatewayError) -> Void

    let name: String
    let methods: [String]
    let pattern: RoutePattern
    let middleware: [Middleware]
    let format: any ChatFrontEnd
    let handler: Handler
}

extension Gateway {
    static let openAIFormat = OpenAIChatFrontEnd()
    static let anthropicFormat = AnthropicFrontEnd()
    static let geminiFormat = GeminiFrontEnd()
    /// Google's SDKs call `v1beta` (the genai default is `v1` in some releases).
    static let geminiPrefixes = ["/v1beta/models/", "/v1/models/"]

    /// Every endpoint, matched in order.
    static let routes: [Route] = [
        Route(name: "health_live", methods: ["GET", "HEAD"], pattern: .exact(["/health", "/health/live", "/health/liveliness"]),
              middleware: [], format: openAIFormat) { gateway, x, _ in gateway.liveness(&x) },
        Route(name: "health_ready", methods: ["GET", "HEAD"], pattern: .exact(["/health/ready", "/health/readiness"]),
              middleware: [], format: openAIFormat) { gateway, x, _ in gateway.readiness(&x) },
        Route(name: "models", methods: ["GET"], pattern: .exact(["/v1/models", "/models"]),
              middleware: [.authenticate(queryKey: false)], format: openAIFormat) { gateway, x, _ in gateway.listModels(&x) },
        Route(name: "chat", methods: ["POST"], pattern: .exact(["/v1/chat/completions", "/chat/completions"]),
              middleware: [.loopCheck, .authenticate(queryKey: false)], format: openAIFormat) { gateway, x, _ throws(GatewayError) in
            try await gateway.serveChat(&x, frontEnd: openAIFormat, facts: InboundRequestFacts())
        },
        // Azure OpenAI clients: the deployment in the path names the model; `api-version` is accepted and ignored.
        Route(name: "azure_chat", methods: ["POST"], pattern: .named(prefix: "/openai/deployments/", suffix: "/chat/completions"),
              middleware: [.loopCheck, .authenticate(queryKey: false)], format: openAIFormat) { gateway, x, match throws(GatewayError) in
            try await gateway.serveChat(&x, frontEnd: openAIFormat, facts: InboundRequestFacts(pathModel: match.name))
        },
        Route(name: "anthropic_messages", methods: ["POST"], pattern: .exact(["/v1/messages"]),
              middleware: [.loopCheck, .authenticate(queryKey: false)], format: anthropicFormat) { gateway, x, _ throws(GatewayError) in
            try await gateway.serveChat(&x, frontEnd: anthropicFormat, facts: InboundRequestFacts(headers: Gateway.anthropicHeaders(x)))
        },
        Route(name: "anthropic_count_tokens", methods: ["POST"], pattern: .exact(["/v1/messages/count_tokens"]),
              middleware: [.loopCheck, .authenticate(queryKey: false)], format: anthropicFormat) { gateway, x, _ throws(GatewayError) in
            try gateway.countTokens(&x, entry: .anthropic)
        },
        Route(name: "gemini_generate", methods: ["POST"],
              pattern: .modelAction(prefixes: geminiPrefixes, verbs: ["generateContent", "streamGenerateContent"]),
              middleware: [.loopCheck, .authenticate(queryKey: true)], format: geminiFormat) { gateway, x, match throws(GatewayError) in
            let facts = InboundRequestFacts(pathModel: match.name, streamFromPath: match.verb == "streamGenerateContent",
                                            sseFraming: Gateway.queryValue(x.request.query, "alt") == "sse")
            try await gateway.serveChat(&x, frontEnd: geminiFormat, facts: facts)
        },
        Route(name: "gemini_count_tokens", methods: ["POST"], pattern: .modelAction(prefixes: geminiPrefixes, verbs: ["countTokens"]),
              middleware: [.loopCheck, .authenticate(queryKey: true)], format: geminiFormat) { gateway, x, match throws(GatewayError) in
            try gateway.countTokens(&x, entry: .gemini(model: match.name ?? ""))
        },
        Route(name: "model", methods: ["GET"], pattern: .prefix("/v1/models/"),
              middleware: [.authenticate(queryKey: false)], format: openAIFormat) { gateway, x, match throws(GatewayError) in
            try gateway.retrieveModel(&x, id: match.name ?? "")
        },
    ]

    /// The request headers Anthropic's wire format defines (forwarded only to Anthropic upstreams).
    static func anthropicHeaders(_ x: Exchange) -> [(String, String)] {
        ["anthropic-version", "anthropic-beta"].compactMap { name in x.request.header(name).map { (name, $0) } }
    }

    func dispatch(_ x: inout Exchange) async throws(GatewayError) {
        var path = x.request.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        for route in Self.routes {
            guard let match = route.pattern.match(path) else { continue }
            x.format = route.format
            x.note("route_name", route.name)
            try x.requireMethod(route.methods)
            for step in route.middleware {
                switch step {
                case .loopCheck: try checkLoop(&x)
                case .authenticate(let queryKey): try authenticate(&x, queryKey: queryKey)
                }
            }
            try await route.handler(self, &x, match)
            return
        }
        throw .notFound(path: path)
    }
}
