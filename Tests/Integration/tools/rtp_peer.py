#!/usr/bin/env python3
"""A minimal RTP/RTCP peer for the media integration tests (stdlib only).

It binds an RTP and an RTCP port on 127.0.0.1 (what a connected plain transport was
connected to), counts what arrives, and on command sends RTCP feedback (PLI, FIR,
RR) from its RTCP socket -- the source a connected transport accepts.

    rtp_peer.py --rtp-port P --rtcp-port P+1 [--ctl FIFO] [--duration S] [--summary FILE]

Commands (one per line on the control FIFO):
    pli  IP PORT MEDIA_SSRC      compound RR + PLI (RFC 4585) to IP:PORT
    fir  IP PORT MEDIA_SSRC      compound RR + FIR (RFC 5104) to IP:PORT
    rr   IP PORT                 an empty receiver report
    snapshot                     write the summary file now
    quit                         write the summary and exit

Summary (JSON, to --summary or stdout at exit):
    {"rtp": {"<ssrc>": {"packets", "bytes", "firstSeq", "lastSeq", "seqGaps",
                        "payloadTypes": [..]}},
     "rtcp": {"packets": n, "types": {"200": n, ...}, "srSsrcs": [..]},
     "sent": {"pli": n, "fir": n, "rr": n}}
"""
import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time


def rtcp_rr(sender_ssrc):
    # V=2 P=0 RC=0, PT=201, length=1 (8 bytes)
    return struct.pack("!BBHI", 0x80, 201, 1, sender_ssrc)


def rtcp_pli(sender_ssrc, media_ssrc):
    # V=2 FMT=1, PT=206 (PSFB), length=2
    return struct.pack("!BBHII", 0x81, 206, 2, sender_ssrc, media_ssrc)


def rtcp_fir(sender_ssrc, media_ssrc, seq):
    # V=2 FMT=4, PT=206, length=4; media SSRC 0, FCI: SSRC + seq nr + 3 reserved bytes
    return struct.pack("!BBHIIIB3x", 0x84, 206, 4, sender_ssrc, 0, media_ssrc, seq & 0xFF)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtp-port", type=int, required=True)
    ap.add_argument("--rtcp-port", type=int, required=True)
    ap.add_argument("--ip", default="127.0.0.1")
    ap.add_argument("--ctl", help="control FIFO")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--summary", help="write the JSON summary here (else stdout)")
    args = ap.parse_args()

    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((args.ip, args.rtp_port))
    rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtcp.bind((args.ip, args.rtcp_port))
    for s in (rtp, rtcp):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)

    ctl = None
    ctl_buf = b""
    if args.ctl:
        # O_RDWR keeps the FIFO open (no EOF) when the writer closes and reopens it.
        ctl = os.open(args.ctl, os.O_RDWR | os.O_NONBLOCK)

    sender_ssrc = random.randint(1, 0xFFFFFFFF)
    fir_seq = 0
    streams = {}
    rtcp_stats = {"packets": 0, "types": {}, "srSsrcs": []}
    sent = {"pli": 0, "fir": 0, "rr": 0}

    def summary():
        return {"rtp": {str(k): v for k, v in streams.items()}, "rtcp": rtcp_stats, "sent": sent}

    def write_summary():
        data = json.dumps(summary())
        if args.summary:
            tmp = args.summary + ".tmp"
            with open(tmp, "w") as f:
                f.write(data)
            os.replace(tmp, args.summary)
        else:
            print(data, flush=True)

    def on_rtp(data):
        if len(data) < 12 or data[0] >> 6 != 2:
            return
        pt = data[1] & 0x7F
        seq, _ts, ssrc = struct.unpack("!HII", data[2:12])
        st = streams.get(ssrc)
        if st is None:
            st = streams[ssrc] = {"packets": 0, "bytes": 0, "firstSeq": seq, "lastSeq": seq,
                                  "seqGaps": 0, "payloadTypes": []}
        else:
            expected = (st["lastSeq"] + 1) & 0xFFFF
            if seq != expected:
                st["seqGaps"] += 1
            st["lastSeq"] = seq
        st["packets"] += 1
        st["bytes"] += len(data)
        if pt not in st["payloadTypes"]:
            st["payloadTypes"].append(pt)

    def on_rtcp(data):
        rtcp_stats["packets"] += 1
        off = 0
        while off + 4 <= len(data):
            pt = data[off + 1]
            length = (struct.unpack("!H", data[off + 2:off + 4])[0] + 1) * 4
            key = str(pt)
            rtcp_stats["types"][key] = rtcp_stats["types"].get(key, 0) + 1
            if pt == 200 and off + 8 <= len(data):
                ssrc = struct.unpack("!I", data[off + 4:off + 8])[0]
                if ssrc not in rtcp_stats["srSsrcs"]:
                    rtcp_stats["srSsrcs"].append(ssrc)
            off += length

    def command(line):
        nonlocal fir_seq
        parts = line.split()
        if not parts:
            return True
        cmd = parts[0]
        if cmd == "quit":
            return False
        if cmd == "snapshot":
            write_summary()
            return True
        dest = (parts[1], int(parts[2]))
        if cmd == "pli":
            rtcp.sendto(rtcp_rr(sender_ssrc) + rtcp_pli(sender_ssrc, int(parts[3])), dest)
            sent["pli"] += 1
        elif cmd == "fir":
            fir_seq += 1
            rtcp.sendto(rtcp_rr(sender_ssrc) + rtcp_fir(sender_ssrc, int(parts[3]), fir_seq), dest)
            sent["fir"] += 1
        elif cmd == "rr":
            rtcp.sendto(rtcp_rr(sender_ssrc), dest)
            sent["rr"] += 1
        else:
            print("rtp_peer: unknown command %r" % line, file=sys.stderr)
        return True

    deadline = time.monotonic() + args.duration
    running = True
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while running and not stop and time.monotonic() < deadline:
        fds = [rtp, rtcp] + ([ctl] if ctl is not None else [])
        try:
            readable, _, _ = select.select(fds, [], [], 0.2)
        except InterruptedError:
            continue
        for r in readable:
            if r is rtp:
                on_rtp(rtp.recv(65536))
            elif r is rtcp:
                on_rtcp(rtcp.recv(65536))
            else:
                try:
                    chunk = os.read(ctl, 4096)
                except BlockingIOError:
                    chunk = b""
                ctl_buf += chunk
                while b"\n" in ctl_buf:
                    line, ctl_buf = ctl_buf.split(b"\n", 1)
                    if not command(line.decode().strip()):
                        running = False
    write_summary()


if __name__ == "__main__":
    main()
