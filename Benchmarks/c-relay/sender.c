/* sender: the RTP load generator of the fan-out benchmark.
 *
 *   sender --port P [--host 127.0.0.1] [--rate PPS] [--duration SECONDS]
 *          [--size BYTES] [--burst N] [--ssrc 1111] [--pt 100] [--src-port P]
 *
 * Sends RTP packets (V=2, payload type --pt, SSRC --ssrc, sequence number and
 * timestamp incrementing by 1 and 960 per packet) of --size bytes in total to
 * host:port from one connected UDP socket, with sendmmsg(2).
 *
 *   --rate 0 (default): as fast as possible, in bursts of --burst (default 64).
 *   --rate PPS: paced; wakes on an absolute CLOCK_MONOTONIC schedule and sends the
 *               packets that are due (at most --burst at once).
 *
 * Each packet carries its send time (CLOCK_MONOTONIC ns, taken just before the
 * sendmmsg call that sends it) and a 32-bit sequence number in the payload; see
 * bench_common.h. At the end it prints one JSON object to stdout.
 */
#define _GNU_SOURCE
#include "bench_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BURST 1024

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(void) {
    fprintf(stderr,
            "usage: sender --port P [--host 127.0.0.1] [--rate PPS (0=max)] [--duration S]\n"
            "              [--size 1200] [--burst 64] [--ssrc 1111] [--pt 100] [--src-port P]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 0, src_port = 0, size = 1200, burst = 64, pt = 100;
    double rate = 0, duration = 5;
    unsigned long ssrc = 1111;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--src-port")) src_port = atoi(v);
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--duration")) duration = atof(v);
        else if (!strcmp(a, "--size")) size = atoi(v);
        else if (!strcmp(a, "--burst")) burst = atoi(v);
        else if (!strcmp(a, "--ssrc")) ssrc = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--pt")) pt = atoi(v);
        else usage();
        i++;
    }
    if (port < 1 || port > 65535 || size < BENCH_MIN_SIZE || size > 65000 || burst < 1 ||
        burst > MAX_BURST || pt < 0 || pt > 127 || rate < 0 || duration <= 0)
        usage();

    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* tight wake-ups in paced mode */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("sender: socket"); return 1; }
    int sndbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (src_port) {
        struct sockaddr_in local = {0};
        local.sin_family = AF_INET;
        local.sin_port = htons((uint16_t)src_port);
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("sender: bind"); return 1; }
    }
    struct sockaddr_in dst = {0};
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &dst.sin_addr) != 1) { fprintf(stderr, "sender: bad host %s\n", host); return 2; }
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) { perror("sender: connect"); return 1; }

    static unsigned char bufs[MAX_BURST][2048];
    unsigned char *big = NULL;
    struct iovec iov[MAX_BURST];
    struct mmsghdr msgs[MAX_BURST];
    memset(msgs, 0, sizeof msgs);
    if (size > 2048) {
        big = calloc((size_t)burst, (size_t)size);
        if (!big) return 1;
    }
    for (int i = 0; i < burst; i++) {
        unsigned char *b = big ? big + (size_t)i * (size_t)size : bufs[i];
        memset(b, 0, (size_t)size);
        b[0] = 0x80;
        b[1] = (unsigned char)pt;
        b[8] = (unsigned char)(ssrc >> 24); b[9] = (unsigned char)(ssrc >> 16);
        b[10] = (unsigned char)(ssrc >> 8); b[11] = (unsigned char)ssrc;
        memcpy(b + BENCH_OFF_MAGIC, BENCH_MAGIC, 8);
        iov[i].iov_base = b;
        iov[i].iov_len = (size_t)size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    uint32_t seq32 = 0;
    uint16_t seq16 = (uint16_t)(rand() & 0x7fff);
    uint32_t ts = 0x10000;
    unsigned long long sent = 0, errors = 0, calls = 0;
    const uint64_t start = bench_now_ns();
    const uint64_t end = start + (uint64_t)(duration * 1e9);
    const double ns_per_pkt = rate > 0 ? 1e9 / rate : 0;

    for (;;) {
        if (stop_flag) break;
        uint64_t now = bench_now_ns();
        if (now >= end) break;
        int n = burst;
        if (rate > 0) {
            /* packets due so far on the absolute schedule */
            double due_total = (double)(now - start) / ns_per_pkt;
            long long due = (long long)due_total + 1 - (long long)(sent + errors);
            if (due <= 0) {
                uint64_t next = start + (uint64_t)((double)(sent + errors) * ns_per_pkt);
                struct timespec t = {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
                continue;
            }
            if (due < n) n = (int)due;
        }
        for (int i = 0; i < n; i++) {
            unsigned char *b = iov[i].iov_base;
            b[2] = (unsigned char)(seq16 >> 8); b[3] = (unsigned char)seq16;
            b[4] = (unsigned char)(ts >> 24); b[5] = (unsigned char)(ts >> 16);
            b[6] = (unsigned char)(ts >> 8); b[7] = (unsigned char)ts;
            memcpy(b + BENCH_OFF_SEQ, &seq32, 4);
            seq16++; seq32++; ts += 960;
        }
        uint64_t t_send = bench_now_ns();
        for (int i = 0; i < n; i++) memcpy((unsigned char *)iov[i].iov_base + BENCH_OFF_TIME, &t_send, 8);
        int off = 0;
        while (off < n) {
            int s = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
            calls++;
            if (s > 0) { off += s; sent += (unsigned long long)s; }
            else if (s < 0 && errno == EINTR) { if (stop_flag) break; }
            else { off += 1; errors += 1; } /* ECONNREFUSED before the forwarder is up, ENOBUFS */
        }
    }
    double elapsed = (double)(bench_now_ns() - start) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                   ru.ru_stime.tv_usec / 1e6;
    printf("{\"cpu_frac\":%.4f,\"sent\":%llu,\"errors\":%llu,\"calls\":%llu,\"elapsed_s\":%.3f,\"rate_pps\":%.1f,"
           "\"target_pps\":%.1f,\"size\":%d}\n",
           cpu_s / elapsed, sent, errors, calls, elapsed, (double)sent / elapsed, rate, size);
    return 0;
}
