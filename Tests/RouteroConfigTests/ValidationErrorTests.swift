import RouteroConfig
import Testing

/// One invalid configuration and the exact error it must produce.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    var environment: [String: String] = [:]
    let expected: String
    var testDescription: String { name }
}

private func loadError(_ yaml: String, _ environment: [String: String]) -> ConfigError? {
    do {
        _ = try ConfigLoader.load(yaml: yaml, environment: environment)
        return nil
    } catch {
        return error
    }
}

let invalidCases: [InvalidCase] = [
    InvalidCase(name: "rpm not a number", yaml: """
        model_list:
          - model_name: a
            litellm_params: {model: openai/gpt-4o}
          - model_name: b
            litellm_params: {model: openai/gpt-4o}
          - model_name: c
            litellm_params:
              model: openai/gpt-4o
              rpm: abc
        """, expected: #"model_list[2].litellm_params.rpm: expected a non-negative integer, got "abc" (line 9)"#),
    InvalidCase(name: "negative tpm", yaml: "model_list:\n  - model_name: a\n    litellm_params: {model: x/y, tpm: -5}",
                expected: "model_list[0].litellm_params.tpm: expected a non-negative integer, got -5 (line 3)"),
    InvalidCase(name: "unset environment variable", yaml: """
        model_list:
          - model_name: a
            litellm_params:
              model: groq/llama
              api_key: os.environ/MISSING_GROQ_KEY
        """, expected: "model_list[0].litellm_params.api_key: environment variable MISSING_GROQ_KEY is not set (line 5)"),
    InvalidCase(name: "env value of the wrong type", yaml: "router_settings: {redis_host: h, redis_port: os.environ/RP}",
                environment: ["RP": "six"],
                expected: #"router_settings.redis_port: expected an integer from 1 to 65535, got "six" (from os.environ/RP) (line 1)"#),
    InvalidCase(name: "port out of range", yaml: "router_settings:\n  redis_host: h\n  redis_port: 70000",
                expected: "router_settings.redis_port: expected an integer from 1 to 65535, got 70000 (line 3)"),
    InvalidCase(name: "weight zero", yaml: "models:\n  - name: a\n    deployments:\n      - {model: openai/x, weight: 0}",
                expected: "models[0].deployments[0].weight: expected a positive number, got 0 (line 4)"),
    InvalidCase(name: "max body too small", yaml: "server:\n  max_body_bytes: 100",
                expected: "server.max_body_bytes: expected an integer of at least 1024, got 100 (line 2)"),
    InvalidCase(name: "bad log level", yaml: "server: {log_level: verbose}",
                expected: #"server.log_level: expected one of debug, info, warning, error, got "verbose" (line 1)"#),
    InvalidCase(name: "zero timeout", yaml: "server: {upstream_timeout_seconds: 0}",
                expected: "server.upstream_timeout_seconds: expected a positive number, got 0 (line 1)"),
    InvalidCase(name: "zero ttl", yaml: "cache:\n  enabled: yes\n  ttl_seconds: 0",
                expected: "cache.ttl_seconds: expected an integer from 1 to 31536000, got 0 (line 3)"),
    InvalidCase(name: "litellm ttl negative", yaml: "litellm_settings:\n  cache_params:\n    ttl: -1",
                expected: "litellm_settings.cache_params.ttl: expected a positive number, got -1 (line 3)"),
    InvalidCase(name: "bool expected", yaml: "allow_unlisted_models: sometimes",
                expected: #"allow_unlisted_models: expected true or false, got "sometimes" (line 1)"#),
    InvalidCase(name: "bad redis url", yaml: "redis:\n  url: redis://host:99999",
                expected: "redis.url: port must be an integer from 1 to 65535 (line 2)"),
    InvalidCase(name: "redis without url", yaml: "redis: {connect_timeout_ms: 5}",
                expected: "redis.url: required key is missing (or give redis.cluster_nodes) (line 1)"),
    InvalidCase(name: "duplicate key", yaml: "server:\n  log_level: info\n  log_level: debug",
                expected: "server.log_level: duplicate key (line 3)"),
    InvalidCase(name: "formats mixed", yaml: "model_list: []\nmodels: []",
                expected: "models: native Routero key in a LiteLLM-format config (the file also has model_list); use one format (line 2)"),
    InvalidCase(name: "fallback to unknown group", yaml: """
        model_list:
          - model_name: gpt-4o
            litellm_params: {model: openai/gpt-4o}
        router_settings:
          fallbacks: [{gpt-4o: [gpt-5]}]
        """, expected: #"router_settings.fallbacks[0].gpt-4o[0]: "gpt-5" is not a configured model group (line 5)"#),
    InvalidCase(name: "fallback from unknown group", yaml: "model_list: []\nlitellm_settings:\n  fallbacks: [{nope: []}]",
                expected: #"litellm_settings.fallbacks[0].nope: "nope" is not a configured model group (line 3)"#),
    InvalidCase(name: "unknown routing strategy", yaml: "router_settings: {routing_strategy: fastest}",
                expected: #"router_settings.routing_strategy: expected one of simple-shuffle, least-busy, usage-based-routing, usage-based-routing-v2, latency-based-routing, cost-based-routing, got "fastest" (line 1)"#),
    InvalidCase(name: "missing model", yaml: "model_list:\n  - model_name: a\n    litellm_params:\n      rpm: 1",
                expected: "model_list[0].litellm_params.model: required key is missing (line 4)"),
    InvalidCase(name: "missing model_name", yaml: "model_list:\n  - litellm_params: {model: openai/x}",
                expected: "model_list[0].model_name: required key is missing (line 2)"),
    InvalidCase(name: "api_base not a URL", yaml: "model_list:\n  - model_name: a\n    litellm_params: {model: openai/x, api_base: localhost:8000}",
                expected: #"model_list[0].litellm_params.api_base: expected an http:// or https:// URL, got "localhost:8000" (line 3)"#),
    InvalidCase(name: "api_base and base_url", yaml: "model_list:\n  - model_name: a\n    litellm_params: {model: openai/x, api_base: http://a, base_url: http://b}",
                expected: "model_list[0].litellm_params.base_url: api_base is also set; use only one (line 3)"),
    InvalidCase(name: "duplicate deployment id", yaml: """
        model_list:
          - model_name: a
            litellm_params: {model: openai/x}
            model_info: {id: same}
          - model_name: b
            litellm_params: {model: openai/y}
            model_info: {id: same}
        """, expected: #"model_list[1]: deployment id "same" is already used by model_list[0]"#),
    InvalidCase(name: "duplicate native model name", yaml: "models:\n  - {name: a, deployments: [{model: openai/x}]}\n  - {name: a, deployments: [{model: openai/y}]}",
                expected: "models[1].name: duplicate model name (also models[0]) (line 3)"),
    InvalidCase(name: "empty deployments", yaml: "models:\n  - name: a\n    deployments: []",
                expected: "models[0].deployments: expected a non-empty list of deployments (line 2)"),
    InvalidCase(name: "star without wildcard name", yaml: "model_list:\n  - model_name: a\n    litellm_params: {model: openai/*}",
                expected: #"model_list[0].litellm_params.model: contains '*' but model name "a" has no wildcard to fill it (line 3)"#),
    InvalidCase(name: "model_list not a list", yaml: "model_list: {a: b}",
                expected: "model_list: expected a list, got a mapping (line 1)"),
    InvalidCase(name: "secret is a list", yaml: "auth:\n  master_key: [a, b]",
                expected: "auth.master_key: expected a string, got a list (line 2)"),
    InvalidCase(name: "empty env secret", yaml: "auth: {master_key: os.environ/EMPTY}", environment: ["EMPTY": ""],
                expected: "auth.master_key: environment variable EMPTY is empty (line 1)"),
    InvalidCase(name: "missing secret file", yaml: "auth: {master_key: \"file:/nonexistent/routero-key\"}",
                expected: "auth.master_key: cannot read secret file /nonexistent/routero-key: No such file or directory (line 1)"),
    InvalidCase(name: "header with newline", yaml: "providers:\n  openai:\n    extra_headers: {X-A: \"a\\nb\"}",
                expected: "providers.openai.extra_headers.X-A: header values must not contain line breaks (line 3)"),
    InvalidCase(name: "yaml syntax", yaml: "server: {log_level: info\nauth: x",
                expected: "invalid YAML: did not find expected ',' or '}' (line 2)"),
    InvalidCase(name: "empty document", yaml: "", expected: "the configuration file is empty"),
    InvalidCase(name: "top level list", yaml: "- a", expected: "expected a mapping, got a list (line 1)"),
    InvalidCase(name: "state cache too long", yaml: "routing: {state_cache_seconds: 30}",
                expected: "routing.state_cache_seconds: expected at most 5.0 seconds (line 1)"),
    InvalidCase(name: "state cache negative", yaml: "router_settings: {state_cache_seconds: -1}",
                expected: "router_settings.state_cache_seconds: expected a non-negative number, got -1 (line 1)"),
    InvalidCase(name: "rediss rejected", yaml: "redis: {url: \"rediss://h:1\"}",
                expected: "redis.url: TLS (rediss://) is not supported yet; use redis:// (line 1)"),
]

@Suite("Validation errors name the key path")
struct ValidationErrorTests {
    @Test(arguments: invalidCases)
    func rejects(_ invalid: InvalidCase) {
        let error = loadError(invalid.yaml, invalid.environment)
        #expect(error?.description == invalid.expected)
    }

    @Test func errorMessagesNeverContainSecretValues() {
        // Yams' own syntax errors quote the source line; ours must not.
        let syntax = loadError("auth: {master_key: sk-live-0017\nserver: {}", [:])
        // A bad Redis URL may carry a password; the message must not repeat the URL.
        let redis = loadError("redis: {url: \"redis://:sk-live-0017@host:99999\"}", [:])
        let cli: ConfigError?
        do { _ = try RedisSettings.parse(url: "redis://:sk-live-0017@[::1", keyPath: "--redis"); cli = nil } catch { cli = error }
        for error in [syntax, redis, cli] {
            #expect(error != nil)
            #expect(!(error?.description.contains("sk-live-0017") ?? true))
        }
        #expect(cli?.description == "--redis: unterminated IPv6 address")
    }
}
