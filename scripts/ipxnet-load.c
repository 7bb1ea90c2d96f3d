/*
 * ipxnet-load: a load generator speaking the DOSBox IPXNET protocol (bare IPX in UDP), for
 * `npm run bench:peers` (scripts/bench-peers.ts builds it with the machine's gcc into a cache dir).
 * Compiled, so that the generator is not what limits a server.
 *
 * Protocol facts: ../shared/tools/dosbox/README.md Part 1. A client registers with a 30-byte
 * datagram to socket 2 whose destination node bytes 10-13 are zero ([074] ipxserver.cpp:175-177);
 * the server answers with an ack whose destination node is the client's ip:port node, and from then
 * on relays bare IPX datagrams: a broadcast (dst node bytes 10-13 FF FF FF FF) to every other client,
 * a unicast to the client whose ip:port is the destination node ([074] ipxserver.cpp:67-118).
 *
 *   ipxnet-load HOST PORT LOAD [key=value ...]
 *
 * LOAD is one of
 *   echo       client A keeps `window` frames in flight to client B, B returns each one to A;
 *              reports the round trip (A to B to A through the server) and the rate of returns.
 *              window=1 is a ping-pong.
 *   broadcast  `clients` clients, the first `senders` of them broadcasting at `hz` each (evenly
 *              phased, as DOOM's ticks are); reports the one-way delay of every copy received.
 *   blast      client A sends unicasts to B as fast as its socket takes them; reports the rate B
 *              received at and the one-way delay of what arrived.
 * Common keys: size (frame bytes, default 64), seconds (load duration, default 2), samples (echo:
 * stop after this many round trips, default unbounded within seconds), warmup (seconds at the start
 * whose delays are not sampled, default 0.3; the load and its counts include them).
 *
 * Prints one JSON object on stdout. Everything is bounded in time: registration waits at most 2 s a
 * client (4 tries), a load at most `seconds` (at most 30) plus a 300 ms drain. Loopback only is the
 * caller's business (it passes 127.x addresses).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define HEADER 30
#define MAX_CLIENTS 256
#define MAGIC 0x49504c44u /* "IPLD": marks our frames among anything else a server sends */
#define MAX_SAMPLES 4000000
#define BATCH 64

struct client {
  int fd;
  uint8_t node[6];      /* ip (4) + port (2), as the server's ack named it */
  uint32_t seq;
};

static struct client clients[MAX_CLIENTS];
static int nclients;
static struct sockaddr_in server;
static int frame_size = 64;
static double seconds = 2.0;
/* Latency samples start after this long: a server's first packets meet cold code (a JIT's, a
 * page cache's); the load runs through the warm-up all the same. */
static double warmup = 0.3;
static uint64_t sample_from;
static long max_samples = 0;

static uint32_t *samples;       /* delays in ns */
static long nsamples;
static long received, sent, send_fail, foreign;

static uint64_t now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die (const char *what) {
  printf("{\"error\":\"%s: %s\"}\n", what, strerror(errno));
  exit(2);
}

