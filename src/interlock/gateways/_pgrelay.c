/* The PostgreSQL gateway's native relay (interlock.gateways._pgrelay).
 *
 * A session whose state needs nothing from Python (no statement being judged, no held or replaced statement,
 * search_path at the login's, plain sockets) is handed to Relay.start(): one native thread (per Relay, one per
 * gateway) relays both directions of every such session on one epoll set, with no GIL, until it meets something
 * it does not answer; then it hands back everything it has not passed on, from a message boundary, for the
 * Python path to continue (pgnative._NativePath._native_back).  It passes on:
 *
 *   client -> server: whole messages of the types the Python path forwards unchanged in this state (Bind, Close,
 *     Describe, Execute, Flush, Sync, CopyData/Done/Fail), each at most MAX_SMALL bytes, and a simple Query or a
 *     Parse whose text's exact bytes, or digits-zeroed bytes, are in the verdict cache (a Cache the Python judge
 *     fills only with keys its own raw caches hold, and empties with them).  Everything else - FunctionCall,
 *     Terminate, a Query or Parse the cache does not hold, a malformed Parse, an unknown type, a bad or too large length - stops the relay *before*
 *     that message: nothing is forwarded that the Python path would judge, replace or refuse.
 *   server -> client: bytes as read, unless they (with the end of the previous read) hold a ParameterStatus
 *     name the Python path follows (client_encoding, search_path): then the read is handed back unsent.
 *
 * Any error (a socket's, memory) stops the session's relaying and says why: Python then closes or continues it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SMALL (1024 * 1024)
#define CACHE_TEXT_MAX 16384
#define ZEROED_TEXT_MAX 2048
#define CBUF_CAP (MAX_SMALL + 5 + 65536)
#define UBUF_CAP (256 * 1024)
#define READ_CHUNK 65536
#define TAIL 17
#define CACHE_MAX 100000

enum { K_EXACT = 1, K_ZEROED = 2, K_TX = 3, K_DENY = 4 }; /* DENY: exact texts never answered here */

/* ---------------------------------------------------------------- verdict cache ---------------------------- */

typedef struct {
    uint64_t h;
    size_t len;
    unsigned char *key; /* kind byte + bytes; NULL: empty slot */
    int val;
} entry;

typedef struct {
    PyObject_HEAD
    pthread_mutex_t mu;
    entry *tab;
    size_t cap, n;
} Cache;

static uint64_t hash_key(int kind, const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void cache_clear_locked(Cache *c) {
    for (size_t i = 0; i < c->cap; i++) {
        free(c->tab[i].key);
        c->tab[i].key = NULL;
    }
    c->n = 0;
}

/* -1: absent; else the entry's value.  Called with the mutex held. */
static int cache_find_locked(Cache *c, int kind, const unsigned char *p, size_t n) {
    uint64_t h = hash_key(kind, p, n);
    size_t mask = c->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        entry *e = &c->tab[i];
        if (!e->key)
            return -1;
        if (e->h == h && e->len == n + 1 && e->key[0] == kind && memcmp(e->key + 1, p, n) == 0)
            return e->val;
    }
}

static int cache_find(Cache *c, int kind, const unsigned char *p, size_t n) {
    pthread_mutex_lock(&c->mu);
    int v = cache_find_locked(c, kind, p, n);
    pthread_mutex_unlock(&c->mu);
    return v;
}

static PyObject *Cache_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    Cache *c = (Cache *)type->tp_alloc(type, 0);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->cap = 1 << 18; /* > 2 * CACHE_MAX: probes stay short */
    c->tab = calloc(c->cap, sizeof(entry));
    if (!c->tab) {
        Py_DECREF(c);
        return PyErr_NoMemory();
    }
    return (PyObject *)c;
}

