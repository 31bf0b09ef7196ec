import RouteroCore

/// Loop detection. Every upstream request carries `x-routero-via: <id>,<id>,...`: the instance
/// ids of the Routero gateways it passed through, this one last. A request that arrives naming
/// this instance, or naming `server.max_hops` gateways already, is refused with 508 before it
/// costs anything: a deployment whose `api_base` points back at a gateway (directly, or through
/// other gateways) ends within a few hops instead of hammering itself.
extension Gateway {
    static let viaHeader = "x-routero-via"
    /// A longer header is itself a sign of a loop (or of abuse): 64 ids of 64 characters fit.
    static let maxViaBytes = 4160

    /// Reads the gateways this request already passed through into `x.via`.
    /// - Throws: 508 `loop_detected`.
    func checkLoop(_ x: inout Exchange) throws(GatewayError) {
        guard let header = x.request.header(Self.viaHeader), !header.isEmpty else { return }
        guard header.utf8.count <= Self.maxViaBytes else {
            throw .loopDetected("the request names too many gateways it passed through.")
        }
        let ids = header.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        if ids.contains(instanceID) {
            Log.warning("loop detected: the request came back to this gateway",
                        [("id", x.requestID), ("via", ids.joined(separator: ","))])
            throw .loopDetected("the request already passed through this gateway; a deployment's api_base "
                                + "points back at it.")
        }
        if ids.count >= config.server.maxHops {
            Log.warning("loop detected: too many gateway hops", [("id", x.requestID), ("via", ids.joined(separator: ","))])
            throw .loopDetected("the request already passed through \(ids.count) gateways (the limit is "
                                + "\(config.server.maxHops)).")
        }
        x.via = ids
    }

    /// The header value this gateway sends upstream.
    func viaValue(_ x: Exchange) -> String {
        (x.via + [instanceID]).joined(separator: ",")
    }
}
