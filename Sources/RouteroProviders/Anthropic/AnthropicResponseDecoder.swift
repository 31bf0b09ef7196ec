public import RouteroCore

extension AnthropicAdapter {
    /// Parses a Messages response into the canonical result (reference 6.3, 6.5, 6.7).
    ///
    /// `thinking` becomes reasoning signed by Anthropic, `redacted_thinking` redacted reasoning,
    /// `tool_use` a call whose arguments are the compact JSON of `input`. Server-tool blocks
    /// (`server_tool_use`, `web_search_tool_result`, ...) have no canonical form and are left out.
    /// For a `json_schema` call the forced `json_tool_call` comes back as the answer text, finishing
    /// with `stop`.
    /// - Throws: the mapped error when a 2xx body is an Anthropic error envelope; 502
    ///   `upstream_invalid_response` when it is not a message.
    public func parseResponse(_ body: [UInt8], for call: ChatCall, target: UpstreamTarget) throws(GatewayError) -> ChatResult {
        guard let value = try? JSON.parse(body), let object = value.objectValue else {
            throw .upstreamInvalidResponse(provider: profile.id, detail: "the body is not a JSON object")
        }
        if object["type"]?.stringValue == "error" {
            let type = object["error"]?["type"]?.stringValue ?? "api_error"
            throw mapError(status: AnthropicVocabulary.status(forErrorType: type), headers: [], body: body, target: target)
        }
        guard object["type"]?.stringValue ?? "message" == "message", let content = object["content"]?.arrayValue else {
            throw .upstreamInvalidResponse(provider: profile.id, detail: "not a message: no content array")
        }
        let jsonTool = usesJSONTool(call)
        var parts: [ContentPart] = []
        for block in content {
            guard let block = block.objectValue, let part = AnthropicBlocks.part(from: block) else {
                Log.debug("skipped an Anthropic content block with no canonical form",
                          [("provider", profile.id), ("type", block["type"]?.stringValue ?? "?")])
                continue
            }
            if jsonTool, case .toolCall(let toolCall) = part, toolCall.name == Self.jsonToolName {
                parts.append(.text(TextPart(toolCall.arguments)))
            } else {
                parts.append(part)
            }
        }
        var finish = object["stop_reason"]?.stringValue.map(AnthropicVocabulary.finishReason)
        if jsonTool, finish == .toolCalls, !parts.contains(where: { if case .toolCall = $0 { true } else { false } }) {
            finish = .stop
        }
        return ChatResult(
            id: object["id"]?.stringValue ?? "", model: object["model"]?.stringValue ?? target.model, parts: parts,
            finishReason: finish, stopSequence: object["stop_sequence"]?.stringValue,
            usage: object["usage"]?.objectValue.map { AnthropicUsageCounts($0).canonical })
    }
}
