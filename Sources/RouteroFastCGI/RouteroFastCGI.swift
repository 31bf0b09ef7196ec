/// RouteroFastCGI owns the FastCGI front: the listening socket, elastic request threads and
/// request/response streams. It knows HTTP only as far as CGI does, and nothing of LLMs.
///
/// Concurrency model (see README "Architecture"): one blocking thread per in-flight request.
/// libfcgi writes block, so each response is written by its own thread and a client that stops
/// reading only ever stalls the thread that serves it.
enum RouteroFastCGIModule {}
