/* CCurl: libcurl with typed, non-variadic wrappers (Swift cannot call C variadics).
 * Only RouteroCurl imports this module. */
#ifndef ROUTERO_CCURL_SHIM_H
#define ROUTERO_CCURL_SHIM_H
#define CURL_STRICTER 1   /* typed handles: CURL and CURLM become distinct opaque types */
#include <curl/curl.h>

static inline CURLcode routero_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode routero_curl_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode routero_curl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode routero_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode routero_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode routero_curl_setopt_writefn(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode routero_curl_setopt_headerfn(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode routero_curl_setopt_xferinfofn(CURL *h, curl_xferinfo_callback f) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f); }
/* Open/close socket callbacks: the loop counts the sockets behind its connections. */
static inline CURLcode routero_curl_setopt_opensocketfn(CURL *h, curl_opensocket_callback f) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, f); }
static inline CURLcode routero_curl_setopt_closesocketfn(CURL *h, curl_closesocket_callback f) { return curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, f); }
static inline CURLcode routero_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode routero_curl_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode routero_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
/* curl_multi_socket_action mode: curl tells us which sockets to watch and when to call back. */
static inline CURLMcode routero_curl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode routero_curl_multi_setopt_socketfn(CURLM *m, curl_socket_callback f) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f); }
static inline CURLMcode routero_curl_multi_setopt_timerfn(CURLM *m, curl_multi_timer_callback f) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f); }
static inline curl_socket_t routero_curl_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }
/* CURLMsg carries a union; these read it without Swift having to model the union. */
static inline CURL *routero_curl_msg_easy(CURLMsg *m) { return m->easy_handle; }
static inline CURLcode routero_curl_msg_result(CURLMsg *m) { return m->data.result; }
static inline int routero_curl_msg_is_done(CURLMsg *m) { return m->msg == CURLMSG_DONE; }
#endif
