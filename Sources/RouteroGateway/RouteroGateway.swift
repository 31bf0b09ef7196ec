/// RouteroGateway owns HTTP semantics on top of FastCGI: endpoints, auth, the upstream executor
/// (adapter → libcurl → adapter), the SSE relay and the response cache policy.
enum RouteroGatewayModule {}
