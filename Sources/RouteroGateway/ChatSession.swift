import RouteroCore
import RouteroFrontEnds
import RouteroProviders

/// One chat request as the executor sees it: the client's entry format, its native body, and the
/// canonical call, decoded once and only when a provider of another family needs it.
struct ChatSession {
    let frontEnd: any ChatFrontEnd
    let native: NativeChat
    private var canonicalCall: ChatCall?

    init(frontEnd: any ChatFrontEnd, native: NativeChat) {
        self.frontEnd = frontEnd
        self.native = native
    }

    mutating func canonical() throws(GatewayError) -> ChatCall {
        if let canonicalCall { return canonicalCall }
        let call = try frontEnd.canonical(native)
        canonicalCall = call
        return call
    }
}
