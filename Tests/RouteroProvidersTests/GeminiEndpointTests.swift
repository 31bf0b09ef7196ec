import Testing
import RouteroCore
import RouteroProviders

@Suite("Gemini endpoints, native passthrough and countTokens")
struct GeminiEndpointTests {
    func url(_ adapter: GeminiAdapter, _ target: UpstreamTarget, stream: Bool = false) throws -> String {
        try adapter.makeRequest(chat([.text(.user, "x")]) { $0.stream = stream }, target: target).url
    }

    @Test(arguments: [
        (nil as String?, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"),
        ("", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"),
        ("https://generativelanguage.googleapis.com/v1", "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent"),
        ("https://proxy.example/google/v1beta/", "https://proxy.example/google/v1beta/models/gemini-2.5-flash:generateContent"),
        ("https://proxy.example/google", "https://proxy.example/google/v1beta/models/gemini-2.5-flash:generateContent"),
    ])
    func googleAIURLs(_ apiBase: String?, _ expected: String) throws {
        #expect(try url(gemini, geminiTarget(apiBase: apiBase)) == expected)
    }

    @Test func tunedModelsAndHostileModelIDs() throws {
        #expect(try url(gemini, geminiTarget(model: "tunedModels/my-model-7")) ==
                "https://generativelanguage.googleapis.com/v1beta/tunedModels/my-model-7:generateContent")
        // A model from a wildcard route cannot change the resource, the verb or the query.
        #expect(try url(gemini, geminiTarget(model: "../x?key=1#f")) ==
                "https://generativelanguage.googleapis.com/v1beta/models/..%2Fx%3Fkey%3D1%23f:generateContent")
        #expect(try url(gemini, geminiTarget(model: "..")).contains("/models/%2E%2E:"))
    }

