import RouteroConfig
import Testing

@Suite("RedisSettings.parse(url:)")
struct RedisURLTests {
    @Test func parsesFullURL() throws {
        let settings = try RedisSettings.parse(url: "redis://app:s%3Acret@cache.internal:6380/3")
        #expect(settings.host == "cache.internal" && settings.port == 6380 && settings.db == 3)
        #expect(settings.username == "app")
        #expect(settings.password?.value == "s:cret")
        #expect(settings.connectTimeoutMs == 100 && settings.commandTimeoutMs == 50)
        #expect(settings.description == "redis://app:<redacted>@cache.internal:6380/3")
    }

    @Test func defaults() throws {
        let settings = try RedisSettings.parse(url: "redis://127.0.0.1")
        #expect(settings == RedisSettings(host: "127.0.0.1", port: 6379, db: 0))
        #expect(try RedisSettings.parse(url: "redis://:pw@h/").password?.value == "pw")
        #expect(try RedisSettings.parse(url: "REDIS://h:1").port == 1)
    }

    @Test func ipv6() throws {
        let settings = try RedisSettings.parse(url: "redis://[::1]:7000/1")
        #expect(settings.host == "::1" && settings.port == 7000 && settings.db == 1)
        #expect(settings.description == "redis://[::1]:7000/1")
    }

    @Test(arguments: [
        ("http://h:1", "--redis: expected a URL of the form redis://[:password@]host:port[/db]"),
        ("redis://", "--redis: the URL has no host"),
        ("redis://h:0", "--redis: port must be an integer from 1 to 65535"),
        ("redis://h:x", "--redis: port must be an integer from 1 to 65535"),
        ("redis://h/-1", "--redis: database must be a non-negative integer"),
        ("redis://:%zz@h", "--redis: invalid percent-encoding in the URL's user info"),
    ])
    func rejects(url: String, expected: String) {
        do {
            _ = try RedisSettings.parse(url: url, keyPath: "--redis")
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.description == expected)
        }
    }
}
