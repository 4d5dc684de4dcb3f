/* Shared by sender.c and receiver.c: the layout of a benchmark RTP packet.
 *
 *   bytes  0..11  RTP fixed header (V=2, no CSRC, no extension)
 *   bytes 12..19  send time, CLOCK_MONOTONIC nanoseconds (host byte order; same machine)
 *   bytes 20..23  sender sequence number, 32 bits (host byte order; never rewritten by an SFU)
 *   bytes 24..31  magic "SLUICEBM"
 *   rest          zeros, up to the packet size (default 1200 bytes in total)
 *
 * Everything after the 12-byte header is RTP payload, so an SFU that rewrites
 * SSRC / payload type / sequence number / timestamp leaves it intact.
 */
#ifndef SLUICE_BENCH_COMMON_H
#define SLUICE_BENCH_COMMON_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#define BENCH_RTP_HEADER 12
#define BENCH_OFF_TIME 12
#define BENCH_OFF_SEQ 20
#define BENCH_OFF_MAGIC 24
#define BENCH_MIN_SIZE 32
#define BENCH_MAGIC "SLUICEBM"

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
