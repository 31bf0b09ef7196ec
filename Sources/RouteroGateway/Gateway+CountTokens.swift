import RouteroCore
import RouteroFrontEnds
import RouteroProviders
import RouteroRouting

/// The entry formats that have a token-counting endpoint.
enum CountTokensEntry {
    /// `POST /v1/messages/count_tokens` → `{"input_tokens": N}`.
    case anthropic
    /// `POST /v1beta/models/{model}:countTokens` → `{"totalTokens": N}`.
    case gemini(model: String)
}

extension Gateway {
    /// Counts a prompt's input tokens with the routed provider's own counting endpoint where its
    /// family has one (Anthropic `count_tokens`, Gemini `:countTokens`), else with the documented
    /// estimate (``TokenEstimate``; OpenAI-compatible servers have no such endpoint). The answer
    /// says which in `x-routero-token-count: provider|estimate`.
    func countTokens(_ x: inout Exchange, entry: CountTokensEntry) throws(GatewayError) {
        let body = try readJSONObject(&x)
        let call: ChatCall
        var native: NativeChat?
        switch entry {
        case .anthropic:
            let headers = Self.anthropicHeaders(x)
            call = try AnthropicCountTokens.decode(body, headers: headers)
            native = try AnthropicCountTokens.nativeRequest(body, headers: headers)
        case .gemini(let model):
            call = try GeminiCountTokens.decode(body, model: model)
            native = NativeChat(family: .gemini, body: body, model: call.model, stream: false)
        }
        x.note("model", call.model)
        let plan = try router.plan(model: call.model)
        x.note("route", plan.routeKey)
        var lastError = GatewayError.internalError("no deployment could be tried")
        for (index, planned) in plan.attempts.enumerated() {
            x.note("attempt", "\(index + 1):\(planned.deploymentID)")
            do {
                let (count, source) = try countTokens(call: call, native: native, target: planned, x: &x)
                x.note("token_count", source)
                let answer: [UInt8]
                switch entry {
                case .anthropic: answer = AnthropicCountTokens.encode(inputTokens: count)
                case .gemini: answer = GeminiCountTokens.encodeResponse(totalTokens: count)
                }
                x.sendBody(200, answer, contentType: "application/json", extraHeaders: [("x-routero-token-count", source)])
                return
            } catch {
                lastError = error
                if !error.retryable || index + 1 == plan.attempts.count { throw error }
            }
        }
        throw lastError
    }

    /// One deployment's count: (tokens, "provider" | "estimate").
    private func countTokens(call: ChatCall, native: NativeChat?, target planned: UpstreamTarget,
                             x: inout Exchange) throws(GatewayError) -> (Int, String) {
        let target = try withCredentials(planned, x: x)
        let spec: UpstreamRequestSpec
        switch ChatAdapters.adapter(for: target) {
        case let anthropic as AnthropicAdapter:
            if let native, native.family == .anthropic {
                spec = try anthropic.makeCountTokensRequest(native, target: target)
            } else {
                spec = try anthropic.makeCountTokensRequest(try Self.anthropicCountBody(call, adapter: anthropic, target: target),
                                                            target: target)
            }
        case let gemini as GeminiAdapter:
            if let native, native.family == .gemini {
                spec = try gemini.makeNativeCountTokensRequest(native.body, target: target)
            } else {
                spec = try gemini.makeCountTokensRequest(call, target: target)
            }
        default:
            return (TokenEstimate.inputTokens(call), "estimate")
        }
        let adapter = ChatAdapters.adapter(for: target)
        let response = try fetch(spec, provider: target.profile.id, x: x, timeout: target.timeoutSeconds
                                     ?? config.server.upstreamTimeoutSeconds)
        guard (200...299).contains(response.status) else {
            throw adapter.mapError(status: response.status, headers: response.headers, body: response.body, target: target)
        }
        if let gemini = adapter as? GeminiAdapter { return (try gemini.parseCountTokensResponse(response.body, target: target), "provider") }
        guard let count = (try? JSON.parse(response.body))?["input_tokens"]?.intValue else {
            throw .upstreamInvalidResponse(provider: target.profile.id, detail: "no input_tokens in the count answer")
        }
        return (count, "provider")
    }

    /// A canonical prompt as an Anthropic count-tokens body: the Messages body the adapter builds,
    /// without the fields counting does not take.
    static func anthropicCountBody(_ call: ChatCall, adapter: AnthropicAdapter, target: UpstreamTarget) throws(GatewayError)
        -> NativeChat
    {
        var counting = call
        counting.stream = false
        let messages = try adapter.makeRequest(counting, target: target)
        guard var body = (try? JSON.parse(messages.body))?.objectValue else {
            throw .internalError("the Anthropic adapter produced a body that is not an object")
        }
        for field in ["max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata", "service_tier"] {
            body[field] = nil
        }
        return NativeChat(family: .anthropic, body: body, model: call.model, stream: false)
    }
}
