/* CHiredis: hiredis 0.14 (Debian 12). Commands go through the binary-safe argv forms;
 * only RouteroRedis imports this module. */
#ifndef ROUTERO_CHIREDIS_SHIM_H
#define ROUTERO_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>

static inline struct timeval routero_timeval_ms(long ms) {
    struct timeval tv; tv.tv_sec = ms / 1000; tv.tv_usec = (ms % 1000) * 1000; return tv;
}
#endif
