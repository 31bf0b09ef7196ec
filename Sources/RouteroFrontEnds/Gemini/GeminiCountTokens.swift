public import RouteroCore

/// The Gemini `:countTokens` entry: `POST /v1beta/models/{model}:countTokens` (reference 5.5, 6.9).
///
/// A Gemini upstream gets the client's body through ``RouteroProviders/GeminiAdapter/makeNativeCountTokensRequest(_:target:)``;
/// any other provider counts the canonical call ``decode(_:model:)`` returns, and the count goes
/// back as ``encodeResponse(totalTokens:)``.
public enum GeminiCountTokens {
    /// The canonical call whose tokens are counted: the body is `{"contents": […]}` (Vertex style
    /// also with `systemInstruction`, `tools`), or `{"generateContentRequest": {…}}` whose own `model`
    /// is ignored for the one in the URL. `contents` may be empty here (only instructions counted).
    /// - Parameter model: the URL's model (`models/` is stripped).
    public static func decode(_ body: JSONObject, model: String) throws(GatewayError) -> ChatCall {
        let model = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        guard !model.isEmpty else {
            throw .invalidRequest("The model is missing from the URL path (models/{model}:countTokens).", param: "model")
        }
        var request = body
        if let wrapped = body[gemini: "generateContentRequest"] {
            guard let object = wrapped.objectValue else {
                throw .invalidRequest("Invalid value at 'generateContentRequest': must be an object",
                                      param: "generateContentRequest")
            }
            request = object
        } else if body[gemini: "contents"] == nil {
            throw .invalidRequest("* CountTokensRequest: contents or generateContentRequest must be specified",
                                  param: "contents")
        }
        if let contents = request[gemini: "contents"], contents.arrayValue == nil {
            throw .invalidRequest("Invalid value at 'contents': must be an array", param: "contents")
        }
        return try GeminiRequestDecoder().call(request, model: model, stream: false)
    }

    /// `{"totalTokens": N}`.
    public static func encodeResponse(totalTokens: Int) -> [UInt8] {
        JSON.serialize(.object(["totalTokens": JSONValue(totalTokens)]))
    }
}
