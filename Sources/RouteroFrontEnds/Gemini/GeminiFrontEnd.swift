public import RouteroCore
public import RouteroProviders

/// The Gemini entry format: `POST /v1beta/models/{model}:generateContent` and
/// `:streamGenerateContent` (with or without `alt=sse`), answered in Gemini's shapes whatever the
/// provider behind the route (reference 6.9).
///
/// ```swift
/// let frontEnd = GeminiFrontEnd()
/// let native = try frontEnd.decodeNative(body, request: InboundRequestFacts(
///     pathModel: "models/gemini-2.5-flash", streamFromPath: true, sseFraming: true))
/// let call = try frontEnd.canonical(native)          // for a provider of another family
/// ```
public struct GeminiFrontEnd: ChatFrontEnd {
    /// Creates the front-end.
    public init() {}

    /// Always ``WireFamily/gemini``.
    public var family: WireFamily { .gemini }

    /// Reads the model (`models/` stripped) and the verb from the URL facts and checks the body the
    /// way Google does first: `contents` must be a non-empty array of Content objects. Unknown fields
    /// are not rejected; ``canonical(_:)`` carries them as Gemini extras.
    public func decodeNative(_ body: JSONObject, request: InboundRequestFacts) throws(GatewayError) -> NativeChat {
        let model = request.pathModel.map { $0.hasPrefix("models/") ? String($0.dropFirst("models/".count)) : $0 } ?? ""
        guard !model.isEmpty else {
            throw .invalidRequest("The model is missing from the URL path (models/{model}:generateContent).", param: "model")
        }
        guard let contents = body[gemini: "contents"] else {
            throw .invalidRequest("* GenerateContentRequest.contents: contents is not specified", param: "contents")
        }
        guard let list = contents.arrayValue, !list.isEmpty else {
            throw .invalidRequest("* GenerateContentRequest.contents: contents must be a non-empty array", param: "contents")
        }
        for (index, content) in list.enumerated() {
            guard let object = content.objectValue else {
                throw .invalidRequest("* GenerateContentRequest.contents[\(index)]: must be a Content object",
                                      param: "contents")
            }
            if let parts = object["parts"], parts.arrayValue == nil {
                throw .invalidRequest("* GenerateContentRequest.contents[\(index)].parts: must be an array",
                                      param: "contents")
            }
        }
        return NativeChat(family: .gemini, body: body, model: model, stream: request.streamFromPath,
                          includeUsage: request.streamFromPath, sseFraming: request.sseFraming)
    }

    /// See ``GeminiRequestDecoder``.
    public func canonical(_ native: NativeChat) throws(GatewayError) -> ChatCall {
        try GeminiRequestDecoder().call(native.body, model: native.model, stream: native.stream)
    }

    /// See ``GeminiResponseEncoder``.
    public func encodeResponse(_ result: ChatResult, for native: NativeChat) -> [UInt8] {
        let encoder = GeminiResponseEncoder(includeThoughts: GeminiResponseEncoder.includeThoughts(in: native.body))
        return JSON.serialize(.object(encoder.body(result)))
    }

    /// See ``GeminiStreamEncoder``.
    public func makeStreamEncoder(for native: NativeChat) -> any ChatStreamEncoder {
        GeminiStreamEncoder(sseFraming: native.sseFraming,
                            includeThoughts: GeminiResponseEncoder.includeThoughts(in: native.body))
    }

    /// `text/event-stream` with `alt=sse`, else `application/json` (the streamed array).
    public func streamContentType(for native: NativeChat) -> String {
        native.sseFraming ? "text/event-stream" : "application/json"
    }

    /// `{"error":{"code":<status>,"message":…,"status":<RPC status>}}`, with a `RetryInfo` detail
    /// when the error carries `retry-after`.
    public func errorBody(_ error: GatewayError) -> [UInt8] {
        JSON.serialize(.object(GeminiWireError.object(error)))
    }
}
