public import RouteroCore

/// LiteLLM's `drop_params` semantics, shared by every adapter: a parameter the family cannot express
/// is dropped (with a debug log) when the deployment allows it, else the request fails with a 400
/// naming it in the client's own error shape.
public struct ParameterPolicy: Sendable {
    /// The deployment's `drop_params`.
    public let dropUnsupported: Bool
    /// The provider id, for messages.
    public let provider: String

    /// Creates the policy for a target.
    public init(target: UpstreamTarget) {
        self.dropUnsupported = target.dropUnsupportedParams
        self.provider = target.profile.id
    }

    /// Accepts or rejects one unsupported parameter.
    /// - Returns: normally; the caller then leaves the parameter out.
    /// - Throws: ``GatewayError/unsupportedParameter(_:provider:)`` unless parameters may be dropped.
    public func unsupported(_ name: String) throws(GatewayError) {
        guard dropUnsupported else { throw .unsupportedParameter(name, provider: provider) }
        Log.debug("dropped unsupported parameter", [("provider", provider), ("param", name)])
    }

    /// Applies ``unsupported(_:)`` to every extra of `call` addressed to another family.
    public func rejectForeignExtras(_ call: ChatCall, family: WireFamily) throws(GatewayError) {
        for extra in call.foreignExtras(for: family) { try unsupported(extra.name) }
    }
}
