/// RouteroProviders owns the provider catalog (one row per OpenAI-compatible provider) and the pure
/// wire adapters that turn a canonical request into an upstream request and an upstream error into a
/// client error; no I/O.
enum RouteroProvidersModule {}
