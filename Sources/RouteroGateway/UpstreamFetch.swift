import RouteroCore
import RouteroCurl
import RouteroProviders
import RouteroSystem

/// A whole upstream answer, for the small calls that need no relay (token counts, token grants).
struct FetchedResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
}

extension Gateway {
    /// Sends `spec` and reads the whole answer (at most `limit` bytes) within `timeout` seconds,
    /// watching the client when there is one.
    func fetch(_ spec: UpstreamRequestSpec, provider: String, x: Exchange?, timeout: Double,
               limit: Int = 1 << 20) throws(GatewayError) -> FetchedResponse {
        try Self.fetch(spec, upstream: upstream, provider: provider, x: x, timeout: timeout, limit: limit,
                       connectTimeoutSeconds: config.server.connectTimeoutSeconds, via: x.map(viaValue))
    }

    static func fetch(_ spec: UpstreamRequestSpec, upstream: UpstreamClient, provider: String, x: Exchange?,
                      timeout: Double, limit: Int, connectTimeoutSeconds: Double, via: String?) throws(GatewayError)
        -> FetchedResponse
    {
        let transfer = upstream.start(UpstreamHTTPRequest(
            method: spec.method, url: spec.url, headers: spec.headers + (via.map { [(viaHeader, $0)] } ?? []),
            body: spec.body, connectTimeoutSeconds: connectTimeoutSeconds))
        var response = FetchedResponse(status: 0, headers: [], body: [])
        let deadline = Monotonic.now() + timeout
        while true {
            guard let event = (x.map { transfer.next(until: deadline, client: $0.request) } ?? transfer.next(until: deadline)) else {
                if let x, x.request.clientGone { transfer.cancel(); throw .internalError("client disconnected") }
                if Monotonic.now() > deadline { transfer.cancel(); throw .upstreamTimeout(provider: provider) }
                continue
            }
            switch event {
            case .head(let status, let headers):
                response.status = status
                response.headers = headers
            case .body(let bytes):
                response.body += bytes
                if response.body.count > limit {
                    transfer.cancel()
                    throw .upstreamResponseTooLarge(provider: provider, limit: limit)
                }
            case .end:
                return response
            case .failed(let failure):
                throw .upstreamUnreachable(provider: provider, detail: failure.message)
            }
        }
    }
}
