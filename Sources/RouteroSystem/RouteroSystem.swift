/// RouteroSystem owns the POSIX plumbing the wrapper targets and the executable share: detached
/// threads (no Foundation), a monotonic clock, and C `NAME=value` string arrays.
enum RouteroSystemModule {}
