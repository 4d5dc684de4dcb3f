/* receiver: the N destinations of the fan-out benchmark, in one process.
 *
 *   receiver --base-port B --count N [--warmup S] [--duration S] [--pid PID]
 *            [--ready-file PATH] [--rcvbuf BYTES] [--size BYTES]
 *
 * Binds N UDP sockets on 127.0.0.1:B .. B+N-1, waits on them with epoll and drains
 * each ready socket with recvmmsg(2) (64 per call). Timeline, from the moment the
 * sockets are bound (it then creates --ready-file so the harness can start the
 * sender):
 *
 *   [0, warmup)                    packets are read and discarded (warm-up)
 *   [warmup, warmup + duration)    the measurement window
 *
 * In the window it counts benchmark RTP packets (RTCP and anything without the
 * payload magic are counted apart), builds a latency histogram (arrival time,
 * CLOCK_MONOTONIC read once after each recvmmsg, minus the send time the sender
 * put in the payload), and, when --pid is given, reads utime+stime from
 * /proc/PID/stat and VmRSS from /proc/PID/status of the forwarder at both ends of
 * the window. At the end of the window it prints one JSON object to stdout.
 */
#define _GNU_SOURCE
#include "bench_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUFSZ 2048
#define FINE_BINS 100000   /* 1 us bins up to 100 ms */
#define COARSE_BINS 100000 /* then 1 ms bins up to 100 s */

static unsigned long long hist[FINE_BINS + COARSE_BINS];

static void usage(void) {
    fprintf(stderr, "usage: receiver --base-port B --count N [--warmup S] [--duration S] [--pid PID]\n"
                    "                [--ready-file PATH] [--rcvbuf BYTES] [--size BYTES]\n");
    exit(2);
}

/* utime + stime of a process in clock ticks, or -1. */
static long long proc_cpu_ticks(int pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* comm may contain spaces */
    if (!p) return -1;
    p++;
    /* after ')': field 3 (state) is token 0; utime is field 14, stime field 15 */
    long long utime = -1, stime = -1;
    int field = 2;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 14) utime = atoll(tok);
        else if (field == 15) { stime = atoll(tok); break; }
    }
    if (utime < 0 || stime < 0) return -1;
    return utime + stime;
}

static long proc_rss_kb(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6)) { kb = atol(line + 6); break; }
    }
    fclose(f);
    return kb;
}

/* Machine-wide busy and steal time in clock ticks, from the first line of /proc/stat. */
static int host_cpu_ticks(long long *busy, long long *steal) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    long long v[8] = {0};
    int n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]);
    fclose(f);
    if (n < 7) return -1;
    /* user nice system idle iowait irq softirq steal */
    *busy = v[0] + v[1] + v[2] + v[5] + v[6];
    *steal = n >= 8 ? v[7] : 0;
    return 0;
}

static double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double hist_bin_us(size_t i) {
    if (i < FINE_BINS) return (double)i;
    return (double)FINE_BINS + (double)(i - FINE_BINS) * 1000.0;
}

static double percentile(unsigned long long total, double q) {
    if (total == 0) return -1;
    unsigned long long want = (unsigned long long)(q * (double)total);
    if (want >= total) want = total - 1;
    unsigned long long acc = 0;
    for (size_t i = 0; i < FINE_BINS + COARSE_BINS; i++) {
        acc += hist[i];
        if (acc > want) return hist_bin_us(i);
    }
    return hist_bin_us(FINE_BINS + COARSE_BINS - 1);
}

