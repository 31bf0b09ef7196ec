import RouteroCurl
import RouteroFastCGI
import RouteroSystem

extension UpstreamTransfer {
    /// The next upstream event; nil when `deadline` (``Monotonic`` seconds) passed or the client
    /// may have left; the caller then checks `request.clientGone` and its deadlines.
    ///
    /// The first wait hooks the FastCGI front's disconnect signal to this transfer (it interrupts
    /// the wait), so a held stream sleeps until its next chunk, its client leaves or its deadline,
    /// with no periodic wake-up. Until the front watches the request (it does not for the first
    /// `FastCGIRequest.watchAfterSeconds`, nor where it cannot), the wait wakes every
    /// `clientPollSeconds` to poll the client, as before.
    func next(until deadline: Double, client request: FastCGIRequest,
              inline: UpstreamTransfer.InlineConsumer? = nil) -> UpstreamEvent? {
        next(until: watching(request, until: deadline), inline: inline)
    }

    /// ``next(until:client:inline:)`` for a task: it suspends instead of holding its thread.
    func next(until deadline: Double, client request: FastCGIRequest,
              inline: UpstreamTransfer.InlineConsumer? = nil) async -> UpstreamEvent? {
        // A wait with an inline consumer is a stream relayed while it is held: watch it now.
        await next(until: watching(request, until: deadline, promptly: inline != nil), inline: inline)
    }

    /// Hooks the client's disconnect signal to this transfer; the deadline to wait until (the
    /// next client poll while the request is not watched).
    private func watching(_ request: FastCGIRequest, until deadline: Double, promptly: Bool = false) -> Double {
        let watched = request.signalClientGone(to: ObjectIdentifier(self), promptly: promptly) {
            { [self] in self.interrupt() }
        }
        return watched ? deadline : min(deadline, Monotonic.now() + clientPollSeconds)
    }
}
