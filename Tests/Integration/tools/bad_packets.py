#!/usr/bin/env python3
"""Malformed and unexpected RTP/RTCP against one Sluice plain transport (stdlib only).

    bad_packets.py --rtp IP:PORT --rtcp IP:PORT --ssrc 1111 --pt 100 \
        --stats URL [--bind-rtp P --bind-rtcp P+1] [--barrage-seconds 3] --out FILE

--rtp/--rtcp   the transport's RTP and RTCP ports (rtcpMux false)
--ssrc/--pt    a producer on that transport (so "valid" packets are accepted)
--stats        GET URL of the transport's stats (…/transports/T/stats)
--bind-rtp/--bind-rtcp   local ports of "socket A" (the latched/connected source); for a
               connected transport, the ip/port/rtcpPort it was connected to.  Without
               them, ephemeral ports (a comedia transport latches onto them).

Phase 1 ("probe"): for each category, send a few packets, wait until the stats settle,
and record the delta of every counter (rtpPacketsReceived, rtcpPacketsReceived,
dropped.*).  Each category says which deltas it expects; every other counter must not
move.  Phase 2 ("barrage"): every category again, interleaved, as fast as reasonable for
--barrage-seconds, then one aggregate comparison.  Stats are read once before and after.

Output (--out, JSON): {"a": {"rtp": port, "rtcp": port}, "b": {"rtp": port, "rtcp": port},
  "probe": [{"category", "sent", "expect": {expr: [lo, hi]}, "delta": {...}, "ok", "why"}],
  "barrage": {"rounds", "sent", "expect", "delta", "ok", "why", "seconds"},
  "final": <stats JSON>, "error"?: str}
An expectation key may be "a+b" (sum of two counters).  Exit status 0 (the shell asserts).
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import time
import urllib.request

COUNTERS = ["rtpPacketsReceived", "rtcpPacketsReceived", "dropped.notRtpOrRtcp", "dropped.malformedRtp",
            "dropped.malformedRtcp", "dropped.unknownSsrc", "dropped.wrongSource", "dropped.notConnected",
            "dropped.srtpFailure", "dropped.unknownPayloadType", "dropped.waitingForKeyFrame"]


def addr(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def get_stats(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode())


def flat(stats):
    out = {}
    for key in COUNTERS:
        value = stats
        for part in key.split("."):
            value = value.get(part, 0) if isinstance(value, dict) else 0
        out[key] = int(value or 0)
    return out


# ---------------------------------------------------------------- packets

class Rtp:
    def __init__(self, ssrc, pt):
        self.ssrc = ssrc
        self.pt = pt
        self.seq = random.randint(0, 0xFFFF)
        self.ts = random.randint(0, 0xFFFFFFFF)

    def header(self, first=0x80, marker=False, ssrc=None):
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + 960) & 0xFFFFFFFF
        return struct.pack("!BBHII", first, (0x80 if marker else 0) | self.pt, self.seq, self.ts,
                           self.ssrc if ssrc is None else ssrc)

    def valid(self, ssrc=None):
        # An Opus-sized payload; the SFU does not look inside it.
        return self.header(ssrc=ssrc) + os.urandom(random.randint(20, 160))


def rtcp_sr(ssrc):
    ntp = int((time.time() + 2208988800) * (1 << 32))
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, ntp >> 32, ntp & 0xFFFFFFFF,
                     random.randint(0, 0xFFFFFFFF), 10, 1000)
    cname = b"badpackets"
    item = bytes([1, len(cname)]) + cname + b"\x00"
    item += b"\x00" * ((-len(item) - 4) % 4)
    chunk = struct.pack("!I", ssrc) + item
    sdes = struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk
    return sr + sdes


def rtcp_rr(ssrc):
    return struct.pack("!BBHI", 0x80, 201, 1, ssrc)


def categories(rtp, ssrc):
    """(name, target socket key, destination key, factory -> [datagrams], expect(n))."""
    def trunc():
        full = rtp.valid()
        return [full[:n] for n in range(2, 12)]

    def csrc():
        # CC=15 needs 12 + 60 bytes of header; only 20 present.  And CC=3 with 8 bytes after.
        return [bytes([0x8F]) + rtp.header()[1:] + os.urandom(8),
                bytes([0x83]) + rtp.header()[1:] + os.urandom(8)]

    def ext_long():
        # X=1, extension header says 0xFFFF words; 8 bytes follow.
        h = bytes([0x90]) + rtp.header()[1:]
        return [h + struct.pack("!HH", 0xBEDE, 0xFFFF) + os.urandom(8),
                h + struct.pack("!HH", 0xBEDE, 3) + os.urandom(8)]

    def ext_missing():
        # X=1 but the packet ends at (or 2 bytes after) the fixed header.
        h = bytes([0x90]) + rtp.header()[1:]
        return [h, h + b"\xbe\xde"]

    def pad_long():
        # P=1, 4 payload bytes, padding count 200 (more than the payload).
        h = bytes([0xA0]) + rtp.header()[1:]
        return [h + os.urandom(3) + bytes([200]), h + os.urandom(40) + bytes([255])]

    def pad_zero():
        h = bytes([0xA0]) + rtp.header()[1:]
        return [h + os.urandom(10) + b"\x00"]

    def garbage():
        out = []
        for _ in range(4):
            first = random.choice([b for b in range(256) if not 128 <= b <= 191])
            out.append(bytes([first]) + os.urandom(random.randint(0, 1200)))
        return out

    def sr_ffff():
        return [struct.pack("!BBHIIIIII", 0x80, 200, 0xFFFF, ssrc, 1, 2, 3, 4, 5)]

    def rr_too_long():
        block = struct.pack("!IIIIII", ssrc, 0, 0, 0, 0, 0)
        return [struct.pack("!BBHI", 0x81, 201, 9, 0x1234) + block]  # says 40 bytes, has 32

    def rr_count_mismatch():
        return [struct.pack("!BBHI", 0x81, 201, 1, 0x1234)]  # RC=1, no room for the block

    def trailing():
        return [rtcp_rr(0x1234) + b"\x80\xc9"]  # a valid RR, then 2 stray bytes

    def rtcp_truncated_header():
        return [b"\x80\xc8\x00", b"\x80\xc9"]

    def sdes_item_overrun():
        chunk = struct.pack("!I", ssrc) + bytes([1, 40]) + b"ab"  # CNAME says 40 bytes, 2 present
        return [struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk]

    def sdes_chunk_count():
        item = bytes([1, 2]) + b"ab" + b"\x00" * 4
        chunk = struct.pack("!I", ssrc) + item
        return [struct.pack("!BBH", 0x82, 202, len(chunk) // 4) + chunk]  # SC=2, one chunk

    return [
        # name, from, to, factory, {counter: per-datagram}, counted exactly?
        ("random bytes (first byte outside 128-191)", "a_rtp", "rtp", garbage, {"dropped.notRtpOrRtcp": 1}),
        ("truncated RTP, 2-11 bytes", "a_rtp", "rtp", trunc, {"dropped.malformedRtp": 1}),
        ("truncated RTP, 1 byte (0x80)", "a_rtp", "rtp", lambda: [b"\x80"],
         {"dropped.malformedRtp+dropped.notRtpOrRtcp": 1}),
        ("RTP CSRC count beyond the packet", "a_rtp", "rtp", csrc, {"dropped.malformedRtp": 1}),
        ("RTP extension length beyond the packet", "a_rtp", "rtp", ext_long, {"dropped.malformedRtp": 1}),
        ("RTP extension header missing", "a_rtp", "rtp", ext_missing, {"dropped.malformedRtp": 1}),
        ("RTP padding count > payload", "a_rtp", "rtp", pad_long, {"dropped.malformedRtp": 1}),
        ("RTP padding count 0", "a_rtp", "rtp", pad_zero, {"dropped.malformedRtp": 1}),
        ("RTP with unknown SSRC", "a_rtp", "rtp", lambda: [rtp.valid(ssrc=0xDEADBEEF)], {"dropped.unknownSsrc": 1}),
        ("RTCP SR with length 0xFFFF", "a_rtcp", "rtcp", sr_ffff, {"dropped.malformedRtcp": 1}),
        ("RTCP RR length beyond the datagram", "a_rtcp", "rtcp", rr_too_long, {"dropped.malformedRtcp": 1}),
        ("RTCP RR report count beyond its length", "a_rtcp", "rtcp", rr_count_mismatch, {"dropped.malformedRtcp": 1}),
        ("RTCP length short of the datagram (trailing bytes)", "a_rtcp", "rtcp", trailing, {"dropped.malformedRtcp": 1}),
        ("RTCP truncated header (2-3 bytes)", "a_rtcp", "rtcp", rtcp_truncated_header, {"dropped.malformedRtcp": 1}),
        ("RTCP SDES item length beyond the chunk", "a_rtcp", "rtcp", sdes_item_overrun, {"dropped.malformedRtcp": 1}),
        ("RTCP SDES source count beyond the chunks", "a_rtcp", "rtcp", sdes_chunk_count, {"dropped.malformedRtcp": 1}),
        ("empty datagram", "a_rtp", "rtp", lambda: [b""], {"dropped.notRtpOrRtcp": (0, 1)}),
        ("valid RTP from a second source (B)", "b_rtp", "rtp", lambda: [rtp.valid()], {"dropped.wrongSource": 1}),
        ("valid RTCP from a second source (B)", "b_rtcp", "rtcp", lambda: [rtcp_sr(ssrc)], {"dropped.wrongSource": 1}),
        ("valid RTP from A (still accepted)", "a_rtp", "rtp", lambda: [rtp.valid()], {"rtpPacketsReceived": 1}),
        ("valid RTCP from A (still accepted)", "a_rtcp", "rtcp", lambda: [rtcp_sr(ssrc)], {"rtcpPacketsReceived": 1}),
    ]


def scale(expect_per, n):
    out = {}
    for key, v in expect_per.items():
        lo, hi = (v, v) if isinstance(v, int) else v
        out[key] = [lo * n, hi * n]
    return out


def add_expect(total, part):
    for key, (lo, hi) in part.items():
        cur = total.get(key, [0, 0])
        total[key] = [cur[0] + lo, cur[1] + hi]


def value_of(delta, expr):
    return sum(delta.get(k, 0) for k in expr.split("+"))


def check(delta, expect):
    """(ok, why): expected ranges hold and no other counter moved."""
    problems = []
    mentioned = set()
    for expr, (lo, hi) in expect.items():
        mentioned.update(expr.split("+"))
        v = value_of(delta, expr)
        if not lo <= v <= hi:
            problems.append("%s moved by %d, expected %s" % (expr, v, lo if lo == hi else "%d..%d" % (lo, hi)))
    for key in COUNTERS:
        if key not in mentioned and delta.get(key, 0) != 0:
            problems.append("%s moved by %d, expected 0" % (key, delta[key]))
    return (not problems), "; ".join(problems)


def wait_settled(url, before, expect, limit=2.0):
    """Poll the stats until the expected minimums are reached (or limit), then 150 ms more."""
    deadline = time.monotonic() + limit
    while True:
        now = flat(get_stats(url))
        delta = {k: now[k] - before[k] for k in COUNTERS}
        if all(value_of(delta, e) >= lo for e, (lo, _hi) in expect.items()) or time.monotonic() > deadline:
            break
        time.sleep(0.03)
    time.sleep(0.1)
    now = flat(get_stats(url))
    return now, {k: now[k] - before[k] for k in COUNTERS}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtp", type=addr, required=True)
    ap.add_argument("--rtcp", type=addr, required=True)
    ap.add_argument("--ssrc", type=int, required=True)
    ap.add_argument("--pt", type=int, required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--bind-rtp", type=int, default=0)
    ap.add_argument("--bind-rtcp", type=int, default=0)
    ap.add_argument("--probe-repeat", type=int, default=5)
    ap.add_argument("--barrage-seconds", type=float, default=3.0)
    ap.add_argument("--barrage-pause", type=float, default=0.01, help="sleep between barrage rounds")
    ap.add_argument("--start-file", help="touch this file when the barrage starts")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    socks = {}
    for key, port in (("a_rtp", args.bind_rtp), ("a_rtcp", args.bind_rtcp), ("b_rtp", 0), ("b_rtcp", 0)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        socks[key] = s
    dest = {"rtp": args.rtp, "rtcp": args.rtcp}
    rtp = Rtp(args.ssrc, args.pt)
    result = {
        "a": {"rtp": socks["a_rtp"].getsockname()[1], "rtcp": socks["a_rtcp"].getsockname()[1]},
        "b": {"rtp": socks["b_rtp"].getsockname()[1], "rtcp": socks["b_rtcp"].getsockname()[1]},
        "probe": [],
    }

    def send(key, to, datagrams):
        for d in datagrams:
            socks[key].sendto(d, dest[to])
        return len(datagrams)

    t_start = time.monotonic()
    try:
        # ------------------------------------------------ latch (comedia) / first valid packets
        before = flat(get_stats(args.stats))
        n = sum(send("a_rtp", "rtp", [rtp.valid()]) for _ in range(5))
        m = sum(send("a_rtcp", "rtcp", [rtcp_sr(args.ssrc)]) for _ in range(2))
        expect = {"rtpPacketsReceived": [n, n], "rtcpPacketsReceived": [m, m]}
        now, delta = wait_settled(args.stats, before, expect)
        ok, why = check(delta, expect)
        result["probe"].append({"category": "valid RTP and RTCP from A (latch)", "sent": n + m,
                                "expect": expect, "delta": delta, "ok": ok, "why": why})
        result["afterLatch"] = get_stats(args.stats)

        cats = categories(rtp, args.ssrc)
        # ------------------------------------------------ probe, one category at a time
        for name, src, to, factory, per in cats:
            before = now
            sent = 0
            for _ in range(args.probe_repeat):
                sent += send(src, to, factory())
            expect = scale(per, sent)
            now, delta = wait_settled(args.stats, before, expect)
            ok, why = check(delta, expect)
            result["probe"].append({"category": name, "sent": sent, "expect": expect,
                                    "delta": delta, "ok": ok, "why": why})

        # ------------------------------------------------ barrage, all interleaved
        result["probeSeconds"] = round(time.monotonic() - t_start, 2)
        before = now
        if args.start_file:
            open(args.start_file, "w").close()
        single = {}   # counter -> [lo, hi] from unambiguous categories
        either = {}   # "a+b" -> [lo, hi] from categories that may land on either counter
        sent = 0
        rounds = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.barrage_seconds:
            order = list(cats)
            random.shuffle(order)
            for name, src, to, factory, per in order:
                k = send(src, to, factory())
                sent += k
                for key, rng in scale(per, k).items():
                    add_expect(either if "+" in key else single, {key: rng})
            rounds += 1
            time.sleep(args.barrage_pause)
        seconds = time.monotonic() - t0
        # An "a+b" datagram may raise a or b: each of them may exceed its own exact total by
        # up to that many, and their sum is exact.
        total_expect = {k: list(v) for k, v in single.items()}
        for key, (lo, hi) in either.items():
            parts = key.split("+")
            for part in parts:
                base = single.get(part, [0, 0])
                total_expect[part] = [base[0], base[1] + hi]
            total_expect[key] = [lo + sum(single.get(p, [0, 0])[0] for p in parts),
                                 hi + sum(single.get(p, [0, 0])[1] for p in parts)]
        now, delta = wait_settled(args.stats, before, total_expect, limit=5.0)
        ok, why = check(delta, total_expect)
        result["barrage"] = {"rounds": rounds, "sent": sent, "seconds": round(seconds, 2),
                             "expect": total_expect, "delta": delta, "ok": ok, "why": why}
        result["final"] = get_stats(args.stats)
    except Exception as e:  # report, the shell turns it into a FAIL
        result["error"] = "%s: %s" % (type(e).__name__, e)
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
