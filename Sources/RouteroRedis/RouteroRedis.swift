/// RouteroRedis owns the hiredis client: a bounded pool of blocking connections with connect and
/// command timeouts, reconnect on failure, and a short circuit breaker so a dead Redis costs
/// requests nothing but a flag check.
enum RouteroRedisModule {}
