/// The canonical chat request: a typed view over the client's body, which is kept whole.
///
/// The gateway speaks OpenAI Chat Completions on both sides for most providers, so the body itself is
/// the canonical form; fields the gateway does not understand are preserved in order and forwarded.
public struct ChatRequest: Sendable {
    /// The whole client body; unknown fields preserved in order.
    public var body: JSONObject
    /// `body["model"]`: a required, non-empty string.
    public var model: String
    /// `body["stream"] == true`.
    public var stream: Bool
    /// `body["stream_options"]["include_usage"] == true`.
    public var includeUsage: Bool

    /// Validates `body` and derives the typed fields.
    /// - Throws: ``GatewayError/invalidRequest(_:param:code:)`` naming the bad field.
    public init(body: JSONObject) throws(GatewayError) {
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw .invalidRequest("You must provide a model parameter.", param: "model")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw .invalidRequest("'messages' must be a non-empty array.", param: "messages")
        }
        let stream = body["stream"] ?? .null
        guard stream.isNull || stream.boolValue != nil else {
            throw .invalidRequest("'stream' must be a boolean.", param: "stream")
        }
        self.body = body
        self.model = model
        self.stream = stream.boolValue == true
        self.includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
    }

    /// Parses and validates a request body.
    /// - Throws: ``GatewayError/invalidJSON(_:)`` for malformed JSON, ``GatewayError/invalidRequest(_:param:code:)``
    ///   when the body is not an object, lacks a model, or has no messages.
    public static func parse(_ bytes: [UInt8]) throws(GatewayError) -> ChatRequest {
        let value: JSONValue
        do {
            value = try JSON.parse(bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard let body = value.objectValue else {
            throw .invalidRequest("The request body must be a JSON object.")
        }
        return try ChatRequest(body: body)
    }
}
