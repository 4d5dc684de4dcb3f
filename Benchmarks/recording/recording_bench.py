#!/usr/bin/env python3
"""CPU cost of recording in Sluice, next to ffmpeg doing the same job from the same RTP.

    recording_bench.py --sluice PATH [--seconds 20] [--work DIR] [--json OUT]

One run, one server, one sender: ffmpeg streams a pre-encoded 720p30 VP8 (~2.5 Mb/s)
+ Opus (128 kb/s) file (`-c copy`, looping, real time) into two comedia plain
transports. Then, phase by phase, for --seconds each, it reads the CPU time
(utime + stime from /proc/PID/stat) of the Sluice process and of any recorder process:

  forward       Sluice receives the stream and forwards it to two plain consumers
                (connected to ports nobody reads): the baseline.
  remux-webm    + one in-process webm recording (VP8 + Opus, no transcode).
  remux-webm-x4 + four webm recordings of the same producers.
  hls-transcode + one in-process hls recording (VP8 → H264 libx264, Opus → AAC).
  ffmpeg-copy   ffmpeg reads the consumers' SDP and writes webm with -c copy.
  ffmpeg-hls    ffmpeg reads the SDP and writes HLS with libx264 veryfast + aac.

Sluice's recording cost is its CPU above the `forward` baseline; ffmpeg's is its own
process's CPU (it receives the RTP itself). Reported as % of one core per recorded
stream and per Mb/s of recorded media. Standard library only.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CLK = os.sysconf("SC_CLK_TCK")


def call(api, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path} -> {e.code}: {e.read()[:300]!r}")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_udp_pair():
    for _ in range(200):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        port = a.getsockname()[1]
        if port % 2:
            a.close()
            continue
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            b.bind(("127.0.0.1", port + 1))
        except OSError:
            a.close()
            continue
        a.close()
        b.close()
        return port
    raise SystemExit("no free UDP port pair")


def preencode(work):
    path = os.path.join(work, "input-720p-vp8-opus.webm")
    if os.path.exists(path):
        return path
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "30",
         "-c:v", "libvpx", "-b:v", "2500k", "-deadline", "realtime", "-cpu-used", "8", "-g", "60", "-pix_fmt", "yuv420p",
         "-c:a", "libopus", "-b:a", "128k", "-ac", "2", "-y", path], check=True)
    return path


def measure(label, sluice_pid, seconds, api, producer_ids, extra_pid=None):
    def bytes_now():
        return sum(call(api, "GET", f"/rooms/bench-rec/broadcasters/src/producers/{p}/stats")["streams"][0]["bytesReceived"]
                   for p in producer_ids)
    s0, b0, t0 = cpu_seconds(sluice_pid), bytes_now(), time.monotonic()
    e0 = cpu_seconds(extra_pid) if extra_pid else 0.0
    time.sleep(seconds)
    s1, b1, t1 = cpu_seconds(sluice_pid), bytes_now(), time.monotonic()
    e1 = cpu_seconds(extra_pid) if extra_pid else 0.0
    elapsed = t1 - t0
    return {
        "phase": label,
        "seconds": round(elapsed, 2),
        "sluiceCpuPercent": round(100 * (s1 - s0) / elapsed, 2),
        "recorderCpuPercent": round(100 * (e1 - e0) / elapsed, 2) if extra_pid else None,
        "mediaMbps": round((b1 - b0) * 8 / elapsed / 1e6, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--work", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="sluice-recbench-")
    os.makedirs(work, exist_ok=True)
    source = preencode(work)
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    recdir = os.path.join(work, "recordings")
    server = subprocess.Popen(
        [args.sluice, "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--rtc-min-port", "44200",
         "--rtc-max-port", "44299", "--recordings-dir", recdir, "--log-level", "warning"],
        stdout=open(os.path.join(work, "server.log"), "w"), stderr=subprocess.STDOUT)
    children = [server]
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(api + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        room = "/rooms/bench-rec"
        caps = call(api, "GET", room)
        call(api, "POST", room + "/broadcasters", {"id": "src", "displayName": "src", "device": {"name": "bench"}})
        sends = []
        for kind, body in (
            ("audio", {"kind": "audio", "rtpParameters": {"codecs": [{"mimeType": "audio/opus", "payloadType": 100, "clockRate": 48000, "channels": 2}], "encodings": [{"ssrc": 1111}], "rtcp": {"cname": "bench"}}}),
            ("video", {"kind": "video", "rtpParameters": {"codecs": [{"mimeType": "video/VP8", "payloadType": 101, "clockRate": 90000}], "encodings": [{"ssrc": 2222}], "rtcp": {"cname": "bench"}}}),
        ):
            t = call(api, "POST", room + "/broadcasters/src/transports", {"type": "plain", "comedia": True, "rtcpMux": False})
            p = call(api, "POST", f"{room}/broadcasters/src/transports/{t['id']}/producers", body)
            sends.append((kind, t, p["id"]))
        producer_ids = [p for _, _, p in sends]
        call(api, "POST", room + "/broadcasters", {"id": "sink", "displayName": "sink", "device": {"name": "bench"}, "rtpCapabilities": caps})
        for _, _, producer_id in sends:
            pair = free_udp_pair()
            t = call(api, "POST", room + "/broadcasters/sink/transports", {"type": "plain", "comedia": False, "rtcpMux": False})
            call(api, "POST", f"{room}/broadcasters/sink/transports/{t['id']}/connect", {"ip": "127.0.0.1", "port": pair, "rtcpPort": pair + 1})
            call(api, "POST", f"{room}/broadcasters/sink/transports/{t['id']}/consume?producerId={producer_id}", {})
        sdp = call(api, "GET", room + "/broadcasters/sink/sdp")
        sdp_path = os.path.join(work, "sink.sdp")
        with open(sdp_path, "w") as f:
            f.write(sdp)
        (_, ta, _), (_, tv, _) = sends
        tee = (f"[select=a:f=rtp:ssrc=1111:payload_type=100]rtp://{ta['ip']}:{ta['port']}?rtcpport={ta['rtcpPort']}|"
               f"[select=v:f=rtp:ssrc=2222:payload_type=101]rtp://{tv['ip']}:{tv['port']}?rtcpport={tv['rtcpPort']}")
        sender = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", source,
             "-map", "0:a", "-map", "0:v", "-c", "copy", "-f", "tee", tee], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "sender.log"), "w"))
        children.append(sender)
        time.sleep(3)
        results = []
        pid = server.pid
        results.append(measure("forward", pid, args.seconds, api, producer_ids))

        def in_process(label, fmt, count):
            ids = [call(api, "POST", room + "/recordings", {"format": fmt, "producerIds": producer_ids})["id"] for _ in range(count)]
            time.sleep(2)
            result = measure(label, pid, args.seconds, api, producer_ids)
            result["recordings"] = count
            for rid in ids:
                final = call(api, "DELETE", f"{room}/recordings/{rid}")
                result.setdefault("transcodes", final.get("transcodes"))
                result["packetsDropped"] = result.get("packetsDropped", 0) + final.get("packetsDropped", 0)
            return result

        results.append(in_process("remux-webm", "webm", 1))
        results.append(in_process("remux-webm-x4", "webm", 4))
        results.append(in_process("hls-transcode", "hls", 1))

        def external(label, command):
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, label + ".log"), "w"))
            children.append(proc)
            time.sleep(2)
            result = measure(label, pid, args.seconds, api, producer_ids, extra_pid=proc.pid)
            result["recordings"] = 1
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            return result

        base = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp", "-i", sdp_path]
        results.append(external("ffmpeg-copy", base + ["-map", "0", "-c", "copy", "-y", os.path.join(work, "ffmpeg-copy.webm")]))
        os.makedirs(os.path.join(work, "ffmpeg-hls"), exist_ok=True)
        results.append(external("ffmpeg-hls", base + [
            "-map", "0", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-b:v", "2000k", "-g", "60",
            "-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "2", "-hls_segment_type", "fmp4", "-hls_list_size", "0",
            os.path.join(work, "ffmpeg-hls", "index.m3u8")]))
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(15)
                except subprocess.TimeoutExpired:
                    child.kill()

    baseline = results[0]["sluiceCpuPercent"]
    for r in results[1:]:
        count = r.get("recordings", 1)
        if r["recorderCpuPercent"] is None:
            cost = (r["sluiceCpuPercent"] - baseline) / count
        else:
            cost = r["recorderCpuPercent"]
        r["cpuPercentPerStream"] = round(cost, 2)
        r["cpuPercentPerMbps"] = round(cost / r["mediaMbps"], 2) if r["mediaMbps"] else None
    out = {"seconds": args.seconds, "work": work, "results": results}
    text = json.dumps(out, indent=2)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)
    print()
    print(f"{'phase':<15} {'Mb/s':>6} {'sluice %':>9} {'ffmpeg %':>9} {'%/stream':>9} {'%/Mb/s':>7}")
    for r in results:
        print(f"{r['phase']:<15} {r['mediaMbps']:>6} {r['sluiceCpuPercent']:>9} {str(r['recorderCpuPercent'] or '-'):>9} "
              f"{str(r.get('cpuPercentPerStream', '-')):>9} {str(r.get('cpuPercentPerMbps', '-')):>7}")


if __name__ == "__main__":
    sys.exit(main())
