package import RouteroCore

/// Media parts between the canonical model and Gemini's `inlineData` / `fileData` parts.
package enum GeminiMedia {
    /// What kind of canonical part a media type is.
    package enum Kind: Sendable, Equatable {
        case image, audio, file
    }

    /// The canonical kind of a MIME type: `image/*` and `audio/*` by prefix, anything else a file
    /// (PDF, plain text, video: the canonical model has no video part).
    package static func kind(ofMimeType mime: String) -> Kind {
        let lowered = mime.lowercased()
        if lowered.hasPrefix("image/") { return .image }
        if lowered.hasPrefix("audio/") { return .audio }
        return .file
    }

    /// The canonical part for a media part of `kind`.
    package static func part(_ media: MediaPart, kind: Kind) -> ContentPart {
        switch kind {
        case .image: .image(media)
        case .audio: .audio(media)
        case .file: .file(media)
        }
    }

    /// The MIME type for an audio format name: OpenAI `input_audio.format` is `wav` or `mp3`, which
    /// Gemini wants as `audio/wav`, `audio/mp3`. A full type passes unchanged.
    static func audioMimeType(_ format: String) -> String {
        if format.contains("/") { return format }
        switch format.lowercased() {
        case "mp3", "mpeg": return "audio/mp3"
        case "": return "audio/wav"
        default: return "audio/" + format.lowercased()
        }
    }

    /// The MIME type of a file from its URL's extension, or nil when the extension is unknown.
    /// The query and fragment are ignored (`…/cat.png?sig=…`).
    static func mimeType(forURL url: String) -> String? {
        var path = Substring(url)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        guard let slash = path.lastIndex(of: "/"), let dot = path[slash...].lastIndex(of: ".") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        return extensions[ext]
    }

    static let extensions: [String: String] = [
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
        "heic": "image/heic", "heif": "image/heif",
        "wav": "audio/wav", "mp3": "audio/mp3", "aiff": "audio/aiff", "aac": "audio/aac", "ogg": "audio/ogg",
        "flac": "audio/flac", "m4a": "audio/mp4",
        "pdf": "application/pdf", "txt": "text/plain", "md": "text/md", "html": "text/html", "csv": "text/csv",
        "xml": "text/xml", "json": "application/json", "py": "text/x-python", "js": "text/javascript",
        "mp4": "video/mp4", "mpeg": "video/mpeg", "mov": "video/mov", "webm": "video/webm", "avi": "video/avi",
        "wmv": "video/wmv", "flv": "video/x-flv", "3gp": "video/3gpp",
    ]

    /// The Gemini part for canonical media of `kind`.
    ///
    /// Inline bytes become `inlineData {mimeType, data}`. A URL becomes `fileData {mimeType, fileUri}`;
    /// its type is the part's own, else the URL's extension, else `image/jpeg` for images,
    /// `audio/mp3` for audio and `application/pdf` for files. The gateway never downloads a URL: Gemini
    /// fetches Files-API URIs, `gs://` objects on Vertex and some public `https` URLs itself, and
    /// rejects the others with a 400 the client sees.
    /// - Returns: nil for a provider file id, which means nothing to Gemini.
    static func wirePart(_ media: MediaPart, kind: Kind) -> JSONObject? {
        switch media.source {
        case .base64(let mediaType, let data):
            let mime = kind == .audio ? audioMimeType(mediaType) : mediaType
            return ["inlineData": ["mimeType": .string(mime), "data": .string(data)]]
        case .url(let url, let mediaType):
            let fallback = switch kind {
            case .image: "image/jpeg"
            case .audio: "audio/mp3"
            case .file: "application/pdf"
            }
            let mime = mediaType ?? mimeType(forURL: url) ?? fallback
            return ["fileData": ["mimeType": .string(mime), "fileUri": .string(url)]]
        case .fileID:
            return nil
        }
    }

    /// The canonical part for a Gemini `inlineData` or `fileData` object (nil for anything else).
    package static func canonicalPart(inlineData: JSONValue?, fileData: JSONValue?) -> ContentPart? {
        if let blob = inlineData?.objectValue, let data = blob["data"]?.stringValue {
            let mime = blob[gemini: "mimeType"]?.stringValue ?? "application/octet-stream"
            return part(MediaPart(source: .base64(mediaType: mime, data: Base64.standard(data)),
                                  filename: blob[gemini: "displayName"]?.stringValue), kind: kind(ofMimeType: mime))
        }
        if let file = fileData?.objectValue, let uri = file[gemini: "fileUri"]?.stringValue {
            let mime = file[gemini: "mimeType"]?.stringValue
            let guessed = mime ?? mimeType(forURL: uri)
            return part(MediaPart(source: .url(uri, mediaType: mime), filename: file[gemini: "displayName"]?.stringValue),
                        kind: guessed.map { kind(ofMimeType: $0) } ?? .file)
        }
        return nil
    }
}
