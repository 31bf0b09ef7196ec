/* CFastCGI: libfcgi's fcgiapp API plus the few POSIX bits Swift's Glibc module hides
 * (it is built without _GNU_SOURCE). Only RouteroFastCGI imports this module. */
#ifndef ROUTERO_CFASTCGI_SHIM_H
#define ROUTERO_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>

/* POLLRDHUP is a GNU extension: the peer (nginx) shut its side, i.e. the client went away. */
#define ROUTERO_POLLRDHUP 0x2000

/* Blocks every signal in the calling thread; threads created afterwards inherit the mask,
 * so SIGTERM/SIGINT reach only the dedicated sigwait thread. */
static inline int routero_block_signals(void) {
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGSEGV); sigdelset(&set, SIGBUS); sigdelset(&set, SIGILL);
    sigdelset(&set, SIGFPE); sigdelset(&set, SIGABRT); sigdelset(&set, SIGTRAP);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Waits for SIGTERM, SIGINT or SIGHUP and returns its number. */
static inline int routero_wait_for_stop_signal(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM); sigaddset(&set, SIGINT); sigaddset(&set, SIGHUP);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}
    return sig;
}

static inline void routero_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }
#endif
