import Glibc
import RouteroCore
import RouteroCredentials
import RouteroCurl
import RouteroProviders
import RouteroState
import RouteroSystem
import Synchronization

/// OAuth access tokens for upstreams that need them (Vertex AI service accounts): cached in the
/// process, shared through Redis (``SharedTokenStore``), and granted by one worker of the fleet per
/// expiry window — the others wait briefly for its token instead of asking Google themselves.
final class AccessTokens: Sendable {
    private let store: SharedTokenStore
    private let upstream: UpstreamClient
    private let connectTimeoutSeconds: Double
    private let local = Mutex<[String: SharedTokenStore.Entry]>([:])
    /// One grant at a time in this process (grants are rare: one per key per hour).
    private let granting = Mutex<Void>(())

    /// How long a worker waits for another worker's grant before granting itself.
    static let waitForPeerSeconds = 5.0
    static let grantTimeoutSeconds = 10.0

    init(store: SharedTokenStore, upstream: UpstreamClient, connectTimeoutSeconds: Double) {
        self.store = store
        self.upstream = upstream
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// A live access token for the service account `json`.
    func token(serviceAccount json: String, requestID: String) throws(GatewayError) -> String {
        let account = try GoogleServiceAccount(json: json)
        return try token(id: "google:" + account.cacheID, requestID: requestID) { () throws(GatewayError) in
            try self.grant(account, requestID: requestID)
        }
    }

    /// A live Azure OpenAI token for the Entra app `client` (client-credentials grant).
    func token(entra client: EntraClient, requestID: String) throws(GatewayError) -> String {
        let id = "entra:" + String(SHA256.hex(Array((client.tokenURL + "\n" + client.clientID + "\n" + client.clientSecret).utf8)).prefix(32))
        return try token(id: id, requestID: requestID) { () throws(GatewayError) in
            let spec = UpstreamRequestSpec(
                method: "POST", url: client.tokenURL,
                headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")],
                body: OAuthTokenGrant.clientCredentialsBody(clientID: client.clientID, clientSecret: client.clientSecret,
                                                            scope: OAuthTokenGrant.cognitiveServicesScope))
            return try self.exchange(spec, provider: "azure", requestID: requestID)
        }
    }

    /// The token cached under `id`: this process's copy, else the fleet's in Redis, else a new
    /// grant by `grant` (one worker of the fleet at a time).
    private func token(id: String, requestID: String,
                       grant: () throws(GatewayError) -> SharedTokenStore.Entry) throws(GatewayError) -> String {
        if let entry = usable(local.withLock { $0[id] }) { return entry.token }
        let result: Result<SharedTokenStore.Entry, GatewayError> = granting.withLock { _ in
            // Another thread of this process may have fetched it while this one waited.
            if let entry = usable(local.withLock { $0[id] }) { return .success(entry) }
            do throws(GatewayError) {
                return .success(try sharedOrGranted(id: id, requestID: requestID, grant: grant))
            } catch {
                return .failure(error)
            }
        }
        let entry = try result.get()
        local.withLock { $0[id] = entry }
        return entry.token
    }

    /// A stored token is used until `margin` before it expires.
    private func usable(_ entry: SharedTokenStore.Entry?) -> SharedTokenStore.Entry? {
        guard let entry else { return nil }
        return entry.expiresAt - Self.now() > Self.margin(lifetime: entry.expiresAt - Self.now()) ? entry : nil
    }

    /// Refresh 5 minutes early, or a quarter of the lifetime for short-lived tokens (tests).
    static func margin(lifetime: Int) -> Int { min(300, max(1, lifetime / 4)) }

    private func sharedOrGranted(id: String, requestID: String, grant: () throws(GatewayError) -> SharedTokenStore.Entry)
        throws(GatewayError) -> SharedTokenStore.Entry
    {
        if let entry = usable(store.read(id)) { return entry }
        var locked = store.tryLock(id, ms: Int(Self.grantTimeoutSeconds * 1000) + 2000)
        if !locked {
            // A peer is granting: its token appears in Redis within a round trip to Google.
            let deadline = Monotonic.now() + Self.waitForPeerSeconds
            while Monotonic.now() < deadline {
                usleep(50_000)
                if let entry = usable(store.read(id)) { return entry }
            }
            Log.warning("token grant by another worker did not arrive; granting here", [("id", requestID)])
            locked = true
        }
        defer { if locked { store.unlock(id) } }
        let entry = try grant()
        store.write(id, entry, ttlSeconds: (entry.expiresAt - Self.now()) - Self.margin(lifetime: entry.expiresAt - Self.now()))
        return entry
    }

    private func grant(_ account: GoogleServiceAccount, requestID: String) throws(GatewayError) -> SharedTokenStore.Entry {
        let assertion = try GoogleJWTAssertion.make(for: account, now: Self.now())
        let spec = UpstreamRequestSpec(
            method: "POST", url: account.tokenURI,
            headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")],
            body: OAuthTokenGrant.requestBody(assertion: assertion))
        return try exchange(spec, provider: "vertex_ai", requestID: requestID)
    }

    /// Posts a token request and reads the token and its lifetime.
    private func exchange(_ spec: UpstreamRequestSpec, provider: String, requestID: String) throws(GatewayError)
        -> SharedTokenStore.Entry
    {
        let issued = Self.now()
        let response = try Gateway.fetch(spec, upstream: upstream, provider: "\(provider) token endpoint", x: nil,
                                         timeout: Self.grantTimeoutSeconds, limit: 1 << 20,
                                         connectTimeoutSeconds: connectTimeoutSeconds, via: nil)
        let token = try OAuthTokenGrant.parse(status: response.status, body: response.body, provider: provider)
        Log.info("access token granted", [("id", requestID), ("provider", provider),
                                          ("expires_in", String(token.expiresInSeconds)),
                                          ("shared", store.isShared ? "redis" : "process")])
        return SharedTokenStore.Entry(token: token.accessToken, expiresAt: issued + token.expiresInSeconds)
    }

    static func now() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int(spec.tv_sec)
    }
}
