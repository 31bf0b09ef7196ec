import RouteroCore
import RouteroFrontEnds
import RouteroProviders

/// Fixtures shared by the Anthropic front-end tests (namespaced: other front-ends' tests share this module).
enum AnthropicFrontEndFixtures {
    static let frontEnd = AnthropicFrontEnd()

    static func object(_ json: String) -> JSONObject {
        (try? JSON.parse(json))?.objectValue ?? ["invalid fixture": true]
    }

    static func native(_ json: String, headers: [(String, String)] = []) throws -> NativeChat {
        try frontEnd.decodeNative(object(json), request: InboundRequestFacts(headers: headers))
    }

    static func canonical(_ json: String, headers: [(String, String)] = []) throws -> ChatCall {
        try frontEnd.canonical(native(json, headers: headers))
    }

    /// The error `work` throws, or nil.
    static func error(_ work: () throws -> Void) -> GatewayError? {
        do {
            try work()
            return nil
        } catch {
            return error as? GatewayError
        }
    }

    static func compact(_ json: String) -> String {
        (try? JSON.parse(json)).map { JSON.string($0) } ?? "<invalid fixture JSON>"
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Encodes `events` with a fresh stream encoder for `native`, then `close()`s it if asked.
    static func stream(_ events: [ChatStreamEvent], native: NativeChat, close: Bool = false) -> String {
        var encoder = frontEnd.makeStreamEncoder(for: native)
        var out: [UInt8] = []
        for event in events { out += encoder.encode(event) }
        if close { out += encoder.close() }
        return text(out)
    }

    /// The SSE events of `text` as (event name, data).
    static func events(_ text: String) -> [(name: String, data: String)] {
        var parser = SSEParser()
        return (parser.feed(Array(text.utf8)) + parser.finish()).map { ($0.event ?? "", $0.data) }
    }

    /// A streaming native request, optionally with thinking turned on.
    static func streamingNative(thinking: Bool = false) -> NativeChat {
        let body = thinking
            ? object(#"{"model":"claude-via-gateway","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"q"}],"stream":true}"#)
            : object(#"{"model":"claude-via-gateway","max_tokens":100,"messages":[{"role":"user","content":"q"}],"stream":true}"#)
        return NativeChat(family: .anthropic, body: body, model: "claude-via-gateway", stream: true)
    }
}
