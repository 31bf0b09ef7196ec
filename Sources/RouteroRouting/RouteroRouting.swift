/// RouteroRouting owns turning a model string (configured group, `policies:` entry, wildcard,
/// `provider/model` or bare name) into an ordered plan of upstream targets: weighted selection,
/// strategies and breaker-aware ordering over a snapshot of shared state (`Health/`,
/// `Strategy/`), and the failover state machine (`Failover/`); pure.
enum RouteroRoutingModule {}
