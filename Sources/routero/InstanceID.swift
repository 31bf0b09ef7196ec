import RouteroCore
import Glibc

/// The default `server.instance_id`: a hash of the host name and the configuration file's
/// absolute path. Every worker that deploy/run or systemd starts for one deployment shares both,
/// so a request that loops back through nginx to a sibling worker is recognised at the first
/// hop; the hash reveals neither to the upstreams that see it.
enum InstanceID {
    static func derived(configPath: String) -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var material = Array(hostName.utf8)
        material.append(0)
        material += Array(absolute(configPath).utf8)
        return "rt-" + String(SHA256.hex(material).prefix(16))
    }

    private static func absolute(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