int main(int argc, char **argv) {
    int base = 0, count = 0, pid = 0, size = 1200;
    int rcvbuf = 4 << 20;
    double warmup = 1.0, duration = 5.0;
    const char *ready_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--base-port")) base = atoi(v);
        else if (!strcmp(a, "--count")) count = atoi(v);
        else if (!strcmp(a, "--warmup")) warmup = atof(v);
        else if (!strcmp(a, "--duration")) duration = atof(v);
        else if (!strcmp(a, "--pid")) pid = atoi(v);
        else if (!strcmp(a, "--ready-file")) ready_file = v;
        else if (!strcmp(a, "--rcvbuf")) rcvbuf = atoi(v);
        else if (!strcmp(a, "--size")) size = atoi(v);
        else usage();
        i++;
    }
    if (base < 1 || count < 1 || base + count - 1 > 65535 || duration <= 0 || warmup < 0) usage();

    int ep = epoll_create1(0);
    if (ep < 0) { perror("receiver: epoll_create1"); return 1; }
    int *fds = calloc((size_t)count, sizeof *fds);
    unsigned long long *per_dest = calloc((size_t)count, sizeof *per_dest);
    for (int d = 0; d < count; d++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (fd < 0) { perror("receiver: socket"); return 1; }
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        struct sockaddr_in local = {0};
        local.sin_family = AF_INET;
        local.sin_port = htons((uint16_t)(base + d));
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
            fprintf(stderr, "receiver: bind 127.0.0.1:%d: %s\n", base + d, strerror(errno));
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)d};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) { perror("receiver: epoll_ctl"); return 1; }
        fds[d] = fd;
    }

    static char bufs[BATCH][BUFSZ];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = BUFSZ;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    const uint64_t t_ready = bench_now_ns();
    if (ready_file) {
        FILE *f = fopen(ready_file, "w");
        if (f) { fprintf(f, "%d\n", (int)getpid()); fclose(f); }
    }
    const uint64_t t_start = t_ready + (uint64_t)(warmup * 1e9);
    const uint64_t t_end = t_start + (uint64_t)(duration * 1e9);

    int in_window = 0;
    uint64_t w0 = 0, w1 = 0;
    long long cpu0 = -1, cpu1 = -1;
    long rss0 = -1, rss1 = -1;
    double self0 = 0, self1 = 0;
    long long hbusy0 = 0, hbusy1 = 0, hsteal0 = 0, hsteal1 = 0;
    int host_ok = 1;
    unsigned long long warm_packets = 0, packets = 0, rtcp = 0, other = 0, bad_size = 0;
    unsigned long long lat_count = 0;
    double lat_sum_us = 0, lat_min_us = 1e18, lat_max_us = 0;
    uint32_t seq_min = 0, seq_max = 0;
    int seq_seen = 0;
    struct epoll_event events[256];

    for (;;) {
        uint64_t now = bench_now_ns();
        if (!in_window && now >= t_start) {
            in_window = 1;
            w0 = now;
            cpu0 = pid ? proc_cpu_ticks(pid) : -1;
            rss0 = pid ? proc_rss_kb(pid) : -1;
            self0 = self_cpu_s();
            if (host_cpu_ticks(&hbusy0, &hsteal0) != 0) host_ok = 0;
        }
        if (in_window && now >= t_end) {
            w1 = now;
            cpu1 = pid ? proc_cpu_ticks(pid) : -1;
            rss1 = pid ? proc_rss_kb(pid) : -1;
            self1 = self_cpu_s();
            if (host_cpu_ticks(&hbusy1, &hsteal1) != 0) host_ok = 0;
            break;
        }
        uint64_t next = in_window ? t_end : t_start;
        int timeout_ms = (int)((next - now) / 1000000ull) + 1;
        if (timeout_ms > 10) timeout_ms = 10;
        int ne = epoll_wait(ep, events, 256, timeout_ms);
        if (ne < 0) {
            if (errno == EINTR) continue;
            perror("receiver: epoll_wait");
            return 1;
        }
        for (int e = 0; e < ne; e++) {
            int d = (int)events[e].data.u32;
            for (int round = 0; round < 4; round++) {
                int n = recvmmsg(fds[d], msgs, BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0) break;
                uint64_t t_arr = bench_now_ns();
                if (!in_window) {
                    warm_packets += (unsigned long long)n;
                } else {
                    for (int i = 0; i < n; i++) {
                        const unsigned char *b = (const unsigned char *)bufs[i];
                        unsigned len = msgs[i].msg_len;
                        if (len >= 2 && (b[0] & 0xC0) == 0x80 && b[1] >= 192 && b[1] <= 223) { rtcp++; continue; }
                        if (len < BENCH_MIN_SIZE || memcmp(b + BENCH_OFF_MAGIC, BENCH_MAGIC, 8) != 0) { other++; continue; }
                        if (size > 0 && (int)len != size) bad_size++;
                        uint64_t t_send;
                        uint32_t seq;
                        memcpy(&t_send, b + BENCH_OFF_TIME, 8);
                        memcpy(&seq, b + BENCH_OFF_SEQ, 4);
                        packets++;
                        per_dest[d]++;
                        if (!seq_seen) { seq_min = seq_max = seq; seq_seen = 1; }
                        else {
                            if ((int32_t)(seq - seq_min) < 0) seq_min = seq;
                            if ((int32_t)(seq - seq_max) > 0) seq_max = seq;
                        }
                        if (t_arr >= t_send) {
                            double us = (double)(t_arr - t_send) / 1000.0;
                            uint64_t ius = (t_arr - t_send) / 1000ull;
                            size_t bin = ius < FINE_BINS ? (size_t)ius
                                                         : FINE_BINS + ((ius - FINE_BINS) / 1000ull < COARSE_BINS - 1
                                                                            ? (size_t)((ius - FINE_BINS) / 1000ull)
                                                                            : COARSE_BINS - 1);
                            hist[bin]++;
                            lat_count++;
                            lat_sum_us += us;
                            if (us < lat_min_us) lat_min_us = us;
                            if (us > lat_max_us) lat_max_us = us;
                        }
                    }
                }
                if (n < BATCH) break;
            }
        }
    }

    double window = (double)(w1 - w0) / 1e9;
    double tck = (double)sysconf(_SC_CLK_TCK);
    double fwd_cpu_s = (cpu0 >= 0 && cpu1 >= 0) ? (double)(cpu1 - cpu0) / tck : -1;
    double fwd_cpu_frac = fwd_cpu_s >= 0 ? fwd_cpu_s / window : -1;
    double out_pps = (double)packets / window;
    double per_core = fwd_cpu_frac > 0 ? out_pps / fwd_cpu_frac : -1;
    unsigned long long dmin = ~0ull, dmax = 0;
    int silent = 0;
    for (int d = 0; d < count; d++) {
        if (per_dest[d] < dmin) dmin = per_dest[d];
        if (per_dest[d] > dmax) dmax = per_dest[d];
        if (per_dest[d] == 0) silent++;
    }
    unsigned long long span = seq_seen ? (unsigned long long)(uint32_t)(seq_max - seq_min) + 1 : 0;
    unsigned long long expected = span * (unsigned long long)count;
    double loss_pct = expected ? 100.0 * (1.0 - (double)packets / (double)expected) : -1;

    printf("{\"count\":%d,\"window_s\":%.4f,\"warmup_packets\":%llu,\"packets\":%llu,\"out_pps\":%.1f,"
           "\"fwd_cpu_s\":%.3f,\"fwd_cpu_frac\":%.4f,\"per_core_pps\":%.1f,"
           "\"lat_p50_us\":%.1f,\"lat_p90_us\":%.1f,\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,"
           "\"lat_min_us\":%.1f,\"lat_max_us\":%.1f,\"lat_mean_us\":%.1f,"
           "\"dest_min\":%llu,\"dest_max\":%llu,\"dests_silent\":%d,\"seq_span\":%llu,\"in_pps_delivered\":%.1f,"
           "\"loss_pct\":%.3f,\"rtcp\":%llu,\"other\":%llu,\"bad_size\":%llu,"
           "\"fwd_rss_kb_start\":%ld,\"fwd_rss_kb_end\":%ld,\"rx_cpu_frac\":%.4f,"
           "\"host_busy_cores\":%.4f,\"host_steal_cores\":%.4f}\n",
           count, window, warm_packets, packets, out_pps, fwd_cpu_s, fwd_cpu_frac, per_core,
           percentile(lat_count, 0.50), percentile(lat_count, 0.90), percentile(lat_count, 0.99),
           percentile(lat_count, 0.999), lat_count ? lat_min_us : -1, lat_count ? lat_max_us : -1,
           lat_count ? lat_sum_us / (double)lat_count : -1, count ? dmin : 0, dmax, silent, span,
           (double)span / window, loss_pct, rtcp, other, bad_size, rss0, rss1, (self1 - self0) / window,
           host_ok ? (double)(hbusy1 - hbusy0) / tck / window : -1,
           host_ok ? (double)(hsteal1 - hsteal0) / tck / window : -1);
    return 0;
}
