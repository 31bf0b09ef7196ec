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
        next(until: watching(request, until: deadline).deadline, inline: inline)
    }

    /// ``next(until:client:inline:)`` for a task: it suspends instead of holding its thread.
    /// `renew` moves the deadline while the wait lasts (``UpstreamTransfer/next(until:inline:renew:)``);
    /// it is dropped while the client is polled, whose deadline must hold.
    func next(until deadline: Double, client request: FastCGIRequest,
              inline: UpstreamTransfer.InlineConsumer? = nil,
              renew: (@Sendable () -> Double)? = nil) async -> UpstreamEvent? {
        // A wait with an inline consumer is a stream relayed while it is held: watch it now.
        let watch = watching(request, until: deadline, promptly: inline != nil)
        return await next(until: watch.deadline, inline: inline, renew: watch.watched ? renew : nil)
    }

    /// Hooks the client's disconnect signal to this transfer; whether the front now watches the
    /// client, and the deadline to wait until (the next client poll while it does not).
    private func watching(_ request: FastCGIRequest, until deadline: Double,
                          promptly: Bool = false) -> (deadline: Double, watched: Bool) {
        let watched = request.signalClientGone(to: ObjectIdentifier(self), promptly: promptly) {
            { [self] in self.interrupt() }
        }
        return (watched ? deadline : min(deadline, Monotonic.now() + clientPollSeconds), watched)
    }
}
