/// RouteroSystem owns the POSIX plumbing the wrapper targets and the executable share: detached
/// threads (no Foundation), the task executor on blocking threads and the deadline timer that
/// suspended waits need, a monotonic clock, C `NAME=value` string arrays, and epoll sets with an
/// eventfd wake-up for the event loops (upstream I/O, client disconnects).
enum RouteroSystemModule {}
