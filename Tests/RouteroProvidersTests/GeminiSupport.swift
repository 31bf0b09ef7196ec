import Testing
import RouteroCore
import RouteroProviders

/// Test profiles: the catalog rows for Google are the integrator's; these only need an id and a family.
let geminiProfile = ProviderProfile(id: "gemini", defaultBaseURL: "https://generativelanguage.googleapis.com",
                                    keyEnv: ["GEMINI_API_KEY"], auth: .header("x-goog-api-key"), quirks: .openAI,
                                    family: .gemini)
let vertexProfile = ProviderProfile(id: "vertex_ai", defaultBaseURL: "", quirks: .openAI, family: .gemini)

let geminiKey = "AIzaSyTESTKEY0123456789abcdef"

func geminiTarget(model: String = "gemini-2.5-flash", apiBase: String? = nil, apiKey: String? = geminiKey,
                  drop: Bool = false, headers: [(String, String)] = []) -> UpstreamTarget {
    UpstreamTarget(profile: geminiProfile, model: model, apiBase: apiBase, apiKey: apiKey, deploymentID: "g1",
                   dropUnsupportedParams: drop, extraHeaders: headers)
}

func vertexTarget(model: String = "gemini-2.5-pro", apiBase: String? = nil) -> UpstreamTarget {
    UpstreamTarget(profile: vertexProfile, model: model, apiBase: apiBase, apiKey: "ya29.ACCESS-TOKEN-abcdef", deploymentID: "v1")
}

let gemini = GeminiAdapter(profile: geminiProfile)
let vertex = GeminiAdapter(profile: vertexProfile, dialect: .vertex(project: "my-proj", location: "us-central1"))

/// Parses JSON test text (fixtures are valid by construction).
func json(_ text: String) -> JSONValue {
    do { return try JSON.parse(text) } catch { Issue.record("fixture is not JSON: \(error)"); return .null }
}

/// The upstream body `adapter` builds for `call`.
func geminiBody(_ call: ChatCall, adapter: GeminiAdapter = gemini, target: UpstreamTarget = geminiTarget())
    throws -> JSONObject {
    try bodyObject(adapter.makeRequest(call, target: target))
}

/// A call from messages, with optional tweaks.
func chat(_ messages: [ChatMessage], _ change: (inout ChatCall) -> Void = { _ in }) -> ChatCall {
    var call = ChatCall(model: "client-model", messages: messages)
    change(&call)
    return call
}

/// Events of a fresh decoder fed `chunks` in order, then finished.
func decode(_ chunks: [ArraySlice<UInt8>], framing: GeminiStreamFraming = .detect,
            target: UpstreamTarget = geminiTarget()) throws -> [ChatStreamEvent] {
    var decoder = GeminiStreamDecoder(target: target, framing: framing)
    var events: [ChatStreamEvent] = []
    for chunk in chunks { events += try decoder.feed(Array(chunk)) }
    return events + (try decoder.finish())
}

/// `text` split at `split`.
func halves(_ text: String, at split: Int) -> [ArraySlice<UInt8>] {
    let bytes = Array(text.utf8)
    return [bytes[..<split], bytes[split...]]
}

func utf8(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
