import RouteroCore
import RouteroFrontEnds
import RouteroFastCGI
import RouteroSystem
import Glibc

/// One request/response exchange: the FastCGI request plus what the access log line needs.
struct Exchange {
    let request: FastCGIRequest
    let requestID: String
    let workerID: String
    let started = Monotonic.now()
    var status = 0
    var fields: [(String, String)] = []
    /// Set once the client authenticated; until then responses reveal nothing internal.
    var caller: CallerIdentity?
    /// Gateways this request already passed through (`x-routero-via`), oldest first.
    var via: [String] = []
    /// The deployment, provider and attempt number of the attempt under way (response headers).
    var answeredBy: (deployment: String, provider: String, attempt: Int)?
    /// When the current attempt's stream first wrote to the client (its time to first token, for
    /// latency-based routing); reset per attempt.
    var firstByteAt: Double?
    /// The entry format of the matched route: errors are written in its shape.
    var format: any ChatFrontEnd = Gateway.openAIFormat
    /// What the response cache did: `hit`, `miss`, `bypass`, `off`, `unavailable` (nil: not a cached route).
    var cacheState: String?
    /// Seconds spent waiting on upstreams and on retry delays, which are not the gateway's own time.
    var waited = 0.0
    /// OpenAI's `x-ratelimit-*` headers from the caller's admission (authenticated callers only).
    var rateLimitHeaders: [(String, String)] = []

    init(request: FastCGIRequest, workerID: String) {
        self.request = request
        self.workerID = workerID
        self.requestID = Exchange.incomingRequestID(request) ?? Exchange.newRequestID()
    }

    /// Headers every response carries; the worker's pid, and which deployment answered after how
    /// many attempts, only for an authenticated caller.
    var baseHeaders: [(String, String)] {
        guard caller != nil else { return [("x-request-id", requestID)] }
        var headers = [("x-request-id", requestID), ("x-routero-worker", workerID)]
        if let answeredBy {
            headers += [("x-routero-deployment", answeredBy.deployment), ("x-routero-provider", answeredBy.provider),
                        ("x-routero-attempts", String(answeredBy.attempt))]
        }
        if let cacheState { headers.append(("x-routero-cache", cacheState)) }
        headers.append(("x-routero-overhead-ms", Self.milliseconds(Monotonic.now() - started - waited)))
        return headers + rateLimitHeaders
    }

    /// `1.25`: milliseconds with two decimals (the gateway's own time is often well under one).
    static func milliseconds(_ seconds: Double) -> String {
        let hundredths = max(0, Int((seconds * 100_000).rounded()))
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    mutating func note(_ key: String, _ value: String) { fields.append((key, value)) }

    func requireMethod(_ allowed: [String]) throws(GatewayError) {
        if !allowed.contains(request.method) { throw .methodNotAllowed(request.method) }
    }

    mutating func sendJSON(_ status: Int, _ object: JSONObject, extraHeaders: [(String, String)] = []) {
        sendBody(status, JSON.serialize(.object(object)), contentType: "application/json", extraHeaders: extraHeaders)
    }

    mutating func sendBody(_ status: Int, _ body: [UInt8], contentType: String, extraHeaders: [(String, String)] = []) {
        self.status = status
        let headers = [("Content-Type", contentType)] + baseHeaders + extraHeaders
        request.respond(status: status, headers: headers, body: request.method == "HEAD" ? [] : body)
    }

    /// Sends `error` in the route's format (OpenAI's shape outside the chat routes), unless a
    /// response is already under way (then the caller has reported the error in-stream).
    mutating func fail(_ error: GatewayError) {
        note("error", error.code ?? error.type)
        if request.headCommitted { return }
        sendBody(format.status(for: error), format.errorBody(error), contentType: "application/json",
                 extraHeaders: error.headers)
    }

    func logCompletion() {
        let ms = Int((Monotonic.now() - started) * 1000)
        var line: [(String, String)] = [
            ("id", requestID), ("method", request.method), ("path", request.path),
            ("status", String(status)), ("ms", String(ms)),
        ]
        line += fields
        if status >= 500 { Log.warning("request", line) } else { Log.info("request", line) }
    }

    /// Reuses nginx's or the client's request id when it is short and plain, so one id follows a
    /// request through every log.
    private static func incomingRequestID(_ request: FastCGIRequest) -> String? {
        guard let id = request.header("x-request-id"), !id.isEmpty, id.utf8.count <= 128,
              id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122)
                                   || $0 == 45 || $0 == 95 || $0 == 46 }) else { return nil }
        return id
    }

    private static func newRequestID() -> String {
        // Two 64-bit draws (each a getrandom call) give 24 hex digits, not one draw per digit.
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        let a = rng.next(), b = rng.next()
        var id = "req_"
        for i in 0..<16 { id.append(hex[Int((a >> (4 * UInt64(i))) & 15)]) }
        for i in 0..<8 { id.append(hex[Int((b >> (4 * UInt64(i))) & 15)]) }
        return id
    }
}
