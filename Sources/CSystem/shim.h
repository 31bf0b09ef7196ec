/* CSystem: the Linux calls Swift's Glibc module hides (it is built without _GNU_SOURCE):
 * epoll and eventfd. Only RouteroSystem imports this module.
 *
 * struct epoll_event is packed on x86-64, which Swift cannot model reliably, so these wrappers
 * trade it for a plain (token, events) pair. */
#ifndef ROUTERO_CSYSTEM_SHIM_H
#define ROUTERO_CSYSTEM_SHIM_H
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <errno.h>

typedef struct { uint64_t token; uint32_t events; } routero_epoll_item;

static const uint32_t ROUTERO_EPOLLIN = EPOLLIN;
static const uint32_t ROUTERO_EPOLLOUT = EPOLLOUT;
static const uint32_t ROUTERO_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t ROUTERO_EPOLLHUP = EPOLLHUP;
static const uint32_t ROUTERO_EPOLLERR = EPOLLERR;
static const uint32_t ROUTERO_EPOLLONESHOT = EPOLLONESHOT;
static const int ROUTERO_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
static const int ROUTERO_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
static const int ROUTERO_EPOLL_CTL_DEL = EPOLL_CTL_DEL;

static inline int routero_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* Returns 0 or an errno value. */
static inline int routero_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(ep, op, fd, &ev) == 0 ? 0 : errno;
}

/* Waits like epoll_wait (retrying EINTR) and fills at most `max` (<= 256) items. */
static inline int routero_epoll_wait(int ep, routero_epoll_item *items, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do { n = epoll_wait(ep, evs, max, timeout_ms); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) { items[i].token = evs[i].data.u64; items[i].events = evs[i].events; }
    return n;
}

static inline int routero_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline void routero_eventfd_signal(int fd) { uint64_t one = 1; ssize_t r = write(fd, &one, sizeof one); (void)r; }
static inline void routero_eventfd_drain(int fd) { uint64_t n; ssize_t r = read(fd, &n, sizeof n); (void)r; }
#endif