static void put16 (uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32 (uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static uint32_t get32 (const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

/* A DOSBox IPX header: checksum FFFF, length, tc 0, type 0, dst net 0 + node + socket, src likewise. */
static void header (uint8_t *b, int len, const uint8_t *dst, const uint8_t *src, unsigned socket) {
  memset(b, 0, HEADER);
  b[0] = 0xff; b[1] = 0xff;
  put16(b + 2, (unsigned)len);
  memcpy(b + 10, dst, 6);
  put16(b + 16, socket);
  memcpy(b + 22, src, 6);
  put16(b + 28, socket);
}

/* Payload after the header: magic (4), sender index (2), pad (2), send time ns (8). */
static void stamp (uint8_t *b, int sender, uint64_t t) {
  put32(b + HEADER, MAGIC);
  put16(b + HEADER + 4, (unsigned)sender);
  put32(b + HEADER + 8, (uint32_t)(t >> 32));
  put32(b + HEADER + 12, (uint32_t)t);
}

static int ours (const uint8_t *b, ssize_t n) {
  return n >= HEADER + 16 && b[0] == 0xff && b[1] == 0xff && get32(b + HEADER) == MAGIC;
}

static uint64_t sent_at (const uint8_t *b) {
  return ((uint64_t)get32(b + HEADER + 8) << 32) | get32(b + HEADER + 12);
}

static void record (uint64_t delay) {
  if (now_ns() < sample_from) return;
  if (nsamples < MAX_SAMPLES) samples[nsamples++] = delay > 0xffffffffu ? 0xffffffffu : (uint32_t)delay;
}

static int open_client (int rcvbuf) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = { .sin_family = AF_INET };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0) die("connect");
  return fd;
}

/* Registers one client: 30 bytes, dst socket 2, every node and network zero; up to 4 tries. */
static int register_client (struct client *c) {
  uint8_t reg[HEADER], zero[6] = { 0 }, buf[2048];
  header(reg, HEADER, zero, zero, 2);
  for (int attempt = 0; attempt < 4; attempt++) {
    if (send(c->fd, reg, sizeof reg, 0) < 0 && errno != EAGAIN) return -1;
    uint64_t until = now_ns() + 500000000ull;
    while (now_ns() < until) {
      struct pollfd p = { .fd = c->fd, .events = POLLIN };
      int left = (int)((until - now_ns()) / 1000000) + 1;
      if (poll(&p, 1, left) <= 0) continue;
      ssize_t n = recv(c->fd, buf, sizeof buf, 0);
      if (n >= HEADER && buf[16] == 0 && buf[17] == 2 && buf[28] == 0 && buf[29] == 2) {
        memcpy(c->node, buf + 10, 6);
        return 0;
      }
    }
  }
  return -1;
}

static void setup (int n, int rcvbuf) {
  for (int i = 0; i < n; i++) {
    clients[i].fd = open_client(rcvbuf);
    if (register_client(&clients[i]) != 0) {
      printf("{\"error\":\"client %d of %d got no registration ack\",\"registered\":%d}\n", i + 1, n, i);
      exit(3);
    }
    nclients = i + 1;
  }
  sample_from = now_ns() + (uint64_t)(warmup * 1e9);
}

static int cmp32 (const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct (double p) {
  if (nsamples == 0) return -1;
  long i = (long)(p * (double)(nsamples - 1) + 0.5);
  return samples[i] / 1000.0;
}

static void report (const char *load, double elapsed, long expected) {
  qsort(samples, (size_t)nsamples, sizeof *samples, cmp32);
  printf("{\"load\":\"%s\",\"clients\":%d,\"sent\":%ld,\"received\":%ld,\"expected\":%ld,\"sendFailed\":%ld,"
         "\"foreign\":%ld,\"seconds\":%.4f,\"rate\":%.1f,\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f}\n",
         load, nclients, sent, received, expected, send_fail, foreign, elapsed,
         elapsed > 0 ? received / elapsed : 0, pct(0.5), pct(0.99), pct(1.0));
}

/* ---- echo: A keeps `window` in flight to B; B returns each; A measures the round trip. ---- */
static void load_echo (int window) {
  setup(2, 0);
  struct client *a = &clients[0], *b = &clients[1];
  uint8_t out[2048], in[2048];
  int inflight = 0;
  uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), last_rx = start;
  long lost = 0;
  while (now_ns() < end && (max_samples == 0 || nsamples < max_samples)) {
    while (inflight < window) {
      header(out, frame_size, b->node, a->node, 0x4000);
      stamp(out, 0, now_ns());
      if (send(a->fd, out, (size_t)frame_size, 0) < 0) { send_fail++; break; }
      sent++;
      inflight++;
    }
    struct pollfd p[2] = { { .fd = a->fd, .events = POLLIN }, { .fd = b->fd, .events = POLLIN } };
    if (poll(p, 2, 20) == 0) {
      /* Nothing for 20 ms: what is in flight is lost (a drop somewhere); start the window again. */
      if (now_ns() - last_rx > 20000000ull) { lost += inflight; inflight = 0; }
      continue;
    }
    if (p[1].revents & POLLIN) {
      ssize_t n;
      while ((n = recv(b->fd, in, sizeof in, 0)) > 0) {
        if (!ours(in, n)) { foreign++; continue; }
        /* B returns it to A, unchanged payload, addresses swapped. */
        memcpy(in + 10, a->node, 6);
        memcpy(in + 22, b->node, 6);
        if (send(b->fd, in, (size_t)n, 0) < 0) send_fail++;
      }
    }
    if (p[0].revents & POLLIN) {
      ssize_t n;
      while ((n = recv(a->fd, in, sizeof in, 0)) > 0) {
        if (!ours(in, n)) { foreign++; continue; }
        uint64_t t = now_ns();
        record(t - sent_at(in));
        received++;
        last_rx = t;
        if (inflight > 0) inflight--;
      }
    }
  }
  double elapsed = (now_ns() - start) / 1e9;
  (void)lost;
  report(window == 1 ? "pingpong" : "inflight", elapsed, sent);
}

/* ---- broadcast: `senders` of `n` clients broadcast at `hz`; every copy's one-way delay. ---- */
static void load_broadcast (int n, int senders, double hz) {
  setup(n, 0);
  int ep = epoll_create1(0);
  for (int i = 0; i < n; i++) {
    struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &e);
  }
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event te = { .events = EPOLLIN, .data.u32 = 0xffffffffu };
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &te);
  /* Sender k sends at start + k * period / senders + j * period: evenly phased. */
  uint64_t period = (uint64_t)(1e9 / hz), start = now_ns() + 1000000ull;
  uint64_t stop = start + (uint64_t)(seconds * 1e9);
  long slot = 0;  /* the j * senders + k of the next send */
  uint8_t out[2048], in[2048], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  uint64_t drain_until = 0;
  for (;;) {
    uint64_t due = start + (uint64_t)(slot / senders) * period + (uint64_t)(slot % senders) * period / (uint64_t)senders;
    uint64_t t = now_ns();
    if (due < stop) {
      if (t >= due) {
        int k = (int)(slot % senders);
        header(out, frame_size, bcast, clients[k].node, 0x869c);
        stamp(out, k, t);
        if (send(clients[k].fd, out, (size_t)frame_size, 0) < 0) send_fail++;
        else sent++;
        slot++;
        continue;
      }
      struct itimerspec its = { .it_value = { .tv_sec = (time_t)(due / 1000000000ull), .tv_nsec = (long)(due % 1000000000ull) } };
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    } else {
      if (drain_until == 0) drain_until = t + 300000000ull;
      if (t >= drain_until) break;
    }
    struct epoll_event ev[BATCH];
    int k = epoll_wait(ep, ev, BATCH, 50);
    for (int i = 0; i < k; i++) {
      if (ev[i].data.u32 == 0xffffffffu) { uint64_t x; ssize_t r = read(tfd, &x, sizeof x); (void)r; continue; }
      int fd = clients[ev[i].data.u32].fd;
      ssize_t len;
      while ((len = recv(fd, in, sizeof in, 0)) > 0) {
        if (!ours(in, len)) { foreign++; continue; }
        record(now_ns() - sent_at(in));
        received++;
      }
    }
  }
  report(n == 64 ? "clients64" : "broadcast", seconds, sent * (n - 1));
}