static void Cache_dealloc(Cache *c) {
    if (c->tab) {
        cache_clear_locked(c);
        free(c->tab);
    }
    pthread_mutex_destroy(&c->mu);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyObject *Cache_add(Cache *c, PyObject *args) {
    int kind, val = 0;
    Py_buffer b;
    if (!PyArg_ParseTuple(args, "iy*|i", &kind, &b, &val))
        return NULL;
    if (kind < K_EXACT || kind > K_DENY || val < 0) {
        PyBuffer_Release(&b);
        PyErr_SetString(PyExc_ValueError, "bad cache entry");
        return NULL;
    }
    unsigned char *k = malloc((size_t)b.len + 1);
    if (!k) {
        PyBuffer_Release(&b);
        return PyErr_NoMemory();
    }
    k[0] = (unsigned char)kind;
    memcpy(k + 1, b.buf, (size_t)b.len);
    uint64_t h = hash_key(kind, b.buf, (size_t)b.len);
    pthread_mutex_lock(&c->mu);
    int added = 1;
    if (cache_find_locked(c, kind, b.buf, (size_t)b.len) >= 0) {
        pthread_mutex_unlock(&c->mu);
        free(k);
    } else if (c->n >= (kind == K_DENY ? c->cap / 2 : CACHE_MAX)) {
        /* full: an answer is not added (the Python path answers it); a denial not added is the caller's to act on */
        pthread_mutex_unlock(&c->mu);
        free(k);
        added = 0;
    } else {
        size_t mask = c->cap - 1, i = h & mask;
        while (c->tab[i].key)
            i = (i + 1) & mask;
        c->tab[i].h = h;
        c->tab[i].len = (size_t)b.len + 1;
        c->tab[i].key = k;
        c->tab[i].val = val;
        c->n++;
        pthread_mutex_unlock(&c->mu);
    }
    PyBuffer_Release(&b);
    return PyBool_FromLong(added);
}

static PyObject *Cache_get(Cache *c, PyObject *args) {
    int kind;
    Py_buffer b;
    if (!PyArg_ParseTuple(args, "iy*", &kind, &b))
        return NULL;
    int v = cache_find(c, kind, b.buf, (size_t)b.len);
    PyBuffer_Release(&b);
    if (v < 0)
        Py_RETURN_NONE;
    return PyLong_FromLong(v);
}

static PyObject *Cache_clear(Cache *c, PyObject *unused) {
    pthread_mutex_lock(&c->mu);
    cache_clear_locked(c);
    pthread_mutex_unlock(&c->mu);
    Py_RETURN_NONE;
}

static Py_ssize_t Cache_len(Cache *c) {
    pthread_mutex_lock(&c->mu);
    Py_ssize_t n = (Py_ssize_t)c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static PyMethodDef Cache_methods[] = {
    {"add", (PyCFunction)Cache_add, METH_VARARGS, "add(kind, key, value=0): an allowed verdict's key"},
    {"get", (PyCFunction)Cache_get, METH_VARARGS, "get(kind, key): the value, or None"},
    {"clear", (PyCFunction)Cache_clear, METH_NOARGS, "forget every key"},
    {NULL}};

static PySequenceMethods Cache_seq = {.sq_length = (lenfunc)Cache_len};

static PyTypeObject CacheType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "interlock.gateways._pgrelay.Cache",
    .tp_basicsize = sizeof(Cache),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Cache_new,
    .tp_dealloc = (destructor)Cache_dealloc,
    .tp_methods = Cache_methods,
    .tp_as_sequence = &Cache_seq,
    .tp_doc = "Keys of allowed verdicts the native relay may answer from (filled and emptied by pgwire.Judge).",
};

/* ---------------------------------------------------------------- the relay -------------------------------- */
/* One thread (started by the first Relay) serves every session handed to it, on one epoll set: a wake-up handles
 * as many ready sockets as there are, as PgBouncer's loop does.  Sessions come in through start() (a command
 * list and an eventfd), and go back to Python through the done list and an eventfd the asyncio loop watches. */

typedef struct {
    unsigned char *p;
    size_t off, len;
} outbuf;

struct sess;
typedef struct {
    struct sess *s;
    int up;
} side;

typedef struct sess {
    long long id;
    int cfd, ufd;
    int stopped, stop_req;
    const char *reason;
    int err;
    unsigned char *cbuf;
    size_t clen, ccap; /* client bytes not yet passed on, from a message's start */
    unsigned char *urest;
    size_t urlen;      /* an upstream read handed back unsent */
    outbuf oc, ou;     /* passed on but not yet taken by the client / the upstream */
    unsigned char tail[TAIL];
    size_t tlen;       /* the end of what was passed on to the client */
    int *tx;
    size_t ntx, maxtx; /* transaction starts/ends passed on, in order (the cache's values) */
    long long cached, passed;
    unsigned char *lastq;
    size_t lqlen, lqcap;
    int haslq;
    unsigned cev, uev; /* the epoll masks registered */
    side cs, us;
    struct sess *next;
} sess;

typedef struct {
    PyObject_HEAD
    Cache *cache;
    int ep, wakefd, donefd;
    pthread_mutex_t mu;
    sess *incoming, *done, *active;
    long long *stops;
    size_t nstops, capstops;
    unsigned char *ubuf;
    unsigned char zeroed[ZEROED_TEXT_MAX];
    int started;
} Relay;

static const unsigned char W_ENC[] = "client_encoding";  /* + NUL: 16 bytes */
static const unsigned char W_SP[] = "search_path";       /* + NUL: 12 bytes */
static const unsigned char W_GUARD[] = "Interlock guard: "; /* the in-database guard's refusal (guard_error) */

static int watched(const unsigned char *p, size_t n) {
    return memmem(p, n, W_ENC, sizeof W_ENC) != NULL || memmem(p, n, W_SP, sizeof W_SP) != NULL ||
           memmem(p, n, W_GUARD, sizeof W_GUARD - 1) != NULL;
}

static void sess_free(sess *s) {
    if (!s)
        return;
    free(s->cbuf);
    free(s->urest);
    free(s->oc.p);
    free(s->ou.p);
    free(s->tx);
    free(s->lastq);
    free(s);
}

/* 0: all written; 1: the rest kept in o; -1: error (errno) */
static int send_all(int fd, const unsigned char *p, size_t n, outbuf *o) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    if (!n)
        return 0;
    /* o is empty whenever something new is sent (its source is not read while it is not) */
    free(o->p);
    o->p = malloc(n);
    if (!o->p) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(o->p, p, n);
    o->off = 0;
    o->len = n;
    return 1;
}

