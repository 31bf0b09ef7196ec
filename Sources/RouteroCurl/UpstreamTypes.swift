internal import CCurl

/// The HTTP version spoken to upstreams.
public enum UpstreamHTTPVersion: String, Sendable, CaseIterable {
    /// HTTP/1.1 only, one transfer per connection: pausing a slow client's transfer
    /// (back-pressure) stalls only that connection.
    case http1_1 = "1.1"
    /// HTTP/2 over TLS where the server offers it (ALPN), else HTTP/1.1.
    case http2 = "2"

    var curlValue: Int {
        switch self {
        case .http1_1: Int(CURL_HTTP_VERSION_1_1)
        case .http2: Int(CURL_HTTP_VERSION_2TLS)
        }
    }
}

/// What to send upstream. Built by a provider adapter; carried out by `UpstreamClient`.
public struct UpstreamHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Connect timeout; every later deadline is enforced by the caller through `cancel()`.
    public var connectTimeoutSeconds: Double
    public var httpVersion: UpstreamHTTPVersion

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8],
                connectTimeoutSeconds: Double = 10, httpVersion: UpstreamHTTPVersion = .http1_1) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.httpVersion = httpVersion
    }

    /// The connect timeout as libcurl takes it, clamped so an absurd configured value can never
    /// trap in the Double-to-Int conversion.
    var connectTimeoutMilliseconds: Int {
        guard connectTimeoutSeconds.isFinite, connectTimeoutSeconds > 0 else { return 10_000 }
        return Int(min(connectTimeoutSeconds, 86_400) * 1000)
    }
}

/// One step of an upstream response, in order: `head`, any number of `body`, then `end` or
/// `failed` (a transfer can fail before or after its head).
public enum UpstreamEvent: Sendable {
    /// Status and headers (names lower-cased), after any 1xx interim responses.
    case head(status: Int, headers: [(String, String)])
    case body([UInt8])
    case end
    case failed(UpstreamFailure)
}

/// Why an upstream transfer failed at the transport level.
public struct UpstreamFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case resolve, connect, tls, timeout
        /// The connection closed or broke mid-response.
        case brokenConnection = "broken_connection"
        case cancelled, other
    }
    public let kind: Kind
    /// libcurl's description; never contains request headers or bodies.
    public let message: String
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Counters that show whether connections are being reused.
public struct UpstreamStats: Sendable {
    public var transfers: Int
    public var newConnections: Int
    public var active: Int
    /// libcurl multi handles the loop has made (``CurlShard``; one until a burst needs more).
    public var multiHandles: Int
    /// Times a multi handle without transfers was recycled, closing its idle connections.
    public var multiHandlesRecycled: Int
}
