/// Google service-account keys (`vertex_credentials`, `GOOGLE_APPLICATION_CREDENTIALS`): LiteLLM
/// accepts the JSON text itself or a path to the file; either way the worker holds the JSON.
public enum ServiceAccountKey {
    /// The key's JSON text: `value` itself when it is JSON, else the contents of the file it names.
    /// - Throws: a ConfigError naming `path` when the file cannot be read or is not a service-account key.
    public static func load(_ value: Secret, at path: String, line: Int? = nil) throws(ConfigError) -> Secret {
        let text = value.value.trimmingWhitespace()
        let json: Secret
        if text.hasPrefix("{") {
            json = value
        } else {
            switch FileReading.readText(path: text, limit: 1 << 20) {
            case .success(let contents): json = Secret(value: contents, source: "file \(text)")
            case .failure(let error):
                throw ConfigError(keyPath: path, message: "cannot read the service-account key file: \(error.reason)", line: line)
            }
        }
        for field in ["\"client_email\"", "\"private_key\"", "\"token_uri\""] where !json.value.contains(field) {
            throw ConfigError(keyPath: path, message: "not a Google service-account key (no \(field) field)", line: line)
        }
        return json
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
