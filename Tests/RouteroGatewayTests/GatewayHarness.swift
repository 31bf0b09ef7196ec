import Glibc
import RouteroConfig
import RouteroCore
import RouteroFastCGI
@testable import RouteroGateway
import RouteroTestSupport

/// The gateway's request logic without nginx: a real FastCGI server running `Gateway.handle`,
/// driven by the raw FastCGI client the way nginx drives it, with a TinyHTTPServer upstream.
final class GatewayHarness: Sendable {
    let gateway: Gateway
    let server: FastCGIServer
    let socketPath: String
    static let masterKey = "sk-harness-master-0401"
    static let providerKey = "sk-harness-provider-0402"
    static let instance = "rt-harness"

    /// - Parameter yaml: a native config; `UPSTREAM` is replaced by the upstream's base URL.
    init(_ yaml: String, upstream: TinyHTTPServer, name: String, maxConcurrent: Int = 64) throws {
        let text = yaml.replacing("UPSTREAM", with: upstream.baseURL)
        let environment = ["MASTER": Self.masterKey, "PROVIDER": Self.providerKey]
        let config = try ConfigLoader.load(yaml: text, environment: environment)
        gateway = try Gateway(config: config, environment: environment, instanceID: Self.instance)
        socketPath = "/tmp/routero-gw-\(getpid())-\(name).sock"
        let listener = try FastCGIListener(address: "unix:\(socketPath)")
        let gateway = self.gateway
        server = FastCGIServer(listener: listener,
                               configuration: .init(minSpareThreads: 2, maxConcurrentRequests: maxConcurrent),
                               handler: { await gateway.handle($0) }, overloaded: { gateway.overloaded($0) })
        server.start()
    }

    deinit { server.stopAccepting() }

    struct Response {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var json: JSONValue? { try? JSON.parse(body) }
    }

    /// One request as nginx would send it.
    func send(_ method: String, _ path: String, body: String = "", key: String? = GatewayHarness.masterKey,
              headers: [(String, String)] = []) -> Response {
        guard let client = FastCGITestClient(unixPath: socketPath) else { return Response(status: 0, headers: [], body: []) }
        var params = [("REQUEST_METHOD", method), ("REQUEST_URI", path), ("CONTENT_TYPE", "application/json"),
                      ("CONTENT_LENGTH", String(body.utf8.count))]
        if let q = path.firstIndex(of: "?") { params.append(("QUERY_STRING", String(path[path.index(after: q)...]))) }
        if let key { params.append(("HTTP_AUTHORIZATION", "Bearer \(key)")) }
        for (name, value) in headers {
            params.append(("HTTP_" + name.uppercased().replacing("-", with: "_"), value))
        }
        client.send(params: params, body: Array(body.utf8))
        let raw = client.readResponse()
        client.close()
        return Self.parse(raw)
    }

    static func parse(_ raw: [UInt8]) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, raw.count - 3)).first(where: { Array(raw[$0..<$0 + 4]) == separator }) else {
            return Response(status: 0, headers: [], body: raw)
        }
        var status = 0
        var headers: [(String, String)] = []
        for line in String(decoding: raw[..<end], as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]), value = line[line.index(after: colon)...].drop { $0 == " " }
            if name == "Status" { status = Int(value.prefix { $0 != " " }) ?? 0 } else { headers.append((name, String(value))) }
        }
        return Response(status: status, headers: headers, body: Array(raw[(end + 4)...]))
    }
}

/// An OpenAI-like upstream: `POST .../chat/completions` answers by model name.
enum StubProvider {
    static func chat(model: String, content: String) -> String {
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"\#(model)","choices":[{"index":0,"#
            + #""message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#
    }

    static func handler(_ request: TinyHTTPRequest) -> TinyHTTPResponse? {
        guard request.path.hasSuffix("/chat/completions"),
              let body = try? JSON.parse(request.body), let model = body["model"]?.stringValue else { return nil }
        let stream = body["stream"]?.boolValue == true
        switch model {
        case "stub-404":
            return .json(404, #"{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found"}}"#)
        case "stub-huge":
            return .json(200, chat(model: model, content: String(repeating: "x", count: 8192)))
        case "stub-drop" where stream:
            return .chunked(status: 200, headers: [("Content-Type", "text/event-stream")], pieces: [], delayMs: 0, dropAtEnd: true)
        case "stub-mistral" where stream:
            let usage = #"{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}"#
            let events = [
                #"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}"#,
                #"{"id":"m1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":\#(usage)}"#,
                "[DONE]",
            ]
            return .chunked(status: 200, headers: [("Content-Type", "text/event-stream")],
                            pieces: events.map { Array("data: \($0)\n\n".utf8) }, delayMs: 5, dropAtEnd: false)
        default:
            if stream {
                let chunk = #"{"id":"s1","object":"chat.completion.chunk","created":1,"model":"\#(model)","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}"#
                return .chunked(status: 200, headers: [("Content-Type", "text/event-stream")],
                                pieces: [Array("data: \(chunk)\n\ndata: [DONE]\n\n".utf8)], delayMs: 0, dropAtEnd: false)
            }
            return .json(200, chat(model: model, content: "ok from \(model)"))
        }
    }
}
