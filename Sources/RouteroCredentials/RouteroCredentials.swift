/// RouteroCredentials owns the cryptography behind upstream credentials: Google service-account JWT
/// assertions and the OAuth token-grant exchange they feed (later: AWS SigV4). Pure: it builds and
/// parses bytes; the gateway does the I/O and the shared caching.
enum RouteroCredentialsModule {}