static int flush_out(int fd, outbuf *o) {
    while (o->len) {
        ssize_t w = send(fd, o->p + o->off, o->len, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return -1;
        }
        o->off += (size_t)w;
        o->len -= (size_t)w;
    }
    free(o->p);
    o->p = NULL;
    o->off = 0;
    return 0;
}

/* A statement text whose digits-zeroed bytes are a key (ASCII only). */
static int cached_zeroed(Relay *r, sess *s, const unsigned char *raw, size_t rlen) {
    if (rlen > ZEROED_TEXT_MAX || rlen > CACHE_TEXT_MAX)
        return 0;
    for (size_t i = 0; i < rlen; i++) {
        unsigned char ch = raw[i];
        if (ch & 0x80)
            return 0; /* not ASCII: the Python path decides */
        r->zeroed[i] = (ch >= '0' && ch <= '9') ? '0' : ch;
    }
    if (cache_find(r->cache, K_ZEROED, r->zeroed, rlen) >= 0) {
        s->cached++;
        return 1;
    }
    return 0;
}

/* A statement text that is a key exactly, or by its zeroed digits (and not one the in-database guard refused). */
static int cached_text(Relay *r, sess *s, const unsigned char *raw, size_t rlen) {
    if (cache_find(r->cache, K_DENY, raw, rlen) >= 0)
        return 0;
    if (cache_find(r->cache, K_EXACT, raw, rlen) >= 0) {
        s->cached++;
        return 1;
    }
    return cached_zeroed(r, s, raw, rlen);
}

/* The last statement text passed on (a simple Query's, or a Parse's as the Python path's Parse branch sets it):
 * the Python path's last_q, what a guard error that follows refers to (guard_error).  0 when it can't be kept. */