    @Test(arguments: [
        ("us-central1", "https://us-central1-aiplatform.googleapis.com"),
        ("europe-west4", "https://europe-west4-aiplatform.googleapis.com"),
        ("global", "https://aiplatform.googleapis.com"),
        ("us", "https://aiplatform.us.rep.googleapis.com"),
        ("eu", "https://aiplatform.eu.rep.googleapis.com"),
    ])
    func vertexHosts(_ location: String, _ host: String) throws {
        let adapter = GeminiAdapter(profile: vertexProfile, dialect: .vertex(project: "p-1", location: location))
        #expect(try url(adapter, vertexTarget(), stream: true) == host
                + "/v1/projects/p-1/locations/\(location)/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse")
    }

    @Test func vertexAPIBaseOverridesTheHost() throws {
        #expect(try url(vertex, vertexTarget(apiBase: "https://psc.internal/v1")) ==
                "https://psc.internal/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent")
    }

    @Test(arguments: [("", "us-central1"), ("p", ""), ("p/../x", "us-central1"), ("p", "us?x")])
    func vertexNeedsAProjectAndALocation(_ project: String, _ location: String) {
        let adapter = GeminiAdapter(profile: vertexProfile, dialect: .vertex(project: project, location: location))
        do {
            _ = try url(adapter, vertexTarget())
            Issue.record("accepted")
        } catch let error as GatewayError {
            #expect(error.status == 500)
            #expect(error.code == "provider_misconfigured")
        } catch { Issue.record("\(error)") }
    }

    @Test func noKeyNoAuthHeader() throws {
        let spec = try gemini.makeRequest(chat([.text(.user, "x")]), target: geminiTarget(apiKey: nil))
        #expect(spec.header("x-goog-api-key") == nil)
        #expect(spec.header("authorization") == nil)
    }

    @Test func nativeBodyPassesThroughWithAuthRewritten() throws {
        let text = #"{"contents":[{"parts":[{"text":"hi"}]}],"x_unknown":{"keep":[1,2.50]},"model":"models/other","safetySettings":[]}"#
        guard case .object(let body) = json(text) else { Issue.record("fixture"); return }
        let native = NativeChat(family: .gemini, body: body, model: "client-model", stream: false)
        let spec = try gemini.makeNativeRequest(native, target: geminiTarget())
        #expect(spec.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(spec.header("x-goog-api-key") == geminiKey)
        #expect(utf8(spec.body) == #"{"contents":[{"parts":[{"text":"hi"}]}],"x_unknown":{"keep":[1,2.50]},"safetySettings":[]}"#)

        let sse = try gemini.makeNativeRequest(NativeChat(family: .gemini, body: body, model: "m", stream: true, sseFraming: true),
                                               target: geminiTarget())
        #expect(sse.url.hasSuffix(":streamGenerateContent?alt=sse"))
        #expect(sse.header("accept") == "text/event-stream")
        let array = try gemini.makeNativeRequest(NativeChat(family: .gemini, body: body, model: "m", stream: true, sseFraming: false),
                                                 target: geminiTarget())
        #expect(array.url.hasSuffix(":streamGenerateContent"))
        #expect(array.header("accept") == "application/json")

        // Vertex needs a role on every content; nothing else changes.
        let onVertex = try bodyObject(vertex.makeNativeRequest(native, target: vertexTarget()))
        #expect(onVertex["contents"] == json(#"[{"parts":[{"text":"hi"}],"role":"user"}]"#))
        #expect(onVertex["x_unknown"] == body["x_unknown"])
    }

    @Test func countTokensForACanonicalCall() throws {
        let plain = try gemini.makeCountTokensRequest(chat([.text(.user, "count me")]), target: geminiTarget())
        #expect(plain.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens")
        #expect(utf8(plain.body) == #"{"contents":[{"role":"user","parts":[{"text":"count me"}]}]}"#)

        let withSystem = chat([.text(.system, "be brief"), .text(.user, "count me")]) {
            $0.tools = [ToolDefinition(name: "f")]
            $0.parallelToolCalls = false  // cannot be expressed, but does not change the count
            $0.temperature = 1
        }
        let wrapped = try bodyObject(gemini.makeCountTokensRequest(withSystem, target: geminiTarget()))
        #expect(JSONValue.object(wrapped) == json("""
            {"generateContentRequest":{"model":"models/gemini-2.5-flash",
              "contents":[{"role":"user","parts":[{"text":"count me"}]}],
              "systemInstruction":{"parts":[{"text":"be brief"}]},
              "tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT"}}]}]}}
            """))

        let onVertex = try vertex.makeCountTokensRequest(withSystem, target: vertexTarget())
        #expect(onVertex.url.hasSuffix("/publishers/google/models/gemini-2.5-pro:countTokens"))
        #expect(try bodyObject(onVertex).keys == ["contents", "systemInstruction", "tools"])
    }

    @Test func countTokensNative() throws {
        guard case .object(let body) = json(#"{"generateContentRequest":{"model":"models/x","contents":[{"parts":[{"text":"a"}]}]}}"#)
        else { Issue.record("fixture"); return }
        let google = try bodyObject(gemini.makeNativeCountTokensRequest(body, target: geminiTarget()))
        #expect(google["generateContentRequest"]?["model"] == "models/gemini-2.5-flash")
        let onVertex = try bodyObject(vertex.makeNativeCountTokensRequest(body, target: vertexTarget()))
        #expect(JSONValue.object(onVertex) == json(#"{"contents":[{"parts":[{"text":"a"}],"role":"user"}]}"#))
    }

    @Test func countTokensAnswers() throws {
        #expect(try gemini.parseCountTokensResponse(Array(#"{"totalTokens":31,"promptTokensDetails":[]}"#.utf8), target: geminiTarget()) == 31)
        #expect(try gemini.parseCountTokensResponse(Array("{}".utf8), target: geminiTarget()) == 0)
        #expect(throws: GatewayError.self) {
            try gemini.parseCountTokensResponse(Array(#"{"other":1}"#.utf8), target: geminiTarget())
        }
    }
}
