import RouteroCore

/// A non-streaming `GenerateContentResponse` → the canonical result (reference 6.3).
///
/// The first candidate is the answer (`candidateCount > 1` is not expressible canonically). Its
/// parts map through ``GeminiParts``; calls without `functionCall.id` get ids derived from the
/// response id and their position. The finish reason follows ``GeminiVocabulary/finishReason(_:hasToolCalls:)``;
/// a prompt Gemini refused (no candidates, `promptFeedback.blockReason`) is an empty answer with
/// ``FinishReason/contentFilter``. `id` is `responseId` (or a generated one), `model` is `modelVersion`.
struct GeminiResponseDecoder {
    let target: UpstreamTarget

    func result(_ body: [UInt8]) throws(GatewayError) -> ChatResult {
        guard let value = try? JSON.parse(body) else { throw invalid("the body is not JSON") }
        // Some proxies wrap the response in a one-element array, as the non-SSE stream does.
        let root = value.arrayValue?.count == 1 ? value.arrayValue![0] : value
        guard let object = root.objectValue else { throw invalid("the body is not a JSON object") }
        // An error envelope with a 2xx status: mapped as if it had come with its own.
        if object["error"]?.objectValue != nil { throw GeminiErrors.inStream(object, target: target) }
        guard object["candidates"]?.arrayValue != nil || object["promptFeedback"] != nil else {
            throw invalid("no candidates and no promptFeedback")
        }
        let id = object["responseId"]?.stringValue ?? GeminiIDs.random(prefix: "gemini-")
        let model = object["modelVersion"]?.stringValue ?? target.model
        var result = ChatResult(id: id, model: model, parts: [], finishReason: nil,
                                usage: GeminiVocabulary.usage(from: object["usageMetadata"]))
        guard let candidate = object["candidates"]?.arrayValue?.first?.objectValue else {
            if let reason = object["promptFeedback"]?["blockReason"]?.stringValue {
                Log.info("gemini blocked the prompt", [("block_reason", reason)])
                result.finishReason = .contentFilter
            }
            return result
        }
        result.parts = GeminiParts.modelParts(candidate["content"]?["parts"]?.arrayValue ?? []) { index, _ in
            GeminiIDs.toolCall(seed: "\(id)#\(index)")
        }
        if let reason = candidate["finishReason"]?.stringValue {
            result.finishReason = GeminiVocabulary.finishReason(reason, hasToolCalls: !result.toolCalls.isEmpty)
        }
        return result
    }

    private func invalid(_ detail: String) -> GatewayError {
        .upstreamInvalidResponse(provider: target.profile.id, detail: detail)
    }
}