static int keep_last(sess *s, const unsigned char *raw, size_t rlen) {
    if (rlen > s->lqcap) {
        unsigned char *b = malloc(rlen ? rlen : 1);
        if (!b)
            return 0;
        free(s->lastq);
        s->lastq = b;
        s->lqcap = rlen;
    }
    memcpy(s->lastq, raw, rlen);
    s->lqlen = rlen;
    s->haslq = 1;
    return 1;
}

/* Whether a whole client message may be passed on here; a Query from the cache is counted (and a transaction's
 * start or end logged).  0: stop before it. */
static int passes(Relay *r, sess *s, const unsigned char *m, size_t n) {
    switch (m[0]) {
    case 'B': case 'C': case 'D': case 'E': case 'H': case 'S': case 'c': case 'd': case 'f':
        return 1;
    case 'P': {
        /* Parse: name, text, parameter types.  Passed on only for a text the cache holds exactly or by its zeroed
         * digits (never a transaction's words: the Python path follows those it parses), as the Python path's
         * Parse branch answers from its verdict cache with nothing else to do in this state. */
        const unsigned char *body = m + 5, *end = m + n + 1;
        const unsigned char *name_end = memchr(body, 0, (size_t)(end - body));
        if (!name_end)
            return 0;
        const unsigned char *text = name_end + 1;
        const unsigned char *text_end = text < end ? memchr(text, 0, (size_t)(end - text)) : NULL;
        if (!text_end)
            return 0;
        size_t rest = (size_t)(end - text_end - 1);
        if (rest < 2 || rest != 2 + 4 * (size_t)((text_end[1] << 8) | text_end[2]))
            return 0; /* malformed: the Python path says so */
        if (!cached_text(r, s, text, (size_t)(text_end - text)))
            return 0;
        return keep_last(s, text, (size_t)(text_end - text));
    }
    case 'Q': {
        if (n < 5 || m[n] != 0)
            return 0;
        const unsigned char *raw = m + 5;
        size_t rlen = n - 5;
        if (memchr(raw, 0, rlen))
            return 0;
        int v = cache_find(r->cache, K_TX, raw, rlen);
        if (v >= 0) {
            if (s->ntx >= s->maxtx)
                return 0; /* Python follows the log so far, then hands the session back */
            s->tx[s->ntx++] = v;
            s->cached++;
            return 1;
        }
        if (!cached_text(r, s, raw, rlen))
            return 0;
        return keep_last(s, raw, rlen);
    }
    default:
        return 0;
    }
}

static void sess_stop(Relay *r, sess *s, const char *reason, int err, sess **finished) {
    if (s->stopped)
        return;
    s->stopped = 1;
    s->reason = reason;
    s->err = err;
    epoll_ctl(r->ep, EPOLL_CTL_DEL, s->cfd, NULL);
    epoll_ctl(r->ep, EPOLL_CTL_DEL, s->ufd, NULL);
    close(s->cfd);
    close(s->ufd);
    sess **pp = &r->active; /* out of the active list, onto this batch's finished list */
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp)
        *pp = s->next;
    s->next = *finished;
    *finished = s;
}