/* ---- blast: A sends to B as fast as its socket takes them, from a thread of its own. ---- */
static volatile int blasting;

static void *blaster (void *arg) {
  (void)arg;
  struct client *a = &clients[0], *b = &clients[1];
  uint8_t out[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    header(out[i], frame_size, b->node, a->node, 0x4000);
    iov[i].iov_base = out[i];
    iov[i].iov_len = (size_t)frame_size;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  /* Blocking sends: the socket paces the sender, nothing is thrown away in user space. */
  int flags = 0;
  uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
  while (blasting && now_ns() < end) {
    /* Small batches, stamped just before they go, so the stamp is the send time. */
    int m = 8;
    uint64_t t = now_ns();
    for (int i = 0; i < m; i++) stamp(out[i], 0, t);
    int r = sendmmsg(a->fd, msgs, (unsigned)m, flags);
    if (r < 0) {
      if (errno == EAGAIN || errno == ENOBUFS) { send_fail++; struct pollfd p = { .fd = a->fd, .events = POLLOUT }; poll(&p, 1, 1); continue; }
      break;
    }
    __atomic_add_fetch(&sent, r, __ATOMIC_RELAXED);
  }
  blasting = 0;
  return NULL;
}

static void load_blast (void) {
  setup(2, 4 * 1024 * 1024);
  struct client *b = &clients[1];
  uint8_t in[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = in[i];
    iov[i].iov_len = sizeof in[i];
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  blasting = 1;
  pthread_t th;
  uint64_t start = now_ns();
  pthread_create(&th, NULL, blaster, NULL);
  uint64_t last = start, quiet_since = 0;
  for (;;) {
    struct pollfd p = { .fd = b->fd, .events = POLLIN };
    int pr = poll(&p, 1, 10);
    uint64_t t = now_ns();
    if (pr > 0) {
      int r = recvmmsg(b->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      t = now_ns();
      for (int i = 0; i < r; i++) {
        if (!ours(in[i], msgs[i].msg_len)) { foreign++; continue; }
        record(t - sent_at(in[i]));
        received++;
        last = t;
      }
      quiet_since = 0;
    } else if (!blasting) {
      /* The sender stopped; what the server still holds arrives within the drain, or is lost. */
      if (quiet_since == 0) quiet_since = t;
      if (t - quiet_since > 300000000ull) break;
    }
  }
  pthread_join(th, NULL);
  report("blast", (last - start) / 1e9, sent);
}

int main (int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: ipxnet-load HOST PORT echo|broadcast|blast [window=N clients=N senders=N hz=X size=N seconds=X samples=N]\n");
    return 2;
  }
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) { fprintf(stderr, "not an IPv4 address: %s\n", argv[1]); return 2; }
  int window = 1, n = 8, senders = -1;
  double hz = 35;
  for (int i = 4; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) continue;
    *eq = 0;
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "window")) window = atoi(v);
    else if (!strcmp(k, "clients")) n = atoi(v);
    else if (!strcmp(k, "senders")) senders = atoi(v);
    else if (!strcmp(k, "hz")) hz = atof(v);
    else if (!strcmp(k, "size")) frame_size = atoi(v);
    else if (!strcmp(k, "seconds")) seconds = atof(v);
    else if (!strcmp(k, "samples")) max_samples = atol(v);
    else if (!strcmp(k, "warmup")) warmup = atof(v);
  }
  if (frame_size < HEADER + 16) frame_size = HEADER + 16;
  if (frame_size > 1424) frame_size = 1424;
  if (seconds <= 0 || seconds > 30) seconds = 2;
  if (warmup < 0 || warmup >= seconds) warmup = 0;
  if (window < 1 || window > 1024) window = 1;
  if (n < 2 || n > MAX_CLIENTS) n = 8;
  if (senders < 1 || senders > n) senders = n;
  if (hz <= 0 || hz > 10000) hz = 35;
  samples = malloc(sizeof *samples * MAX_SAMPLES);
  if (samples == NULL) die("malloc");
  if (!strcmp(argv[3], "echo")) load_echo(window);
  else if (!strcmp(argv[3], "broadcast")) load_broadcast(n, senders, hz);
  else if (!strcmp(argv[3], "blast")) load_blast();
  else { fprintf(stderr, "unknown load %s\n", argv[3]); return 2; }
  return 0;
}
