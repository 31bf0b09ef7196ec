import RouteroCore
import RouteroProviders

/// Fixtures shared by the Anthropic adapter tests (namespaced: other families' tests share this module).
enum AnthropicFixtures {
    static let profile = ProviderProfile(id: "anthropic", defaultBaseURL: "https://api.anthropic.com",
                                         keyEnv: ["ANTHROPIC_API_KEY"], auth: .header("x-api-key"), family: .anthropic)
    static let key = "sk-ant-api03-SECRETsecret0123456789"

    static func target(model: String = "claude-sonnet-4-5", apiBase: String? = nil, dropParams: Bool = false,
                       extraHeaders: [(String, String)] = []) -> UpstreamTarget {
        UpstreamTarget(profile: profile, model: model, apiBase: apiBase, apiKey: key, deploymentID: "anthropic-1",
                       dropUnsupportedParams: dropParams, extraHeaders: extraHeaders)
    }

    static let adapter = AnthropicAdapter(profile: profile, dialect: .messagesAPI)

    /// The request body as compact JSON text, keys in the order the adapter wrote them.
    static func bodyText(_ spec: UpstreamRequestSpec) -> String {
        String(decoding: spec.body, as: UTF8.self)
    }

    /// `json` re-serialized compactly, keys in written order: the form golden fixtures compare in.
    static func compact(_ json: String) -> String {
        (try? JSON.parse(json)).map { JSON.string($0) } ?? "<invalid fixture JSON>"
    }

    static func body(_ spec: UpstreamRequestSpec) -> JSONObject {
        (try? JSON.parse(spec.body))?.objectValue ?? [:]
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

    static func call(_ messages: [ChatMessage], model: String = "client-model") -> ChatCall {
        ChatCall(model: model, messages: messages)
    }

    static func user(_ text: String) -> ChatMessage { .text(.user, text) }

    static func assistant(_ parts: [ContentPart]) -> ChatMessage { ChatMessage(role: .assistant, parts: parts) }

    static func toolMessage(_ id: String, _ content: [ContentPart], isError: Bool = false) -> ChatMessage {
        ChatMessage(role: .tool, parts: [.toolResult(ToolResult(callID: id, content: content, isError: isError))])
    }

    static func text(_ text: String, cache: JSONValue? = nil) -> ContentPart { .text(TextPart(text, cacheControl: cache)) }

    /// Feeds `bytes` to a fresh decoder split into two pieces at `split`, then finishes it.
    static func decode(_ bytes: [UInt8], split: Int, call: ChatCall = ChatCall(model: "m", messages: []),
                       target: UpstreamTarget = AnthropicFixtures.target()) throws(GatewayError) -> [ChatStreamEvent] {
        var decoder = adapter.makeStreamDecoder(for: call, target: target)
        var events = try decoder.feed(Array(bytes[..<split]))
        events += try decoder.feed(Array(bytes[split...]))
        events += try decoder.finish()
        return events
    }

    /// Asserts nothing; returns the events for every split position, for the caller to compare.
    static func decodeAtEverySplit(_ text: String, call: ChatCall = ChatCall(model: "m", messages: []))
        throws(GatewayError) -> [[ChatStreamEvent]] {
        let bytes = Array(text.utf8)
        var all: [[ChatStreamEvent]] = []
        for split in 0...bytes.count { all.append(try decode(bytes, split: split, call: call)) }
        return all
    }
}
