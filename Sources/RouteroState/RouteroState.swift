/// RouteroState owns state that every worker on every host shares through Redis: the exact-match
/// response cache (`<namespace>:cache:v2:<sha256 of scope, route and body>`), OAuth access tokens,
/// and routing state (`Routing/`: cooldowns, probe leases, in-flight leases, latencies, under
/// `{<namespace>:rt:<group>}:*`) with its in-memory twin for tests and Redis outages.
enum RouteroStateModule {}
