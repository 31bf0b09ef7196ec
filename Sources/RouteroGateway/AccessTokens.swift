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
        let id = "google:" + account.cacheID
        if let entry = usable(local.withLock { $0[id] }) { return entry.token }
        let result: Result<SharedTokenStore.Entry, GatewayError> = granting.withLock { _ in
            // Another thread of this process may have fetched it while this one waited.
            if let entry = usable(local.withLock { $0[id] }) { return .success(entry) }
            do throws(GatewayError) {
                return .success(try sharedOrGranted(account, id: id, requestID: requestID))
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

    private func sharedOrGranted(_ account: GoogleServiceAccount, id: String, requestID: String) throws(GatewayError)
        -> SharedTokenStore.Entry
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
        let entry = try grant(account, requestID: requestID)
        store.write(id, entry, ttlSeconds: (entry.expiresAt - Self.now()) - Self.margin(lifetime: entry.expiresAt - Self.now()))
        return entry
    }

    private func grant(_ account: GoogleServiceAccount, requestID: String) throws(GatewayError) -> SharedTokenStore.Entry {
        let issued = Self.now()
        let assertion = try GoogleJWTAssertion.make(for: account, now: issued)
        let spec = UpstreamRequestSpec(
            method: "POST", url: account.tokenURI,
            headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")],
            body: OAuthTokenGrant.requestBody(assertion: assertion))
        let response = try Gateway.fetch(spec, upstream: upstream, provider: "vertex_ai token endpoint", x: nil,
                                         timeout: Self.grantTimeoutSeconds, limit: 1 << 20,
                                         connectTimeoutSeconds: connectTimeoutSeconds, via: nil)
        let token = try OAuthTokenGrant.parse(status: response.status, body: response.body)
        Log.info("access token granted", [("id", requestID), ("provider", "vertex_ai"),
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
