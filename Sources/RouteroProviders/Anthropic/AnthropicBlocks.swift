package import RouteroCore

/// Content blocks of the Anthropic Messages wire, to and from canonical parts. Shared by the outbound
/// adapter (request blocks out, response blocks in) and the Anthropic front-end (request blocks in,
/// response blocks out), so a block means the same thing in both directions.
package enum AnthropicBlocks {
    /// The image media types Anthropic accepts (reference 4.2).
    package static let imageMediaTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    // MARK: Anthropic → canonical

    /// The canonical part for a block both responses and requests carry (text, thinking,
    /// redacted_thinking, tool_use, image, document), or nil for any other block type.
    ///
    /// A `thinking` block keeps its signature only when it has one: an empty signature (what the
    /// gateway writes for reasoning another family produced) must not be replayed to Anthropic as if
    /// Anthropic had signed it. Tool-use ids go through ``SignedToolCallID/extract(_:)`` so a Gemini
    /// signature the gateway embedded in an id it handed out comes back as the call's signature.
    package static func part(from block: JSONObject) -> ContentPart? {
        switch block["type"]?.stringValue {
        case "text":
            return .text(TextPart(block["text"]?.stringValue ?? "", cacheControl: block["cache_control"]))
        case "thinking":
            let signature = block["signature"]?.stringValue ?? ""
            return .reasoning(ReasoningPart(
                text: block["thinking"]?.stringValue ?? "",
                signature: signature.isEmpty ? nil : ProviderSignature(family: .anthropic, value: signature)))
        case "redacted_thinking":
            return .reasoning(ReasoningPart(text: "", redacted: block["data"]?.stringValue ?? ""))
        case "tool_use":
            let (id, signature) = SignedToolCallID.extract(block["id"]?.stringValue ?? "")
            return .toolCall(ToolCall(id: id, name: block["name"]?.stringValue ?? "",
                                      arguments: JSON.string(block["input"] ?? .object([:])), signature: signature))
        case "image":
            return media(block).map(ContentPart.image)
        case "document":
            return media(block).map(ContentPart.file)
        default:
            return nil
        }
    }

    /// The media part of an `image` or `document` block: base64, URL, Files-API id, or plain text
    /// (carried as base64 `text/plain`, the canonical way to hold file bytes).
    static func media(_ block: JSONObject) -> MediaPart? {
        guard let source = block["source"]?.objectValue else { return nil }
        let canonical: MediaSource
        switch source["type"]?.stringValue {
        case "base64":
            canonical = .base64(mediaType: source["media_type"]?.stringValue ?? "", data: source["data"]?.stringValue ?? "")
        case "url":
            let isDocument = block["type"]?.stringValue == "document"
            canonical = .url(source["url"]?.stringValue ?? "", mediaType: isDocument ? "application/pdf" : nil)
        case "file":
            canonical = .fileID(source["file_id"]?.stringValue ?? "")
        case "text":
            let text = source["data"]?.stringValue ?? ""
            canonical = .base64(mediaType: "text/plain", data: Base64.encode(Array(text.utf8)))
        default:
            return nil
        }
        return MediaPart(source: canonical, filename: block["title"]?.stringValue, cacheControl: block["cache_control"])
    }

    // MARK: canonical → Anthropic

    /// `{"type":"text","text":...,"cache_control"?}`.
    package static func text(_ part: TextPart) -> JSONValue {
        var block: JSONObject = ["type": "text", "text": .string(part.text)]
        if let cache = part.cacheControl { block["cache_control"] = cache }
        return .object(block)
    }

    /// `{"type":"thinking","thinking":...,"signature":...}`; the signature is written byte for byte.
    package static func thinking(_ text: String, signature: String) -> JSONValue {
        ["type": "thinking", "thinking": .string(text), "signature": .string(signature)]
    }

    /// `{"type":"redacted_thinking","data":...}`.
    package static func redactedThinking(_ data: String) -> JSONValue {
        ["type": "redacted_thinking", "data": .string(data)]
    }

    /// `{"type":"tool_use","id":...,"name":...,"input":<parsed arguments>}`.
    package static func toolUse(id: String, name: String, arguments: String) -> JSONValue {
        ["type": "tool_use", "id": .string(id), "name": .string(name), "input": toolInput(arguments, tool: name)]
    }

    /// A call's JSON arguments as the object Anthropic's `input` must be.
    ///
    /// Empty arguments are `{}`. Arguments that are not a JSON object (a model that wrote broken JSON,
    /// a client that sent an array) become `{}` with a warning (reference 6.2 step 3): sending them
    /// would fail the whole request, and the call's result, which follows, still tells the model
    /// what happened.
    package static func toolInput(_ arguments: String, tool: String) -> JSONValue {
        if arguments.allSatisfy(\.isWhitespace) { return .object([:]) }
        if let value = try? JSON.parse(arguments), case .object = value { return value }
        Log.warning("tool call arguments are not a JSON object; sending {}", [("tool", tool)])
        return .object([:])
    }

    /// An `image` block for `part`.
    /// - Throws: 400 for a media type Anthropic does not accept or a source it cannot take.
    package static func image(_ part: MediaPart) throws(GatewayError) -> JSONValue {
        var source: JSONObject
        switch resolved(part.source) {
        case .base64(let mediaType, let data):
            let type = normalizedImageType(mediaType)
            guard imageMediaTypes.contains(type) else {
                throw .invalidRequest(
                    "Anthropic accepts image/jpeg, image/png, image/gif and image/webp images, not '\(mediaType)'.",
                    param: "messages")
            }
            source = ["type": "base64", "media_type": .string(type), "data": .string(data)]
        case .url(let url, _):
            source = ["type": "url", "url": .string(url)]
        case .fileID(let id):
            source = ["type": "file", "file_id": .string(id)]
        }
        var block: JSONObject = ["type": "image", "source": .object(source)]
        if let cache = part.cacheControl { block["cache_control"] = cache }
        return .object(block)
    }

    /// A `document` block for `part`: PDF (base64 or URL), plain text, or a Files-API id.
    /// - Throws: 400 for other file types, and for `text/plain` data that is not base64 UTF-8 text.
    package static func document(_ part: MediaPart) throws(GatewayError) -> JSONValue {
        var source: JSONObject
        switch resolved(part.source) {
        case .base64(let mediaType, let data):
            switch mediaType.lowercased() {
            case "application/pdf":
                source = ["type": "base64", "media_type": "application/pdf", "data": .string(data)]
            case "text/plain":
                guard let bytes = Base64.decode(data), let text = String(validating: bytes, as: UTF8.self) else {
                    throw .invalidRequest("A text/plain file must be base64-encoded UTF-8 text.", param: "messages")
                }
                source = ["type": "text", "media_type": "text/plain", "data": .string(text)]
            default:
                throw .invalidRequest(
                    "Anthropic accepts PDF (application/pdf) and plain-text (text/plain) files, not '\(mediaType)'.",
                    param: "messages")
            }
        case .url(let url, let mediaType):
            if let mediaType, mediaType.lowercased() != "application/pdf" {
                throw .invalidRequest("Anthropic fetches only PDF documents by URL, not '\(mediaType)'.", param: "messages")
            }
            source = ["type": "url", "url": .string(url)]
        case .fileID(let id):
            source = ["type": "file", "file_id": .string(id)]
        }
        var block: JSONObject = ["type": "document", "source": .object(source)]
        if let title = part.filename, !title.isEmpty { block["title"] = .string(title) }
        if let cache = part.cacheControl { block["cache_control"] = cache }
        return .object(block)
    }

    /// A `data:` URL that reached the model as a plain URL is inline data after all.
    private static func resolved(_ source: MediaSource) -> MediaSource {
        if case .url(let url, _) = source, url.hasPrefix("data:") { return MediaPart.fromURL(url) }
        return source
    }

    /// `image/jpg` (a common client spelling, not a registered type) is JPEG; case is ignored.
    private static func normalizedImageType(_ type: String) -> String {
        let lowered = type.lowercased()
        return lowered == "image/jpg" ? "image/jpeg" : lowered
    }
}
