extension ModelGroup {
    /// The texts matched by each `*` of the group name, or nil when `model` does not match it.
    /// A non-wildcard name matches only itself (with no captures).
    public func wildcardCaptures(for model: String) -> [String]? {
        ModelGroup.captures(pattern: name, model: model)
    }

    /// Characters of ``name`` before its first `*` (all of it for non-wildcard names): the
    /// longer, the more specific the pattern when several match.
    public var literalPrefixLength: Int {
        name.prefix { $0 != "*" }.count
    }

    /// Glob matching where each `*` matches one or more characters (LiteLLM's pattern router
    /// turns `*` into a regex group the same way). Earlier stars match as little as possible,
    /// so `openai/*-*` against `openai/gpt-4o-mini` captures `gpt` and `4o-mini`.
    /// - Returns: the captured texts in order, or nil when there is no match.
    public static func captures(pattern: String, model: String) -> [String]? {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(Array.init)
        let text = Array(model)
        guard pieces.count > 1 else { return pattern == model ? [] : nil }
        guard text.starts(with: pieces[0]) else { return nil }
        var captures: [String] = []
        return match(pieces: pieces[1...], text: text[pieces[0].count...], captures: &captures) ? captures : nil
    }

    /// Matches `*piece*piece...` (each element of `pieces` is preceded by a star) against `text`.
    private static func match(pieces: ArraySlice<[Character]>, text: ArraySlice<Character>,
                               captures: inout [String]) -> Bool
    {
        guard let piece = pieces.first else { return text.isEmpty }
        let isLast = pieces.count == 1
        // The star before `piece` takes at least one character.
        var length = 1
        while length + piece.count <= text.count {
            let start = text.startIndex + length
            let end = start + piece.count
            if Array(text[start..<end]) == piece, !isLast || end == text.endIndex {
                captures.append(String(text[text.startIndex..<start]))
                if match(pieces: pieces.dropFirst(), text: text[end...], captures: &captures) { return true }
                captures.removeLast()
            }
            length += 1
        }
        return false
    }
}