/* Frame s->cbuf[0:clen]: pass on the leading messages that pass.  1: go on; 0: stopped. */
static int client_frames(Relay *r, sess *s, sess **finished) {
    size_t pos = 0, need = 0;
    const char *stop = NULL;
    while (s->clen - pos >= 5) {
        const unsigned char *m = s->cbuf + pos;
        uint32_t n = ((uint32_t)m[1] << 24) | ((uint32_t)m[2] << 16) | ((uint32_t)m[3] << 8) | m[4];
        if (n < 4 || n > MAX_SMALL) {
            stop = "length";
            break;
        }
        if (s->clen - pos < (size_t)n + 1) {
            need = (size_t)n + 1; /* a message cut by the read: room for it whole, once those before are sent */
            break;
        }
        if (!passes(r, s, m, n)) {
            stop = "message";
            break;
        }
        s->passed++;
        pos += (size_t)n + 1;
    }
    if (pos) {
        int w = send_all(s->ufd, s->cbuf, pos, &s->ou);
        memmove(s->cbuf, s->cbuf + pos, s->clen - pos);
        s->clen -= pos;
        if (w < 0) {
            sess_stop(r, s, "upstream_error", errno, finished);
            return 0;
        }
    }
    if (stop) {
        sess_stop(r, s, stop, 0, finished);
        return 0;
    }
    if (need > s->ccap) { /* at most MAX_SMALL + 1 */
        size_t cap = s->ccap;
        while (cap < need)
            cap *= 2;
        unsigned char *b = malloc(cap);
        if (!b) {
            sess_stop(r, s, "memory", ENOMEM, finished);
            return 0;
        }
        memcpy(b, s->cbuf, s->clen);
        free(s->cbuf);
        s->cbuf = b;
        s->ccap = cap;
    }
    return 1;
}

static void tail_update(sess *s, const unsigned char *p, size_t n) {
    if (n >= TAIL) {
        memcpy(s->tail, p + n - TAIL, TAIL);
        s->tlen = TAIL;
    } else {
        size_t keep = s->tlen + n > TAIL ? TAIL - n : s->tlen;
        memmove(s->tail, s->tail + s->tlen - keep, keep);
        memcpy(s->tail + keep, p, n);
        s->tlen = keep + n;
    }
}

/* Straddling: the end of what was passed on and this read's start, together. */
static int watched_across(sess *s, const unsigned char *p, size_t n) {
    unsigned char w[2 * TAIL];
    size_t k = n < TAIL ? n : TAIL;
    memcpy(w, s->tail, s->tlen);
    memcpy(w + s->tlen, p, k);
    return watched(w, s->tlen + k);
}

static int set_events(Relay *r, sess *s) {
    unsigned c = (s->ou.len ? 0 : EPOLLIN) | (s->oc.len ? EPOLLOUT : 0);
    unsigned u = (s->oc.len ? 0 : EPOLLIN) | (s->ou.len ? EPOLLOUT : 0);
    struct epoll_event ev;
    if (c != s->cev) {
        ev.events = c;
        ev.data.ptr = &s->cs;
        if (epoll_ctl(r->ep, EPOLL_CTL_MOD, s->cfd, &ev) < 0)
            return -1;
        s->cev = c;
    }
    if (u != s->uev) {
        ev.events = u;
        ev.data.ptr = &s->us;
        if (epoll_ctl(r->ep, EPOLL_CTL_MOD, s->ufd, &ev) < 0)
            return -1;
        s->uev = u;
    }
    return 0;
}

static void on_client(Relay *r, sess *s, unsigned events, sess **finished) {
    if (s->oc.len && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        if (flush_out(s->cfd, &s->oc) < 0) {
            sess_stop(r, s, "client_error", errno, finished);
            return;
        }
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
        if (s->ou.len) { /* not read now: a hang-up is the Python path's to see */
            if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                sess_stop(r, s, "hangup", 0, finished);
            return;
        }
        if (s->clen == s->ccap) { /* cannot happen: client_frames makes room for a whole message */
            sess_stop(r, s, "length", 0, finished);
            return;
        }
        ssize_t n = recv(s->cfd, s->cbuf + s->clen, s->ccap - s->clen, 0);
        if (n == 0) {
            sess_stop(r, s, "client_eof", 0, finished);
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sess_stop(r, s, "client_error", errno, finished);
            return;
        }
        s->clen += (size_t)n;
        client_frames(r, s, finished);
    }
}

