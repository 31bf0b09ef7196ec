import RouteroCore
import RouteroProviders

/// A client body with every field a quirk might touch, plus unknown fields that must survive.
let fixtureBody = #"""
{"model":"client-model","x_first":{"keep":[1,2]},"messages":[{"role":"developer","content":"be brief"},{"role":"user","name":"ann","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:x"}}]}],"max_completion_tokens":64,"temperature":1.5,"seed":42,"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","strict":true,"parameters":{}}}],"stream":true,"stream_options":{"include_usage":true},"cache":{"no-cache":true},"x_last":"unchanged","n":1}
"""#

func fixtureRequest(_ text: String = fixtureBody) throws -> ChatRequest {
    try ChatRequest.parse(Array(text.utf8))
}

func target(_ profile: ProviderProfile, model: String = "some-model", apiBase: String = "https://gw.internal:8443/base/v1",
            apiKey: String? = "test-key-0123456789") -> UpstreamTarget {
    UpstreamTarget(profile: profile, model: model, apiBase: apiBase, apiKey: apiKey, deploymentID: "dep-1")
}

func profile(_ id: String) throws -> ProviderProfile {
    guard let found = ProviderCatalog.profile(named: id) else { throw LookupError(id: id) }
    return found
}

struct LookupError: Error { let id: String }

func bodyObject(_ spec: UpstreamRequestSpec) throws -> JSONObject {
    guard let object = try JSON.parse(spec.body).objectValue else { throw LookupError(id: "body") }
    return object
}
