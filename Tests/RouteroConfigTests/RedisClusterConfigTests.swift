import RouteroConfig
import Testing

/// Redis Cluster settings in both schemas, the `--redis` list form, and their start-up errors.
struct RedisClusterConfigTests {
    static let seeds = [RedisNodeAddress(host: "10.0.0.1", port: 7000), RedisNodeAddress(host: "10.0.0.2", port: 7001),
                        RedisNodeAddress(host: "::1", port: 7002)]

    static func native(_ redis: String) throws(ConfigError) -> GatewayConfig {
        try ConfigLoader.load(yaml: "auth: {master_key: sk-x}\nredis:\n" + redis, environment: ["PW": "pw-cluster-01"])
    }

    @Test func nativeClusterNodes() throws {
        let config = try Self.native("""
          cluster_nodes: ["10.0.0.1:7000", "10.0.0.2:7001", "[::1]:7002"]
          password: os.environ/PW
          command_timeout_ms: 40
        """)
        let redis = try #require(config.redis)
        #expect(redis.cluster && redis.seeds == Self.seeds)
        #expect(redis.password?.value == "pw-cluster-01" && redis.commandTimeoutMs == 40 && redis.connectTimeoutMs == 100)
        #expect(redis.description == "redis-cluster://:<redacted>@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002")
    }

    @Test func urlWithClusterFlagIsOneSeed() throws {
        let redis = try #require(try Self.native("  url: redis://:pw@10.0.0.1:7000\n  cluster: true\n").redis)
        #expect(redis.cluster && redis.seeds == [Self.seeds[0]] && redis.password?.value == "pw")
        let plain = try #require(try Self.native("  url: redis://10.0.0.1:7000\n").redis)
        #expect(!plain.cluster && plain.seeds == [Self.seeds[0]])
    }

    @Test func aListOfURLsIsACluster() throws {
        let redis = try RedisSettings.parse(urls: "redis://:pw@10.0.0.1:7000, redis://10.0.0.2:7001,redis://[::1]:7002",
                                            keyPath: "--redis")
        #expect(redis.cluster && redis.seeds == Self.seeds && redis.password?.value == "pw")
        #expect(try !RedisSettings.parse(urls: "redis://h:1", keyPath: "--redis").cluster)
    }

    /// `--redis` replaces where Redis is but keeps the file's timeouts.
    @Test func overrideKeepsTheFileTimeouts() throws {
        let yaml = "auth: {master_key: sk-x}\nredis: {url: redis://a:1, command_timeout_ms: 30, connect_timeout_ms: 70}\n"
        let override = try RedisSettings.parse(urls: "redis://b:1,redis://c:2", keyPath: "--redis")
        let redis = try #require(try ConfigLoader.load(yaml: yaml, environment: [:], redisOverride: override).redis)
        #expect(redis.cluster && redis.seeds.map(\.host) == ["b", "c"])
        #expect(redis.commandTimeoutMs == 30 && redis.connectTimeoutMs == 70)
    }

    @Test func unreachableReadinessChoice() throws {
        #expect(try Self.native("  url: redis://h:1\n").redis?.notReadyWhenUnreachable == false)
        #expect(try Self.native("  url: redis://h:1\n  unreachable_readiness: not_ready\n").redis?.notReadyWhenUnreachable == true)
        let error = #expect(throws: ConfigError.self) { _ = try Self.native("  url: redis://h:1\n  unreachable_readiness: off\n") }
        #expect(error?.description.hasPrefix("redis.unreachable_readiness:") == true)
    }

    @Test func liteLLMStartupNodes() throws {
        let yaml = """
        model_list: []
        litellm_settings:
          cache: true
          cache_params:
            type: redis
            password: os.environ/PW
            redis_startup_nodes: [{host: 10.0.0.1, port: "7000"}, {host: 10.0.0.2, port: 7001}]
        """
        let redis = try #require(try ConfigLoader.load(yaml: yaml, environment: ["PW": "pw-cluster-02"]).redis)
        #expect(redis.cluster && redis.seeds == Array(Self.seeds.prefix(2)) && redis.password?.value == "pw-cluster-02")
    }

    @Test func liteLLMClusterNodesVariable() throws {
        let env = ["REDIS_CLUSTER_NODES": #"[{"host": "10.0.0.1", "port": 7000}, {"host": "10.0.0.2", "port": "7001"}]"#,
                   "REDIS_PASSWORD": "pw-cluster-03"]
        let redis = try #require(try ConfigLoader.load(yaml: "model_list: []", environment: env).redis)
        #expect(redis.cluster && redis.seeds == Array(Self.seeds.prefix(2)) && redis.password?.value == "pw-cluster-03")
    }

    @Test(arguments: [
        ("  cluster_nodes: []\n", "redis.cluster_nodes: expected at least one \"host:port\""),
        ("  cluster_nodes: [\"10.0.0.1:0\"]\n", "redis.cluster_nodes[0]: expected host:port with a port from 1 to 65535"),
        ("  cluster_nodes: [\"a:1\", \"user:pw@b:2\"]\n", "redis.cluster_nodes[1]: expected host:port"),
        ("  url: redis://h:1/3\n  cluster: true\n", "redis.url: Redis Cluster has only database 0"),
        ("  cluster_nodes: [\"a:1\"]\n  cluster: false\n", "redis.cluster: false, but redis.cluster_nodes"),
        ("  cluster: true\n", "redis.url: required key is missing"),
    ])
    func startUpErrorsNameTheKey(redis: String, expected: String) {
        do {
            _ = try Self.native(redis)
            Issue.record("accepted \(redis)")
        } catch {
            #expect(error.description.hasPrefix(expected) || error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func badClusterNodesVariableIsNamed() {
        for text in ["[{port: 1}]", "{oops", "[]"] {
            let error = #expect(throws: ConfigError.self) {
                _ = try ConfigLoader.load(yaml: "model_list: []", environment: ["REDIS_CLUSTER_NODES": text])
            }
            #expect(error?.description.hasPrefix("REDIS_CLUSTER_NODES") == true, "\(text): \(String(describing: error))")
        }
    }
}
