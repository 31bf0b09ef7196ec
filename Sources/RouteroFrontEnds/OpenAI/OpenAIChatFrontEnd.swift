import Glibc
public import RouteroCore
public import RouteroProviders

/// OpenAI Chat Completions as an entry format (`/v1/chat/completions`, and Azure's
/// `/openai/deployments/{name}/chat/completions`, whose deployment names the model).
public struct OpenAIChatFrontEnd: ChatFrontEnd {
    public var family: WireFamily { .openAI }

    /// Creates the front-end.
    public init() {}

    public func decodeNative(_ body: JSONObject, request: InboundRequestFacts) throws(GatewayError) -> NativeChat {
        var body = body
        if let deployment = request.pathModel {
            // Azure clients name the deployment in the path; the body's model (if any) is ignored there too.
            body["model"] = .string(deployment)
        }
        let chat = try ChatRequest(body: body)
        return NativeChat(family: .openAI, body: chat.body, model: chat.model, stream: chat.stream,
                          includeUsage: chat.includeUsage)
    }

    public func canonical(_ native: NativeChat) throws(GatewayError) -> ChatCall {
        try OpenAIRequestDecoder().decode(native.body)
    }

    public func encodeResponse(_ result: ChatResult, for native: NativeChat) -> [UInt8] {
        JSON.serialize(.object(OpenAIResponseEncoder.encode(result, created: OpenAIClock.now())))
    }

    public func makeStreamEncoder(for native: NativeChat) -> any ChatStreamEncoder {
        OpenAIStreamEncoder(includeUsage: native.includeUsage, created: OpenAIClock.now())
    }

    public func streamContentType(for native: NativeChat) -> String { "text/event-stream; charset=utf-8" }

    public func errorBody(_ error: GatewayError) -> [UInt8] { error.openAIBody() }
}

/// Unix seconds for `created`, without Foundation.
enum OpenAIClock {
    static func now() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int(spec.tv_sec)
    }
}
