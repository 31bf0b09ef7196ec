extension OpenAICompatibleAdapter {
    /// Removes secrets and internal addresses from upstream text before a client or a log sees it.
    ///
    /// Providers echo keys back ("Incorrect API key provided: sk-abc…"), and proxies echo URLs, so:
    /// 1. the target's `apiBase` is replaced with `<provider-id>` (internal hosts are not client material);
    /// 2. the target's API key is replaced with `***`, including any echoed prefix of 8+ characters;
    /// 3. `user:password@` is removed from any URL;
    /// 4. key-looking tokens are masked: `sk-…`, `sk_…`, `gsk_…`, `xai-…`, `Bearer …`.
    public func sanitize(_ text: String, target: UpstreamTarget) -> String {
        var bytes = Array(text.utf8)
        if !target.apiBase.isEmpty {
            bytes = TextScrubber.replacing(Array(target.apiBase.utf8), with: Array("<\(profile.id)>".utf8), in: bytes)
        }
        if let key = target.apiKey {
            bytes = TextScrubber.maskingKey(Array(key.utf8), in: bytes)
        }
        bytes = TextScrubber.strippingURLCredentials(bytes)
        bytes = TextScrubber.maskingKeyLikeTokens(bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Byte-level find-and-replace helpers for ``OpenAICompatibleAdapter/sanitize(_:target:)``
/// (no Foundation, and byte matching is exact where `String` matching would normalize Unicode).
enum TextScrubber {
    static let mask = Array("***".utf8)

    /// Shorter keys are only masked as exact matches; shorter prefixes would mask ordinary words.
    static let minimumKeyPrefix = 8

    static func replacing(_ needle: [UInt8], with replacement: [UInt8], in text: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, text.count >= needle.count else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if text.count - i >= needle.count, text[i] == needle[0], text[i..<(i + needle.count)].elementsEqual(needle) {
                output.append(contentsOf: replacement)
                i += needle.count
            } else {
                output.append(text[i])
                i += 1
            }
        }
        return output
    }

    /// Masks the key and any echoed prefix of it at least ``minimumKeyPrefix`` bytes long.
    static func maskingKey(_ key: [UInt8], in text: [UInt8]) -> [UInt8] {
        guard key.count >= 4 else { return text }  // "none"/"x" placeholders are not secrets worth mangling text for
        guard key.count > minimumKeyPrefix else { return replacing(key, with: mask, in: text) }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            var matched = 0
            while matched < key.count, i + matched < text.count, text[i + matched] == key[matched] { matched += 1 }
            if matched >= minimumKeyPrefix {
                output.append(contentsOf: mask)
                i += matched
            } else {
                output.append(text[i])
                i += 1
            }
        }
        return output
    }

    /// `scheme://user:pass@host/…` → `scheme://host/…`.
    static func strippingURLCredentials(_ text: [UInt8]) -> [UInt8] {
        let separator = Array("://".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            guard text.count - i >= 3, text[i..<(i + 3)].elementsEqual(separator) else {
                output.append(text[i])
                i += 1
                continue
            }
            output.append(contentsOf: separator)
            i += 3
            var end = i
            var lastAt: Int?
            while end < text.count, !isAuthorityTerminator(text[end]) {
                if text[end] == UInt8(ascii: "@") { lastAt = end }
                end += 1
            }
            if let lastAt { i = lastAt + 1 }  // drop the userinfo, keep the host
        }
        return output
    }

    static func isAuthorityTerminator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: " "), 0..<0x20: return true
        default: return false
        }
    }

    /// Prefixes of well-known key formats, and whether the token may contain `.`, `/`, `+`, `=` (JWTs,
    /// base64 bearer tokens).
    static let tokenPrefixes: [(prefix: [UInt8], wide: Bool)] = [
        (Array("sk-".utf8), false), (Array("sk_".utf8), false), (Array("gsk_".utf8), false),
        (Array("xai-".utf8), false), (Array("Bearer ".utf8), true), (Array("bearer ".utf8), true),
    ]

    static func maskingKeyLikeTokens(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var i = 0
        scan: while i < text.count {
            if i == 0 || !isTokenByte(text[i - 1], wide: false) {
                for (prefix, wide) in tokenPrefixes
                where text.count - i > prefix.count && text[i..<(i + prefix.count)].elementsEqual(prefix) {
                    var end = i + prefix.count
                    while end < text.count, isTokenByte(text[end], wide: wide) { end += 1 }
                    // Very short tails are words ("sk-1"), not keys; an existing mask is left alone.
                    guard end - (i + prefix.count) >= 4 else { continue }
                    output.append(contentsOf: prefix)
                    output.append(contentsOf: mask)
                    i = end
                    continue scan
                }
            }
            output.append(text[i])
            i += 1
        }
        return output
    }

    static func isTokenByte(_ byte: UInt8, wide: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "="):
            return wide
        default:
            return false
        }
    }
}
