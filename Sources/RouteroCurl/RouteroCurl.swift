/// RouteroCurl owns upstream HTTP: one libcurl multi loop per process, so every request thread
/// shares one connection pool (TLS sessions, DNS, keep-alive), with streamed response bodies,
/// back-pressure and cancellation. It knows HTTP, not LLMs.
enum RouteroCurlModule {}
