/// Token usage read from a whole answer body without parsing the body: the last `"usage"` (OpenAI,
/// Anthropic) or `"usageMetadata"` (Gemini) object is found by a byte search from the end (it is
/// near the end in every family's answers) and only that object is parsed.
public enum UsageScan {
    public static func usage(in body: [UInt8]) -> Usage? {
        for (name, input, output) in [("\"usage\"", "prompt_tokens", "completion_tokens"),
                                      ("\"usage\"", "input_tokens", "output_tokens"),
                                      ("\"usageMetadata\"", "promptTokenCount", "candidatesTokenCount")] {
            guard let object = lastObject(named: name, in: body) else { continue }
            let inputs = object[input]?.intValue, outputs = object[output]?.intValue
            if inputs != nil || outputs != nil {
                var usage = Usage(inputTokens: inputs ?? 0, outputTokens: outputs ?? 0)
                // Gemini counts thinking separately from candidates; both are generated tokens.
                if let thoughts = object["thoughtsTokenCount"]?.intValue { usage.outputTokens += thoughts }
                // Anthropic counts cached input apart from input_tokens.
                usage.inputTokens += (object["cache_read_input_tokens"]?.intValue ?? 0)
                    + (object["cache_creation_input_tokens"]?.intValue ?? 0)
                return usage
            }
        }
        return nil
    }

    /// The JSON object after the last occurrence of `"name"` followed by `:` (whitespace allowed).
    static func lastObject(named name: String, in body: [UInt8]) -> JSONObject? {
        let needle = Array(name.utf8)
        guard body.count > needle.count else { return nil }
        var i = body.count - needle.count
        while i >= 0 {
            if body[i] == needle[0], body[i..<(i + needle.count)].elementsEqual(needle) {
                var j = i + needle.count
                while j < body.count, body[j] == 0x20 || body[j] == 0x0A || body[j] == 0x0D || body[j] == 0x09 { j += 1 }
                if j < body.count, body[j] == 0x3A {
                    j += 1
                    while j < body.count, body[j] == 0x20 || body[j] == 0x0A || body[j] == 0x0D || body[j] == 0x09 { j += 1 }
                    if j < body.count, body[j] == 0x7B, let end = objectEnd(body, from: j),
                       let value = try? JSON.parse(Array(body[j...end])), let object = value.objectValue {
                        return object
                    }
                }
            }
            i -= 1
        }
        return nil
    }

    /// The index of the `}` closing the object that opens at `start`, skipping strings.
    static func objectEnd(_ body: [UInt8], from start: Int) -> Int? {
        var depth = 0, inString = false, escaped = false
        for k in start..<body.count {
            let c = body[k]
            if inString {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
                continue
            }
            switch c {
            case 0x22: inString = true
            case 0x7B: depth += 1
            case 0x7D:
                depth -= 1
                if depth == 0 { return k }
            default: break
            }
        }
        return nil
    }
}