static void on_upstream(Relay *r, sess *s, unsigned events, sess **finished) {
    if (s->ou.len && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        if (flush_out(s->ufd, &s->ou) < 0) {
            sess_stop(r, s, "upstream_error", errno, finished);
            return;
        }
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
        if (s->oc.len) {
            if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                sess_stop(r, s, "hangup", 0, finished);
            return;
        }
        ssize_t n = recv(s->ufd, r->ubuf, UBUF_CAP, 0);
        if (n == 0) {
            sess_stop(r, s, "upstream_eof", 0, finished);
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sess_stop(r, s, "upstream_error", errno, finished);
            return;
        }
        if (watched(r->ubuf, (size_t)n) || watched_across(s, r->ubuf, (size_t)n)) {
            s->urest = malloc((size_t)n);
            if (s->urest) {
                memcpy(s->urest, r->ubuf, (size_t)n);
                s->urlen = (size_t)n;
                sess_stop(r, s, "watched", 0, finished);
            } else {
                sess_stop(r, s, "memory", ENOMEM, finished);  /* Python closes the session: bytes were lost */
            }
            return;
        }
        int w = send_all(s->cfd, r->ubuf, (size_t)n, &s->oc);
        tail_update(s, r->ubuf, (size_t)n);
        if (w < 0)
            sess_stop(r, s, "client_error", errno, finished);
    }
}

static void take_commands(Relay *r, sess **finished) {
    uint64_t junk;
    while (read(r->wakefd, &junk, sizeof junk) > 0) {
    }
    pthread_mutex_lock(&r->mu);
    sess *in = r->incoming;
    r->incoming = NULL;
    size_t nstops = r->nstops;
    long long stops[64];
    size_t k = nstops < 64 ? nstops : 64;
    memcpy(stops, r->stops, k * sizeof *stops);
    memmove(r->stops, r->stops + k, (nstops - k) * sizeof *stops);
    r->nstops -= k;
    if (r->nstops) { /* more next time round */
        uint64_t one = 1;
        if (write(r->wakefd, &one, sizeof one) < 0) {
        }
    }
    pthread_mutex_unlock(&r->mu);
    while (in) {
        sess *s = in;
        in = in->next;
        s->next = r->active;
        r->active = s;
        struct epoll_event ev;
        s->cs.s = s->us.s = s;
        s->cs.up = 0;
        s->us.up = 1;
        s->cev = s->uev = EPOLLIN;
        ev.events = EPOLLIN;
        ev.data.ptr = &s->cs;
        int bad = epoll_ctl(r->ep, EPOLL_CTL_ADD, s->cfd, &ev) < 0;
        ev.data.ptr = &s->us;
        if (!bad && epoll_ctl(r->ep, EPOLL_CTL_ADD, s->ufd, &ev) < 0)
            bad = 1;
        if (bad) {
            sess_stop(r, s, "poll_error", errno, finished);
            continue;
        }
        if (s->clen && client_frames(r, s, finished))
            if (set_events(r, s) < 0)
                sess_stop(r, s, "poll_error", errno, finished);
    }
    for (size_t i = 0; i < k; i++)
        for (sess *s = r->active; s; s = s->next)
            if (s->id == stops[i]) {
                sess_stop(r, s, "wake", 0, finished);
                break;
            }
}

/* Sessions the relay stopped go on the done list, and the Python side is woken to take them back. */
static void hand_back(Relay *r, sess *finished) {
    pthread_mutex_lock(&r->mu);
    while (finished) {
        sess *s = finished;
        finished = s->next;
        s->next = r->done;
        r->done = s;
    }
    pthread_mutex_unlock(&r->mu);
    uint64_t one = 1;
    if (write(r->donefd, &one, sizeof one) < 0) {
    }
}

static void *relay_main(void *arg) {
    Relay *r = arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(r->ep, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            n = 0; /* cannot happen with a valid set; every session goes back to Python */
            sess *finished = NULL;
            while (r->active)
                sess_stop(r, r->active, "poll_error", errno, &finished);
            hand_back(r, finished);
            usleep(1000);
            continue;
        }
        sess *finished = NULL;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                take_commands(r, &finished);
                continue;
            }
            side *sd = evs[i].data.ptr;
            sess *s = sd->s;
            if (s->stopped)
                continue;
            if (sd->up)
                on_upstream(r, s, evs[i].events, &finished);
            else
                on_client(r, s, evs[i].events, &finished);
            if (!s->stopped && set_events(r, s) < 0)
                sess_stop(r, s, "poll_error", errno, &finished);
        }
        if (finished)
            hand_back(r, finished);
    }
    return NULL;
}

