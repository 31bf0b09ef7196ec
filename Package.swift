// swift-tools-version:6.0
// Routero: an edge LLM gateway. nginx speaks FastCGI to a pool of these worker processes;
// workers call upstream providers with libcurl and share state through Redis.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Routero",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "routero", targets: ["routero"]),
    ],
    dependencies: [
        // YAML parsing for the configuration file.
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        // RS256 signing of Google service-account JWTs (Vertex AI); later SigV4's HMAC for Bedrock.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // Thin C-library wrappers: module maps plus typed inline shims for variadic C APIs.
        .systemLibrary(name: "CFastCGI", path: "Sources/CFastCGI",
                       providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
                       providers: [.apt(["libhiredis-dev"])]),
        // Linux calls Glibc's module map leaves out (epoll, eventfd).
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),

        // Pure Swift: the canonical model, JSON, SSE framing, typed errors, hashing, logging.
        .target(name: "RouteroCore", swiftSettings: strict),
        // Configuration value types and the YAML loader (native schema + LiteLLM config.yaml).
        .target(name: "RouteroConfig",
                dependencies: [.product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        // Provider profiles and pure wire adapters (no I/O).
        .target(name: "RouteroProviders", dependencies: ["RouteroCore"], swiftSettings: strict),
        // Entry formats: one pure codec per client wire format (OpenAI, Anthropic, Gemini).
        .target(name: "RouteroFrontEnds", dependencies: ["RouteroCore", "RouteroProviders"], swiftSettings: strict),
        // Upstream credentials that need cryptography: JWT signers and token-grant requests (pure).
        .target(name: "RouteroCredentials",
                dependencies: ["RouteroCore", .product(name: "_CryptoExtras", package: "swift-crypto"),
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        // Model-string resolution and deployment selection (pure).
        .target(name: "RouteroRouting",
                dependencies: ["RouteroCore", "RouteroConfig", "RouteroProviders"],
                swiftSettings: strict),

        // Wrappers over C libraries and POSIX: the only targets with unsafe pointer code.
        .target(name: "RouteroSystem", dependencies: ["CSystem"], swiftSettings: strict),
        .target(name: "RouteroFastCGI", dependencies: ["CFastCGI", "RouteroSystem"], swiftSettings: strict),
        .target(name: "RouteroCurl", dependencies: ["CCurl", "RouteroSystem"], swiftSettings: strict),
        .target(name: "RouteroRedis", dependencies: ["CHiredis", "RouteroSystem"], swiftSettings: strict),

        // Shared state over Redis: the response cache, tokens, routing state (cooldowns, leases, latency).
        .target(name: "RouteroState", dependencies: ["RouteroCore", "RouteroRedis", "RouteroRouting", "RouteroSystem"],
                swiftSettings: strict),
        // HTTP semantics on top of FastCGI: endpoints, auth, executor, SSE relay.
        .target(name: "RouteroGateway",
                dependencies: ["RouteroCore", "RouteroConfig", "RouteroProviders", "RouteroFrontEnds", "RouteroRouting",
                               "RouteroCredentials",
                               "RouteroFastCGI", "RouteroCurl", "RouteroRedis", "RouteroState", "RouteroSystem"],
                swiftSettings: strict),
        // The worker executable.
        .executableTarget(name: "routero",
                          dependencies: ["RouteroGateway", "RouteroConfig", "RouteroCore", "RouteroFastCGI", "RouteroSystem"],
                          swiftSettings: strict),

        // Test servers and clients shared by the test targets: a small HTTP server standing in
        // for providers, a raw FastCGI client standing in for nginx, a throwaway redis-server.
        .target(name: "RouteroTestSupport", dependencies: ["RouteroSystem"], path: "Tests/RouteroTestSupport"),

        .testTarget(name: "RouteroSystemTests", dependencies: ["RouteroSystem", "RouteroTestSupport"]),
        .testTarget(name: "RouteroCoreTests", dependencies: ["RouteroCore"]),
        .testTarget(name: "RouteroConfigTests", dependencies: ["RouteroConfig", "RouteroTestSupport"]),
        .testTarget(name: "RouteroProvidersTests", dependencies: ["RouteroProviders", "RouteroCore"]),
        .testTarget(name: "RouteroCredentialsTests",
                    dependencies: ["RouteroCredentials", "RouteroCore", .product(name: "_CryptoExtras", package: "swift-crypto"),
                                   .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "RouteroFrontEndsTests", dependencies: ["RouteroFrontEnds", "RouteroProviders", "RouteroCore"]),
        .testTarget(name: "RouteroRoutingTests",
                    dependencies: ["RouteroRouting", "RouteroConfig", "RouteroCore", "RouteroProviders"]),
        .testTarget(name: "RouteroFastCGITests", dependencies: ["RouteroFastCGI", "RouteroSystem", "RouteroTestSupport"]),
        .testTarget(name: "RouteroCurlTests", dependencies: ["RouteroCurl", "RouteroSystem", "RouteroTestSupport"]),
        .testTarget(name: "RouteroRedisTests", dependencies: ["RouteroRedis", "RouteroSystem", "RouteroTestSupport"]),
        .testTarget(name: "RouteroGatewayTests",
                    dependencies: ["RouteroGateway", "RouteroConfig", "RouteroCore", "RouteroFastCGI", "RouteroSystem",
                                   "RouteroTestSupport"]),
        .testTarget(name: "RouteroStateTests",
                    dependencies: ["RouteroState", "RouteroCore", "RouteroRedis", "RouteroRouting", "RouteroSystem",
                                   "RouteroTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
