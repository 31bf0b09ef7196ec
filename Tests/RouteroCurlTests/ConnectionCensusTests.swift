@testable import RouteroCurl
import Testing

struct ConnectionCensusTests {
    let origin = "http://127.0.0.1:8099"

    @Test func theOriginIsSchemeHostAndPortAsWritten() {
        #expect(ConnectionCensus.origin(of: "http://127.0.0.1:8099/v1/chat/completions") == origin)
        #expect(ConnectionCensus.origin(of: "https://api.example.com?x=1") == "https://api.example.com")
        #expect(ConnectionCensus.origin(of: "https://api.example.com") == "https://api.example.com")
        #expect(ConnectionCensus.origin(of: "not a url") == "not a url")
    }

    @Test func anOriginNeverSeenHasNoIdleConnection() {
        #expect(!ConnectionCensus().mayHaveIdleConnection(to: origin))
    }

    @Test func aConnectionIsIdleOnceItsTransferEnds() {
        var c = ConnectionCensus()
        c.transferStarted(to: origin, fresh: true)
        c.socketOpened(5, to: origin, firstOfFresh: true)
        #expect(!c.mayHaveIdleConnection(to: origin))
        c.transferEnded(to: origin, freshUnopened: false)
        #expect(c.mayHaveIdleConnection(to: origin))
        // The next transfer takes it; the one after must open its own.
        c.transferStarted(to: origin, fresh: false)
        #expect(!c.mayHaveIdleConnection(to: origin))
        c.socketClosed(5)
        c.transferEnded(to: origin, freshUnopened: false)
        #expect(c.counts.isEmpty)
    }

    /// A fresh transfer that has not opened its socket will not take an idle connection, so
    /// the idle one is still there for the next transfer.
    @Test func aFreshTransferStillConnectingLeavesTheIdleConnectionToOthers() {
        var c = ConnectionCensus()
        c.transferStarted(to: origin, fresh: true)
        c.socketOpened(5, to: origin, firstOfFresh: true)
        c.transferStarted(to: origin, fresh: true)   // no idle: fresh, still connecting
        c.transferEnded(to: origin, freshUnopened: false)  // the first ends: its connection is idle
        #expect(c.mayHaveIdleConnection(to: origin))
        c.socketOpened(6, to: origin, firstOfFresh: true)  // the second connects
        #expect(c.mayHaveIdleConnection(to: origin))
    }

    @Test func aSecondAddressTriedWhileConnectingOnlyMakesCurlLook() {
        var c = ConnectionCensus()
        c.transferStarted(to: origin, fresh: true)
        c.socketOpened(5, to: origin, firstOfFresh: true)
        c.socketOpened(6, to: origin, firstOfFresh: false)
        #expect(c.mayHaveIdleConnection(to: origin))
        c.socketClosed(6)
        #expect(!c.mayHaveIdleConnection(to: origin))
    }

    @Test func aFreshTransferThatFailsBeforeConnectingLeavesNoTrace() {
        var c = ConnectionCensus()
        c.transferStarted(to: origin, fresh: true)
        c.transferEnded(to: origin, freshUnopened: true)
        #expect(c.counts.isEmpty)
        c.socketClosed(42)  // never seen: ignored
        #expect(c.counts.isEmpty)
    }

    @Test func originsAreCountedApart() {
        var c = ConnectionCensus()
        c.transferStarted(to: origin, fresh: true)
        c.socketOpened(5, to: origin, firstOfFresh: true)
        c.transferEnded(to: origin, freshUnopened: false)
        #expect(c.mayHaveIdleConnection(to: origin))
        #expect(!c.mayHaveIdleConnection(to: "http://127.0.0.1:8100"))
    }
}