static PyObject *Relay_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PyObject *cache;
    if (!PyArg_ParseTuple(args, "O!", &CacheType, &cache))
        return NULL;
    Relay *r = (Relay *)type->tp_alloc(type, 0);
    if (!r)
        return NULL;
    r->ep = r->wakefd = r->donefd = -1;
    pthread_mutex_init(&r->mu, NULL);
    Py_INCREF(cache);
    r->cache = (Cache *)cache;
    r->ubuf = malloc(UBUF_CAP);
    r->ep = epoll_create1(EPOLL_CLOEXEC);
    r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    r->donefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!r->ubuf || r->ep < 0 || r->wakefd < 0 || r->donefd < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        Py_DECREF(r);
        return NULL;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->wakefd, &ev) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        Py_DECREF(r);
        return NULL;
    }
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int e = pthread_create(&t, &at, relay_main, r);
    pthread_attr_destroy(&at);
    if (e) {
        errno = e;
        PyErr_SetFromErrno(PyExc_OSError);
        Py_DECREF(r);
        return NULL;
    }
    r->started = 1;
    Py_INCREF(r); /* the thread holds it for the life of the process */
    return (PyObject *)r;
}

static void Relay_dealloc(Relay *r) { /* only when it never started (the thread keeps a reference) */
    if (r->ep >= 0)
        close(r->ep);
    if (r->wakefd >= 0)
        close(r->wakefd);
    if (r->donefd >= 0)
        close(r->donefd);
    free(r->ubuf);
    free(r->stops);
    Py_XDECREF(r->cache);
    pthread_mutex_destroy(&r->mu);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

/* start(id, client_fd, upstream_fd, client_bytes, tail, max_tx): the relay owns the two fds (copies) from now on */
static PyObject *Relay_start(Relay *r, PyObject *args) {
    long long id;
    int cfd, ufd, maxtx;
    Py_buffer cin, tin;
    if (!PyArg_ParseTuple(args, "Liiy*y*i", &id, &cfd, &ufd, &cin, &tin, &maxtx))
        return NULL;
    sess *s = calloc(1, sizeof(sess));
    size_t cap = 16384;
    while (cap < (size_t)cin.len)
        cap *= 2;
    if (s) {
        s->ccap = cap;
        s->cbuf = malloc(cap);
        s->maxtx = maxtx > 0 ? (size_t)maxtx : 1;
        s->tx = malloc(sizeof(int) * s->maxtx);
    }
    if (!s || !s->cbuf || !s->tx || (size_t)cin.len > CBUF_CAP) {
        sess_free(s);
        PyBuffer_Release(&cin);
        PyBuffer_Release(&tin);
        return PyErr_NoMemory();
    }
    s->id = id;
    s->cfd = cfd;
    s->ufd = ufd;
    memcpy(s->cbuf, cin.buf, (size_t)cin.len);
    s->clen = (size_t)cin.len;
    s->tlen = (size_t)tin.len > TAIL ? TAIL : (size_t)tin.len;
    memcpy(s->tail, (const unsigned char *)tin.buf + tin.len - s->tlen, s->tlen);
    PyBuffer_Release(&cin);
    PyBuffer_Release(&tin);
    pthread_mutex_lock(&r->mu);
    s->next = r->incoming;
    r->incoming = s;
    pthread_mutex_unlock(&r->mu);
    uint64_t one = 1;
    if (write(r->wakefd, &one, sizeof one) < 0) {
    }
    Py_RETURN_NONE;
}

static PyObject *Relay_stop(Relay *r, PyObject *args) {
    long long id;
    if (!PyArg_ParseTuple(args, "L", &id))
        return NULL;
    pthread_mutex_lock(&r->mu);
    if (r->nstops == r->capstops) {
        size_t cap = r->capstops ? 2 * r->capstops : 16;
        long long *p = realloc(r->stops, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&r->mu);
            return PyErr_NoMemory();
        }
        r->stops = p;
        r->capstops = cap;
    }
    r->stops[r->nstops++] = id;
    pthread_mutex_unlock(&r->mu);
    uint64_t one = 1;
    if (write(r->wakefd, &one, sizeof one) < 0) {
    }
    Py_RETURN_NONE;
}

