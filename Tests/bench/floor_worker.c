/* Tests/bench/floor_worker.c -- the cheapest worker the fixed shape allows, as a bench reference.
 *
 * Not product code. It answers one question: what does "nginx -> FastCGI -> worker -> libcurl ->
 * upstream" cost on this machine when the worker does nothing but move bytes? It uses the same
 * libraries as Routero (libfcgi, libcurl), libfcgi's own model (a thread per concurrent request,
 * each in FCGX_Accept_r, kept FastCGI connections) and a blocking curl_easy_perform per request on
 * a per-thread easy handle (kept upstream connections, no hand-off between threads). No routing,
 * no validation, no JSON, no logs. bench.py runs it through deploy/run, so the front nginx and its
 * config are exactly the gateway's.
 *
 * Command line (what deploy/run passes): `check-config ...` exits 0; `serve ... --listen
 * unix:PATH ...` serves. Environment: FLOOR_UPSTREAM, a base URL the request URI is appended to
 * (empty: answer a fixed chat.completion without any upstream call); FLOOR_THREADS (default 64).
 * GET /health answers 200 without an upstream call. SIGTERM exits at once.
 */
#include <curl/curl.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int listen_fd;
static const char *upstream; /* NULL: fixed answer */

static const char fixed_answer[] =
    "{\"id\":\"chatcmpl-floor\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"bench\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the floor.\"},"
    "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,"
    "\"total_tokens\":11}}";

static void put_head(FCGX_Stream *out, long status, const char *content_type) {
    char head[512];
    int n = snprintf(head, sizeof head, "Status: %ld\r\nContent-Type: %s\r\n%s\r\n", status,
                     content_type ? content_type : "application/octet-stream",
                     content_type && strncmp(content_type, "text/event-stream", 17) == 0
                         ? "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n" : "");
    FCGX_PutStr(head, n, out);
}

static void answer(FCGX_Stream *out, long status, const char *body) {
    put_head(out, status, "application/json");
    FCGX_PutStr(body, (int)strlen(body), out);
}

struct relay {
    CURL *easy;
    FCGX_Stream *out;
    int head_sent;
};

/* Every piece curl reads goes to nginx at once (one FastCGI record, one write), as a stream needs. */
static size_t relay_piece(char *bytes, size_t size, size_t count, void *context) {
    struct relay *r = context;
    size_t n = size * count;
    if (!r->head_sent) {
        long status = 502;
        char *content_type = NULL;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &content_type);
        put_head(r->out, status, content_type);
        r->head_sent = 1;
    }
    if (FCGX_PutStr(bytes, (int)n, r->out) < 0 || FCGX_FFlush(r->out) < 0) return 0; /* client gone: abort */
    return n;
}

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    CURL *easy = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Authorization: Bearer floor");
    size_t capacity = 1 << 16;
    char *body = malloc(capacity);
    char url[4096];
    while (FCGX_Accept_r(&request) == 0) {
        size_t length = 0;
        int got;
        while ((got = FCGX_GetStr(body + length, (int)(capacity - length), request.in)) > 0) {
            length += (size_t)got;
            if (length == capacity) body = realloc(body, capacity *= 2);
        }
        const char *uri = FCGX_GetParam("REQUEST_URI", request.envp);
        if (uri && strcmp(uri, "/health") == 0) {
            answer(request.out, 200, "{\"status\":\"ok\"}");
        } else if (!upstream) {
            answer(request.out, 200, fixed_answer);
        } else {
            snprintf(url, sizeof url, "%s%s", upstream, uri ? uri : "/");
            struct relay r = {easy, request.out, 0};
            curl_easy_setopt(easy, CURLOPT_URL, url);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)length);
            curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, relay_piece);
            curl_easy_setopt(easy, CURLOPT_WRITEDATA, &r);
            curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
            CURLcode result = curl_easy_perform(easy);
            if (!r.head_sent) {
                long status = 0;
                curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
                if (result != CURLE_OK || status == 0) answer(request.out, 502, "{\"error\":\"upstream\"}");
                else put_head(request.out, status, "application/json");
            }
        }
        FCGX_Finish_r(&request);
    }
    return NULL;
}

static void on_term(int signal_number) {
    (void)signal_number;
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "check-config") == 0) return 0;
    const char *listen_path = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--listen") == 0 && strncmp(argv[i + 1], "unix:", 5) == 0) listen_path = argv[i + 1] + 5;
    if (argc < 2 || strcmp(argv[1], "serve") != 0 || !listen_path) {
        fprintf(stderr, "usage: floor_worker serve --listen unix:PATH [ignored options]\n");
        return 2;
    }
    const char *base = getenv("FLOOR_UPSTREAM");
    upstream = base && *base ? base : NULL;
    const char *threads_text = getenv("FLOOR_THREADS");
    int threads = threads_text ? atoi(threads_text) : 64;
    if (threads < 1) threads = 1;

    curl_global_init(CURL_GLOBAL_ALL);
    FCGX_Init();
    signal(SIGTERM, on_term);  /* after FCGX_Init, which installs its own handler */
    signal(SIGPIPE, SIG_IGN);
    unlink(listen_path);
    listen_fd = FCGX_OpenSocket(listen_path, 4096);
    if (listen_fd < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, &attributes, serve, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    fprintf(stderr, "floor_worker: %d threads on %s, upstream %s\n", threads, listen_path, upstream ? upstream : "none");
    for (;;) pause();
}
