import Yams

/// LiteLLM's Redis Cluster spellings: `litellm_settings.cache_params.redis_startup_nodes`
/// (`[{host, port}, ...]`) and the `REDIS_CLUSTER_NODES` variable (the same list as JSON).
extension LiteLLMSettings {
    /// Seed nodes from a `[{host: ..., port: ...}, ...]` list at `path`.
    static func startupNodes(_ node: Node, at path: String, context: ConfigContext) throws(ConfigError) -> [RedisNodeAddress] {
        guard let items = node.sequence, !items.isEmpty else {
            throw ConfigError(keyPath: path, message: "expected a list of {host, port} mappings", line: node.mark?.line)
        }
        var nodes: [RedisNodeAddress] = []
        for (i, item) in items.enumerated() {
            var map = try YAMLMap(item, path: "\(path)[\(i)]")
            guard let hostNode = map.take("host") else {
                throw ConfigError(keyPath: map.child("host"), message: "required key is missing", line: map.line)
            }
            let host = try context.string(hostNode, at: map.child("host"))
            var portNumber = 6379
            if let p = map.take("port") { portNumber = try port(p, at: map.child("port"), context: context) }
            nodes.append(RedisNodeAddress(host: host, port: portNumber))
            map.warnUnknown(in: context, "not used by Routero; ignored")
        }
        return nodes
    }

    /// `REDIS_CLUSTER_NODES`, JSON as LiteLLM reads it: `[{"host": "10.0.0.1", "port": 7001}, ...]`.
    static func startupNodes(environment text: String) throws(ConfigError) -> [RedisNodeAddress] {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError(keyPath: "REDIS_CLUSTER_NODES", message: "expected JSON such as [{\"host\": \"10.0.0.1\", \"port\": 7001}]")
        }
        guard let node else {
            throw ConfigError(keyPath: "REDIS_CLUSTER_NODES", message: "expected a non-empty JSON list of {host, port}")
        }
        return try startupNodes(node, at: "REDIS_CLUSTER_NODES", context: ConfigContext(environment: [:]))
    }
}
