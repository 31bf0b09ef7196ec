import RouteroCore

extension Gateway {
    /// Checks the master key. Accepted where the official SDKs put a key: `Authorization: Bearer`
    /// (OpenAI), `api-key` (Azure OpenAI) and `x-api-key` (Anthropic).
    func authenticate(_ x: Exchange) throws(GatewayError) {
        guard let masterKey else { return }
        var presented: String?
        if let auth = x.request.header("authorization") {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented = parts[1].trimmingSpaces()
            } else {
                presented = auth.trimmingSpaces()
            }
        } else if let key = x.request.header("api-key") ?? x.request.header("x-api-key") {
            presented = key.trimmingSpaces()
        }
        guard let presented, !presented.isEmpty else { throw .missingAuth }
        guard constantTimeEquals(presented, masterKey) else { throw .invalidAuth }
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