static PyObject *bytes_of(const unsigned char *p, size_t n) {
    return PyBytes_FromStringAndSize(p ? (const char *)p : "", (Py_ssize_t)n);
}

/* results() -> [(id, (reason, errno, client_rest, upstream_rest, to_client, to_upstream, tail, tx, cached,
 * passed)), ...] for the sessions handed back since the last call */
static PyObject *Relay_results(Relay *r, PyObject *unused) {
    uint64_t junk;
    if (read(r->donefd, &junk, sizeof junk) < 0) {
    }
    pthread_mutex_lock(&r->mu);
    sess *d = r->done;
    r->done = NULL;
    pthread_mutex_unlock(&r->mu);
    PyObject *out = PyList_New(0);
    while (d) {
        sess *s = d;
        d = d->next;
        if (out) {
            PyObject *tx = PyList_New((Py_ssize_t)s->ntx);
            if (tx)
                for (size_t i = 0; i < s->ntx; i++)
                    PyList_SET_ITEM(tx, (Py_ssize_t)i, PyLong_FromLong(s->tx[i]));
            PyObject *item = tx ? Py_BuildValue(
                "(L(siNNNNNNLLN))", s->id, s->reason, s->err, bytes_of(s->cbuf, s->clen),
                bytes_of(s->urest, s->urlen), bytes_of(s->oc.p ? s->oc.p + s->oc.off : NULL, s->oc.len),
                bytes_of(s->ou.p ? s->ou.p + s->ou.off : NULL, s->ou.len), bytes_of(s->tail, s->tlen), tx, s->cached,
                s->passed, s->haslq ? bytes_of(s->lastq, s->lqlen) : Py_NewRef(Py_None)) : NULL;
            if (!item || PyList_Append(out, item) < 0)
                Py_CLEAR(out);
            Py_XDECREF(item);
        }
        sess_free(s);
    }
    return out;
}

static PyObject *Relay_fileno(Relay *r, PyObject *unused) { return PyLong_FromLong(r->donefd); }

static PyMethodDef Relay_methods[] = {
    {"start", (PyCFunction)Relay_start, METH_VARARGS,
     "start(id, client_fd, upstream_fd, client_bytes, tail, max_tx): relay a session (the fds are the relay's "
     "to close)"},
    {"stop", (PyCFunction)Relay_stop, METH_VARARGS, "stop(id): hand the session back now"},
    {"results", (PyCFunction)Relay_results, METH_NOARGS, "the sessions handed back since the last call"},
    {"fileno", (PyCFunction)Relay_fileno, METH_NOARGS, "readable when results() has something"},
    {NULL}};

static PyTypeObject RelayType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "interlock.gateways._pgrelay.Relay",
    .tp_basicsize = sizeof(Relay),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Relay_new,
    .tp_dealloc = (destructor)Relay_dealloc,
    .tp_methods = Relay_methods,
    .tp_doc = "Relay(cache): the thread that relays sessions handed to it (see the module's comment).",
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pgrelay", "The PostgreSQL gateway's native relay.",
                                    -1, NULL};

PyMODINIT_FUNC PyInit__pgrelay(void) {
    if (PyType_Ready(&CacheType) < 0 || PyType_Ready(&RelayType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&CacheType);
    Py_INCREF(&RelayType);
    if (PyModule_AddObject(m, "Cache", (PyObject *)&CacheType) < 0 ||
        PyModule_AddObject(m, "Relay", (PyObject *)&RelayType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "EXACT", K_EXACT);
    PyModule_AddIntConstant(m, "ZEROED", K_ZEROED);
    PyModule_AddIntConstant(m, "TX", K_TX);
    PyModule_AddIntConstant(m, "DENY", K_DENY);
    return m;
}
