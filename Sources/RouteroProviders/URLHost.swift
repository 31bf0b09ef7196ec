/// The host part of a base URL, and whether it names this machine or a private network.
public enum URLHost {
    /// The host of `url` (`scheme://[user@]host[:port]/...`), lower-cased, without brackets.
    public static func of(_ url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close]).lowercased()
        }
        return String(rest.prefix { $0 != ":" }).lowercased()
    }

    /// Loopback, unspecified, link-local and RFC 1918 addresses, and `localhost` names.
    public static func isLocal(_ url: String) -> Bool {
        let host = of(url)
        if host == "localhost" || host.hasSuffix(".localhost") || host == "0.0.0.0" || host == "::1" || host == "::" {
            return true
        }
        if host.contains(":") {  // IPv6: link-local fe80::/10, unique local fc00::/7
            return host.hasPrefix("fe8") || host.hasPrefix("fe9") || host.hasPrefix("fea") || host.hasPrefix("feb")
                || host.hasPrefix("fc") || host.hasPrefix("fd")
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { UInt8($0) }
        guard parts.count == 4, octets.count == 4 else { return false }
        switch (octets[0], octets[1]) {
        case (127, _), (10, _), (0, _), (192, 168), (169, 254): return true
        case (172, 16...31): return true
        default: return false
        }
    }
}
