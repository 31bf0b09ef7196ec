import RouteroCore

/// Who is calling: the scope under which their cached answers are stored (never the key itself).
struct CallerIdentity: Sendable, Equatable {
    let scope: String

    /// Every client that presents the master key (until virtual keys exist, that is every client).
    static func masterKey(_ key: String) -> CallerIdentity {
        CallerIdentity(scope: "master:" + String(SHA256.hex(Array(key.utf8)).prefix(32)))
    }

    /// `auth.mode: none`.
    static let anonymous = CallerIdentity(scope: "anonymous")
}

extension Gateway {
    /// Checks the client's key and records who the caller is. Accepted where the official SDKs
    /// put a key: `Authorization: Bearer` (OpenAI), `api-key` (Azure OpenAI), `x-api-key`
    /// (Anthropic), `x-goog-api-key` (Google) and, on Google's routes only, `?key=`. With
    /// `auth.mode: none` every caller is anonymous.
    func authenticate(_ x: inout Exchange, queryKey: Bool = false) throws(GatewayError) {
        guard let masterKey else {
            x.caller = .anonymous
            return
        }
        guard let presented = presentedKey(x) ?? (queryKey ? Self.queryKey(x.request.query) : nil) else {
            switch x.format.family {
            case .openAI: throw .missingAuth
            case .anthropic: throw .missingAuth(hint: "'x-api-key: <key>' (or 'Authorization: Bearer <key>')")
            case .gemini: throw .missingAuth(hint: "'x-goog-api-key: <key>' (or the key query parameter)")
            }
        }
        guard constantTimeEquals(presented, masterKey) else { throw .invalidAuth }
        x.caller = masterIdentity
    }

    /// Whether the request carries the master key: unlocks the internal details of the health
    /// endpoints, which answer everyone else with a bare status.
    func presentsMasterKey(_ x: Exchange) -> Bool {
        guard let masterKey, let presented = presentedKey(x) else { return false }
        return constantTimeEquals(presented, masterKey)
    }

    private func presentedKey(_ x: Exchange) -> String? {
        var presented: String?
        if let auth = x.request.header("authorization") {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented = parts[1].trimmingSpaces()
            } else {
                presented = auth.trimmingSpaces()
            }
        } else if let key = x.request.header("api-key") ?? x.request.header("x-api-key")
                    ?? x.request.header("x-goog-api-key") {
            presented = key.trimmingSpaces()
        }
        guard let presented, !presented.isEmpty else { return nil }
        return presented
    }

    /// Google's `key=` query parameter (percent-decoded).
    static func queryKey(_ query: String) -> String? {
        queryValue(query, "key").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The first value of query parameter `name` (percent-decoded).
    static func queryValue(_ query: String, _ name: String) -> String? {
        let prefix = name + "="
        for pair in query.split(separator: "&") where pair.hasPrefix(prefix) {
            return PercentDecoding.decode(pair.dropFirst(prefix.count))
        }
        return nil
    }

    /// Compares without an early exit, so response timing does not reveal a key prefix.
    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
