/* relay: the physical-limit yardstick of the fan-out benchmark.
 *
 *   relay LISTEN_PORT [DEST_PORT ...]
 *
 * One unconnected UDP socket bound to 127.0.0.1:LISTEN_PORT. It reads up to 64
 * datagrams with one recvmmsg(2), then sends every datagram to every destination
 * (127.0.0.1:DEST_PORT) with sendmmsg(2) (at most 1024 messages per call), from the
 * same socket, without touching the bytes. Nothing else: no parsing, no rewriting,
 * no allocation in the loop. This is the cost of moving the packets through the
 * kernel, which any forwarder pays too.
 *
 * Environment: RELAY_RCVBUF (bytes, default 4194304) sets SO_RCVBUF/SO_SNDBUF.
 * On SIGTERM/SIGINT it prints its counters to stderr and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUFSZ 2048
#define MAX_SEND_PER_CALL 1024 /* UIO_MAXIOV: the kernel caps vlen here */

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static int parse_port(const char *s) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < 1 || v > 65535) {
        fprintf(stderr, "relay: bad port '%s'\n", s);
        exit(2);
    }
    return (int)v;
}

static void set_buf(int fd, int force_opt, int opt, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) != 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: relay LISTEN_PORT [DEST_PORT ...]\n");
        return 2;
    }
    int listen_port = parse_port(argv[1]);
    int ndest = argc - 2;

    struct sockaddr_in *dests = calloc(ndest > 0 ? (size_t)ndest : 1, sizeof *dests);
    for (int d = 0; d < ndest; d++) {
        dests[d].sin_family = AF_INET;
        dests[d].sin_port = htons((uint16_t)parse_port(argv[2 + d]));
        dests[d].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("relay: socket"); return 1; }
    int bufsz = 4 << 20;
    const char *env = getenv("RELAY_RCVBUF");
    if (env && *env) bufsz = atoi(env);
    set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, bufsz);
    set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, bufsz);
    struct sockaddr_in local = {0};
    local.sin_family = AF_INET;
    local.sin_port = htons((uint16_t)listen_port);
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("relay: bind"); return 1; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal interrupts recvmmsg */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    static char bufs[BATCH][BUFSZ];
    struct iovec in_iov[BATCH];
    struct mmsghdr in_msgs[BATCH];
    memset(in_msgs, 0, sizeof in_msgs);
    for (int i = 0; i < BATCH; i++) {
        in_iov[i].iov_base = bufs[i];
        in_iov[i].iov_len = BUFSZ;
        in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
        in_msgs[i].msg_hdr.msg_iovlen = 1;
    }

    /* Out messages are built once: message (i, d) points at buffer i and destination d.
     * Per batch only the iov lengths change. */
    size_t nout_max = (size_t)BATCH * (size_t)(ndest > 0 ? ndest : 1);
    struct iovec *out_iov = calloc(nout_max, sizeof *out_iov);
    struct mmsghdr *out_msgs = calloc(nout_max, sizeof *out_msgs);
    for (int i = 0; i < BATCH; i++) {
        for (int d = 0; d < ndest; d++) {
            size_t k = (size_t)i * (size_t)ndest + (size_t)d;
            out_iov[k].iov_base = bufs[i];
            out_msgs[k].msg_hdr.msg_iov = &out_iov[k];
            out_msgs[k].msg_hdr.msg_iovlen = 1;
            out_msgs[k].msg_hdr.msg_name = &dests[d];
            out_msgs[k].msg_hdr.msg_namelen = sizeof dests[d];
        }
    }

    unsigned long long rx = 0, tx = 0, tx_err = 0, rx_calls = 0, tx_calls = 0;
    fprintf(stderr, "relay: 127.0.0.1:%d -> %d destinations\n", listen_port, ndest);

    while (!stop_flag) {
        int n = recvmmsg(fd, in_msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("relay: recvmmsg");
            return 1;
        }
        rx_calls++;
        rx += (unsigned long long)n;
        if (ndest == 0) continue;
        size_t nout = (size_t)n * (size_t)ndest;
        for (int i = 0; i < n; i++) {
            size_t len = in_msgs[i].msg_len;
            for (int d = 0; d < ndest; d++) out_iov[(size_t)i * (size_t)ndest + (size_t)d].iov_len = len;
        }
        size_t off = 0;
        while (off < nout) {
            size_t chunk = nout - off;
            if (chunk > MAX_SEND_PER_CALL) chunk = MAX_SEND_PER_CALL;
            int s = sendmmsg(fd, out_msgs + off, (unsigned)chunk, 0);
            tx_calls++;
            if (s > 0) {
                off += (size_t)s;
                tx += (unsigned long long)s;
            } else if (s < 0 && errno == EINTR && !stop_flag) {
                continue;
            } else {
                /* ENOBUFS, ECONNREFUSED (ICMP from an unbound port), ...: drop this one. */
                off += 1;
                tx_err += 1;
            }
        }
    }
    fprintf(stderr, "relay: rx=%llu tx=%llu tx_err=%llu rx_calls=%llu tx_calls=%llu\n",
            rx, tx, tx_err, rx_calls, tx_calls);
    return 0;
}
