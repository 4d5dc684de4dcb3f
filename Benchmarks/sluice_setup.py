#!/usr/bin/env python3
"""Configure a running Sluice for the fan-out benchmark over its REST API.

    sluice_setup.py --api http://127.0.0.1:PORT --count N --base-port B [--pid PID] [--room bench]

Creates, in room --room: broadcaster "src" with a comedia plain transport and an
Opus producer (SSRC 1111, PT 100); broadcaster "sink" with the room's RTP
capabilities; then for each destination i a plain transport (comedia false,
rtcpMux true) connected to 127.0.0.1:(B+i) and a consumer of the producer on it.
With --pid it reads VmRSS of the server before and after creating the consumers.

Prints one JSON object to stdout; on failure it has "error" and the exit code is 1.
Standard library only.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request


class SetupError(Exception):
    pass


def call(api, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode(errors="replace")[:400]
        raise SetupError(f"{method} {path} -> {e.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise SetupError(f"{method} {path} -> {e}") from None
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise SetupError(f"{method} {path} -> not JSON: {raw[:200]!r}") from None


def rss_kb(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--room", default="bench")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--base-port", type=int, required=True)
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--settle", type=float, default=0.5, help="seconds to wait before reading RSS")
    args = ap.parse_args()

    out = {"room": args.room, "count": args.count}
    room = f"/rooms/{args.room}"
    try:
        caps = call(args.api, "GET", room)
        call(args.api, "POST", f"{room}/broadcasters",
             {"id": "src", "displayName": "src", "device": {"name": "bench"}})
        t = call(args.api, "POST", f"{room}/broadcasters/src/transports",
                 {"type": "plain", "comedia": True, "rtcpMux": True})
        out["producer_transport_id"] = t["id"]
        out["producer_ip"] = t.get("ip")
        out["producer_port"] = t["port"]
        p = call(args.api, "POST", f"{room}/broadcasters/src/transports/{t['id']}/producers", {
            "kind": "audio",
            "rtpParameters": {
                "codecs": [{"mimeType": "audio/opus", "payloadType": 100, "clockRate": 48000, "channels": 2}],
                "encodings": [{"ssrc": 1111}],
            },
        })
        out["producer_id"] = p["id"]
        call(args.api, "POST", f"{room}/broadcasters",
             {"id": "sink", "displayName": "sink", "device": {"name": "bench"}, "rtpCapabilities": caps})

        time.sleep(args.settle)
        out["rss_before_kb"] = rss_kb(args.pid)
        t0 = time.monotonic()
        consumers = []
        for i in range(args.count):
            ct = call(args.api, "POST", f"{room}/broadcasters/sink/transports",
                      {"type": "plain", "comedia": False, "rtcpMux": True})
            call(args.api, "POST", f"{room}/broadcasters/sink/transports/{ct['id']}/connect",
                 {"ip": "127.0.0.1", "port": args.base_port + i})
            c = call(args.api, "POST",
                     f"{room}/broadcasters/sink/transports/{ct['id']}/consume?producerId={p['id']}")
            consumers.append(c["id"])
            if i == 0:
                out["consumer_payload_type"] = c["rtpParameters"]["codecs"][0].get("payloadType")
                out["consumer_ssrc"] = (c["rtpParameters"].get("encodings") or [{}])[0].get("ssrc")
        out["setup_consumers_s"] = round(time.monotonic() - t0, 3)
        out["consumers_created"] = len(consumers)
        time.sleep(args.settle)
        out["rss_after_kb"] = rss_kb(args.pid)
    except (SetupError, KeyError, TypeError, IndexError) as e:
        out["error"] = str(e) if isinstance(e, SetupError) else f"unexpected answer shape: {e!r}"
        print(json.dumps(out))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
