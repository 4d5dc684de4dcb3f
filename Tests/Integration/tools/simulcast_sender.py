#!/usr/bin/env python3
"""Merges several local RTP senders into one simulcast sender for a comedia plain transport.

A comedia transport latches the first source address it sees, so every encoding of a
simulcast producer has to come from one socket.  Encoders (e.g. one ffmpeg with three
`-f rtp` outputs, each with its own SSRC) send to local port pairs P, P+1 (RTP, RTCP); this
relay forwards every RTP packet through one socket to the server's RTP port and every RTCP
packet through one socket to its RTCP port.

    simulcast_sender.py --listen 30000,30002,30004 --rtp 127.0.0.1:42010 \
        --rtcp 127.0.0.1:42011 --seconds 20 --ready /tmp/ready

--ready FILE is created once the local ports are bound (so encoders can start).  The relay
stops after --seconds, or 3 s after the last packet once one has arrived, and prints one
JSON line: packets forwarded per listen port and per SSRC.
"""

import argparse
import json
import select
import socket
import struct
import sys
import time


def endpoint(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="comma-separated even local RTP ports")
    parser.add_argument("--rtp", required=True, type=endpoint, help="server RTP host:port")
    parser.add_argument("--rtcp", type=endpoint, help="server RTCP host:port (RTCP dropped without it)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--ready", help="file to create once bound")
    args = parser.parse_args()

    ports = [int(p) for p in args.listen.split(",") if p]
    inbound = {}
    for port in ports:
        for offset, kind in ((0, "rtp"), (1, "rtcp")):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", port + offset))
            sock.setblocking(False)
            inbound[sock] = (port, kind)
    out_rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out_rtp.bind(("127.0.0.1", 0))
    out_rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out_rtcp.bind(("127.0.0.1", 0))
    if args.ready:
        with open(args.ready, "w", encoding="utf-8") as ready:
            ready.write("ready\n")

    per_port = {str(p): 0 for p in ports}
    per_ssrc = {}
    rtcp_packets = 0
    start = time.monotonic()
    last = None
    while True:
        now = time.monotonic()
        if now - start > args.seconds:
            break
        if last is not None and now - last > args.idle:
            break
        readable, _, _ = select.select(list(inbound), [], [], 0.2)
        for sock in readable:
            port, kind = inbound[sock]
            while True:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    break
                last = time.monotonic()
                if kind == "rtp":
                    out_rtp.sendto(data, args.rtp)
                    per_port[str(port)] += 1
                    if len(data) >= 12:
                        ssrc = str(struct.unpack("!I", data[8:12])[0])
                        per_ssrc[ssrc] = per_ssrc.get(ssrc, 0) + 1
                elif args.rtcp:
                    out_rtcp.sendto(data, args.rtcp)
                    rtcp_packets += 1
    print(json.dumps({"rtpByPort": per_port, "rtpBySsrc": per_ssrc, "rtcp": rtcp_packets}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
