#!/usr/bin/env python3
"""A WebRTC client for Sluice's broadcaster REST API: pymediasoup + aiortc.

It speaks exactly the mediasoup-demo broadcaster flow over HTTP:

  GET /rooms/R (router RTP capabilities) -> device.load
  POST /rooms/R/broadcasters {id, displayName, device, rtpCapabilities}
  POST .../transports {type: "webrtc", sctpCapabilities}
  device.createSendTransport / createRecvTransport with the answer's
      iceParameters, iceCandidates, dtlsParameters, sctpParameters
  transport "connect"  -> POST .../transports/:id/connect {dtlsParameters}
  transport "produce"  -> POST .../transports/:id/producers {kind, rtpParameters} -> {id}
  POST .../transports/:id/consume?producerId=P -> recvTransport.consume(...)

Subcommands:

  publish --api URL --room R --broadcaster ID --seconds S [--video-codec vp8|h264]
          [--out-json F] [--bad-fingerprint] [--no-audio|--no-video] [--delete]
      Sends a 440 Hz tone (20 ms, 48 kHz frames) and 320x240 30 fps moving stripes.
      Once both producers exist it prints (and writes to F) one JSON line
      {transportId, producers: {audio: id, video: id}}; it then sends for S seconds,
      closes its transport and rewrites F with the client's final ICE/DTLS states.
      --bad-fingerprint alters the fingerprint it POSTs to `connect` (the server must
      then refuse the DTLS handshake).

  consume --api URL --room R --broadcaster ID --producer P [--producer P2 ...]
          --seconds S --out-json F
      Consumes the producers on one receive transport, resumes consumers the server
      created paused, decodes for S seconds (counted from when the first frame
      arrives, bounded by --wait for that first frame) and writes
      {video: {frames, width, height, sizes}, audio: {seconds, frames, sampleRate},
       transportId, consumers: [...], client: {...}}.

Exit status: 0 done; 2 the API answered non-2xx (status and body on stderr) or an
HTTP request failed; 3 a step timed out; 4 any other client-side failure.
Everything is time-bounded (asyncio.wait_for).  Only stdlib + aiortc + pymediasoup
(+ av, which aiortc brings) are used.
"""

import argparse
import array
import asyncio
import contextlib
import fractions
import json
import logging
import math
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HTTP_TIMEOUT = 10.0  # one REST request
STEP_TIMEOUT = 20.0  # one client-side step (device.load, produce, consume, close)

EXIT_API = 2
EXIT_TIMEOUT = 3
EXIT_OTHER = 4


class ApiError(Exception):
    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")
        self.method, self.path, self.status, self.body = method, path, status, body


class StepTimeout(Exception):
    pass


def log(msg):
    print(f"webrtc_client: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP


class Api:
    """The REST API; blocking urllib calls run in a thread, bounded by wait_for."""

    def __init__(self, base, room, broadcaster):
        self.base = base.rstrip("/")
        self.room = room
        self.broadcaster = broadcaster

    @property
    def bpath(self):
        q = urllib.parse.quote
        return f"/rooms/{q(self.room, safe='')}/broadcasters/{q(self.broadcaster, safe='')}"

    def _blocking(self, method, path, body):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        req.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            raw = e.read() if e.fp is not None else b""
            raise ApiError(method, path, e.code, raw.decode("utf-8", "replace")) from None
        except (urllib.error.URLError, OSError) as e:
            raise ApiError(method, path, 0, f"request failed: {e}") from None
        if not 200 <= status < 300:
            raise ApiError(method, path, status, raw.decode("utf-8", "replace"))
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(method, path, status, "body is not JSON: " + raw[:300].decode("utf-8", "replace")) from None

    async def request(self, method, path, body=None):
        log(f"{method} {path}")
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._blocking, method, path, body), HTTP_TIMEOUT + 2
            )
        except asyncio.TimeoutError:
            raise ApiError(method, path, 0, f"no answer within {HTTP_TIMEOUT + 2:.0f} s") from None


# ---------------------------------------------------------------- media sources


def _import_media():
    """aiortc/av/pymediasoup, imported lazily so --help works without them."""
    global av, aiortc, pymediasoup, MediaStreamError
    import av  # noqa: F401
    import aiortc  # noqa: F401
    import pymediasoup  # noqa: F401
    from aiortc.mediastreams import MediaStreamError  # noqa: F401


def make_tracks():
    from aiortc import AudioStreamTrack, VideoStreamTrack
    from av import AudioFrame, VideoFrame

    class ToneTrack(AudioStreamTrack):
        """A 440 Hz sine, 20 ms frames of 48 kHz mono s16 (paced in real time)."""

        RATE = 48000
        SAMPLES = 960  # 20 ms

        def __init__(self):
            super().__init__()
            # 440 whole cycles in one second: the buffer loops without a seam.
            tone = array.array(
                "h", (int(12000 * math.sin(2 * math.pi * 440 * i / self.RATE)) for i in range(self.RATE))
            )
            if sys.byteorder != "little":
                tone.byteswap()
            self._pcm = tone.tobytes() * 2
            self._pos = 0

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            if hasattr(self, "_timestamp"):
                self._timestamp += self.SAMPLES
                wait = self._start + self._timestamp / self.RATE - time.time()
                await asyncio.sleep(wait)
            else:
                self._start = time.time()
                self._timestamp = 0
            frame = AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
            chunk = self._pcm[self._pos * 2 : (self._pos + self.SAMPLES) * 2]
            self._pos = (self._pos + self.SAMPLES) % self.RATE
            plane = frame.planes[0]
            plane.update(chunk + bytes(plane.buffer_size - len(chunk)))
            frame.pts = self._timestamp
            frame.sample_rate = self.RATE
            frame.time_base = fractions.Fraction(1, self.RATE)
            return frame

    class StripesTrack(VideoStreamTrack):
        """320x240 at 30 fps: vertical luma stripes moving right, a bar moving down."""

        W, H = 320, 240

        def __init__(self):
            super().__init__()
            self._n = 0
            self._row = bytes((x * 4) & 0xFF for x in range(2 * self.W))

        async def recv(self):
            pts, time_base = await self.next_timestamp()
            frame = VideoFrame(width=self.W, height=self.H, format="yuv420p")
            shift = (self._n * 4) % self.W
            bar = (self._n * 2) % self.H
            y_plane, u_plane, v_plane = frame.planes
            ls = y_plane.line_size
            pad = bytes(ls - self.W)
            row = self._row[shift : shift + self.W] + pad
            white = b"\xeb" * self.W + pad
            rows = [white if bar <= y < bar + 16 else row for y in range(self.H)]
            y_plane.update(b"".join(rows))
            u_plane.update(bytes([(self._n * 3) & 0xFF]) * u_plane.buffer_size)
            v_plane.update(b"\x80" * v_plane.buffer_size)
            self._n += 1
            frame.pts = pts
            frame.time_base = time_base
            return frame

    return ToneTrack(), StripesTrack()


# ---------------------------------------------------------------- helpers


def dump(model):
    """A pymediasoup (pydantic) model as JSON-ready data, absent keys omitted."""
    if model is None:
        return None
    if hasattr(model, "model_dump"):
        return model.model_dump(exclude_none=True)
    return model


class Fatal:
    """First failure inside an event handler (connect/produce), raced against each step."""

    def __init__(self):
        self.future = asyncio.get_running_loop().create_future()

    def set(self, exc):
        if not self.future.done():
            self.future.set_exception(exc)

    async def step(self, what, coro, timeout=STEP_TIMEOUT):
        task = asyncio.ensure_future(coro)
        done, _ = await asyncio.wait({task, self.future}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        if self.future in done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            self.future.result()  # raises the handler's failure
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise StepTimeout(f"{what}: no result within {timeout:.0f} s")


def client_state(transport):
    """aiortc's own view of a pymediasoup transport: ICE, DTLS, connection states."""
    out = {}
    try:
        pc = transport.handler.pc
    except Exception:  # noqa: BLE001 - not created yet
        return out
    out["iceConnectionState"] = pc.iceConnectionState
    out["iceGatheringState"] = pc.iceGatheringState
    out["connectionState"] = pc.connectionState
    dtls = set()
    for t in pc.getTransceivers():
        for side in (t.sender, t.receiver):
            tr = getattr(side, "transport", None)
            if tr is not None:
                dtls.add(tr.state)
    if dtls:
        out["dtlsStates"] = sorted(dtls)
    return out


def stop_on_signals():
    """An asyncio.Event set by SIGTERM/SIGINT: the run ends early but still cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


class DecodeErrors(logging.Handler):
    """Counts aiortc's "failed to decode" warnings (frames the decoder refused), and
    when the first and last came: (seconds since the first consume, frames decoded)."""

    def __init__(self, counter):
        super().__init__(logging.WARNING)
        self.count = 0
        self.counter = counter
        self.t0 = time.monotonic()
        self.first = None  # (seconds since the first consume request, frames decoded by then)
        self.last = None

    def emit(self, record):
        if "failed to decode" in record.getMessage():
            self.count += 1
            at = (round(time.monotonic() - self.t0, 3), self.counter.video_frames)
            self.first = self.first or at
            self.last = at

    def as_json(self):
        return {"count": self.count, "first": self.first, "last": self.last}


async def sleep_until(deadline, stop, fatal, tick=None):
    """Sleep until the monotonic deadline or stop; re-raise a handler failure."""
    while time.monotonic() < deadline and not stop.is_set():
        if fatal.future.done():
            fatal.future.result()
        if tick is not None:
            tick()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), min(0.5, max(0.0, deadline - time.monotonic())))


def write_json(path, data):
    text = json.dumps(data, sort_keys=True)
    if path:
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    return text


async def setup_device(api, tracks, display_name):
    from pymediasoup import AiortcHandler, Device
    from pymediasoup.rtp_parameters import RtpCapabilities

    caps = await api.request("GET", f"/rooms/{urllib.parse.quote(api.room, safe='')}")
    device = Device(handlerFactory=AiortcHandler.createFactory(tracks=tracks))
    await asyncio.wait_for(device.load(RtpCapabilities.model_validate(caps)), STEP_TIMEOUT)
    await api.request(
        "POST",
        f"/rooms/{urllib.parse.quote(api.room, safe='')}/broadcasters",
        {
            "id": api.broadcaster,
            "displayName": display_name,
            "device": {"name": "pymediasoup", "version": getattr(pymediasoup, "__version__", "?")},
            "rtpCapabilities": dump(device.rtpCapabilities),
        },
    )
    info = await api.request(
        "POST",
        f"{api.bpath}/transports",
        {"type": "webrtc", "sctpCapabilities": dump(device.sctpCapabilities)},
    )
    for key in ("id", "iceParameters", "iceCandidates", "dtlsParameters"):
        if key not in info:
            raise ApiError("POST", f"{api.bpath}/transports", 200, f"answer lacks {key}: {json.dumps(info)}")
    log(
        "webrtc transport "
        + json.dumps(
            {k: info.get(k) for k in ("id", "iceParameters", "iceCandidates", "dtlsParameters", "sctpParameters")}
        )
    )
    return device, info


def transport_kwargs(info):
    return dict(
        id=info["id"],
        iceParameters=info["iceParameters"],
        iceCandidates=info["iceCandidates"],
        dtlsParameters=info["dtlsParameters"],
        sctpParameters=info.get("sctpParameters"),
    )


def alter_fingerprint(value):
    """The same fingerprint with every hex digit changed (still well-formed)."""
    return "".join(("0" if c.upper() == "F" else "F") if c in "0123456789abcdefABCDEF" else c for c in value)


def hook_connect(api, transport, fatal, bad_fingerprint, record):
    @transport.on("connect")
    async def on_connect(dtlsParameters):
        try:
            params = dump(dtlsParameters)
            if bad_fingerprint:
                for fp in params.get("fingerprints", []):
                    fp["value"] = alter_fingerprint(fp["value"])
                log("connect: sending an altered DTLS fingerprint (--bad-fingerprint)")
            record["localDtlsParameters"] = params
            await api.request("POST", f"{api.bpath}/transports/{transport.id}/connect", {"dtlsParameters": params})
            record["connected"] = True
        except BaseException as e:  # noqa: BLE001 - reported through Fatal
            fatal.set(e)

    @transport.on("connectionstatechange")
    def on_state(state):
        log(f"transport {transport.id[:8]}… connectionstatechange -> {state}")
        record.setdefault("stateChanges", []).append(state)


# ---------------------------------------------------------------- publish


async def publish(args):
    _import_media()
    api = Api(args.api, args.room, args.broadcaster)
    audio, video = make_tracks()
    tracks = [t for t, on in ((audio, not args.no_audio), (video, not args.no_video)) if on]
    stop = stop_on_signals()
    device, info = await setup_device(api, tracks, "pymediasoup publisher")
    fatal = Fatal()
    record = {}
    transport = device.createSendTransport(**transport_kwargs(info))
    hook_connect(api, transport, fatal, args.bad_fingerprint, record)

    @transport.on("produce")
    async def on_produce(kind, rtpParameters, appData):
        try:
            ans = await api.request(
                "POST",
                f"{api.bpath}/transports/{transport.id}/producers",
                {"kind": kind, "rtpParameters": dump(rtpParameters)},
            )
            if not isinstance(ans, dict) or not isinstance(ans.get("id"), str):
                raise ApiError("POST", "producers", 200, f"answer has no id: {json.dumps(ans)}")
            return ans["id"]
        except BaseException as e:  # noqa: BLE001
            fatal.set(e)
            raise

    producers = {}
    params = {}
    try:
        if not args.no_audio:
            p = await fatal.step("produce audio", transport.produce(track=audio, stopTracks=False))
            producers["audio"] = p.id
            params["audio"] = dump(p.rtpParameters)
        if not args.no_video:
            codec = None
            if args.video_codec == "h264":
                codec = next(
                    (c for c in device.sendRtpCapabilities.codecs if c.mimeType.lower() == "video/h264"), None
                )
                if codec is None:
                    raise RuntimeError("the device cannot send H264 to this router")
            else:
                codec = next((c for c in device.sendRtpCapabilities.codecs if c.mimeType.lower() == "video/vp8"), None)
            p = await fatal.step("produce video", transport.produce(track=video, codec=codec, stopTracks=False))
            producers["video"] = p.id
            params["video"] = dump(p.rtpParameters)

        result = {"transportId": transport.id, "producers": producers}
        print(write_json(args.out_json, result), flush=True)
        log("producing: " + json.dumps({"rtpParameters": params}))

        # Send for the requested time (or until SIGTERM/SIGINT); a failure in a
        # handler ends it early.
        last = [None]

        def tick():
            st = client_state(transport)
            if st != last[0]:
                log("client state " + json.dumps(st))
                last[0] = st

        await sleep_until(time.monotonic() + args.seconds, stop, fatal, tick)
        if stop.is_set():
            log("stopping early (signal)")

        final = dict(result)
        final["client"] = client_state(transport)
        final["client"]["stateChanges"] = record.get("stateChanges", [])
        final["rtpParameters"] = params
        write_json(args.out_json, final)
        log("final client state " + json.dumps(final["client"]))
    finally:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(transport.close(), STEP_TIMEOUT)
        for t in (audio, video):
            t.stop()
        if args.delete:
            with contextlib.suppress(ApiError):
                await api.request("DELETE", api.bpath)
    return 0


# ---------------------------------------------------------------- consume


class Counter:
    def __init__(self):
        self.video_frames = 0
        self.width = 0
        self.height = 0
        self.sizes = {}
        self.audio_samples = 0
        self.audio_frames = 0
        self.sample_rate = 0
        self.first_frame = None  # asyncio.Event set by the first decoded frame
        self.first_frame_after = None  # seconds from the first consume request

    def as_json(self):
        return {
            "video": {"frames": self.video_frames, "width": self.width, "height": self.height, "sizes": self.sizes},
            "audio": {
                "seconds": round(self.audio_samples / self.sample_rate, 3) if self.sample_rate else 0.0,
                "frames": self.audio_frames,
                "sampleRate": self.sample_rate,
            },
        }


async def drain(track, kind, counter):
    """Read decoded frames until the track ends or the task is cancelled."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if kind == "video":
            counter.video_frames += 1
            counter.width, counter.height = frame.width, frame.height
            key = f"{frame.width}x{frame.height}"
            counter.sizes[key] = counter.sizes.get(key, 0) + 1
        else:
            counter.audio_frames += 1
            counter.audio_samples += frame.samples
            counter.sample_rate = frame.sample_rate
        counter.first_frame.set()


async def consume(args):
    _import_media()
    from pymediasoup.rtp_parameters import RtpParameters

    api = Api(args.api, args.room, args.broadcaster)
    stop = stop_on_signals()
    device, info = await setup_device(api, [], "pymediasoup consumer")
    fatal = Fatal()
    record = {}
    transport = device.createRecvTransport(**transport_kwargs(info))
    hook_connect(api, transport, fatal, False, record)

    counter = Counter()
    counter.first_frame = asyncio.Event()
    decode_errors = DecodeErrors(counter)
    logging.getLogger("aiortc.rtcrtpreceiver").addHandler(decode_errors)
    drains = []
    consumers = []
    started = decode_errors.t0 = time.monotonic()
    try:
        for producer_id in args.producer:
            ans = await api.request(
                "POST",
                f"{api.bpath}/transports/{transport.id}/consume?producerId={urllib.parse.quote(producer_id, safe='')}",
            )
            for key in ("id", "producerId", "kind", "rtpParameters"):
                if key not in (ans or {}):
                    raise ApiError("POST", "consume", 200, f"answer lacks {key}: {json.dumps(ans)}")
            log("consume answer " + json.dumps(ans))
            consumer = await fatal.step(
                f"consume {ans['kind']}",
                transport.consume(
                    id=ans["id"],
                    producerId=ans["producerId"],
                    kind=ans["kind"],
                    rtpParameters=RtpParameters.model_validate(ans["rtpParameters"]),
                ),
            )
            resumed = False
            if ans.get("paused"):
                await api.request("POST", f"{api.bpath}/consumers/{ans['id']}/resume")
                resumed = True
            consumers.append(
                {
                    "id": ans["id"],
                    "producerId": ans["producerId"],
                    "kind": ans["kind"],
                    "paused": ans.get("paused"),
                    "producerPaused": ans.get("producerPaused"),
                    "resumed": resumed,
                    "ssrc": (ans["rtpParameters"].get("encodings") or [{}])[0].get("ssrc"),
                    "codec": (ans["rtpParameters"].get("codecs") or [{}])[0].get("mimeType"),
                }
            )
            drains.append(asyncio.ensure_future(drain(consumer.track, ans["kind"], counter)))

        # Wait for the first frame (ICE + DTLS + a key frame), then count for S seconds.
        first = asyncio.ensure_future(counter.first_frame.wait())
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait(
            {first, stopped, fatal.future}, timeout=args.wait, return_when=asyncio.FIRST_COMPLETED
        )
        if fatal.future in done:
            fatal.future.result()
        got_first = first in done
        first.cancel()
        stopped.cancel()
        if got_first:
            counter.first_frame_after = round(time.monotonic() - started, 3)
            await sleep_until(time.monotonic() + args.seconds, stop, fatal)
        elif not stop.is_set():
            log(f"no frame within {args.wait:.0f} s; client state " + json.dumps(client_state(transport)))
    finally:
        for d in drains:
            d.cancel()
        for d in drains:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(d, 5)
        state = client_state(transport)
        state["stateChanges"] = record.get("stateChanges", [])
        out = counter.as_json()
        out["video"]["decodeErrors"] = decode_errors.count
        out["video"]["decodeErrorsAt"] = decode_errors.as_json()
        out["firstFrameAfter"] = counter.first_frame_after
        out.update({"transportId": transport.id, "consumers": consumers, "client": state})
        write_json(args.out_json, out)
        log("result " + json.dumps(out))
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(transport.close(), STEP_TIMEOUT)
        if args.delete:
            with contextlib.suppress(ApiError):
                await api.request("DELETE", api.bpath)
    return 0


# ---------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--api", required=True, help="Sluice base URL, e.g. http://127.0.0.1:4443")
        p.add_argument("--room", required=True)
        p.add_argument("--broadcaster", required=True, help="broadcaster id to create")
        p.add_argument("--seconds", type=float, required=True)
        p.add_argument("--delete", action="store_true", help="DELETE the broadcaster on exit")
        p.add_argument("--verbose", action="store_true", help="aiortc/pymediasoup debug logs")

    p = sub.add_parser("publish", help="produce a tone and moving stripes")
    common(p)
    p.add_argument("--video-codec", choices=("vp8", "h264"), default="vp8")
    p.add_argument("--out-json")
    p.add_argument("--bad-fingerprint", action="store_true", help="connect with an altered DTLS fingerprint")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--no-audio", action="store_true")
    g.add_argument("--no-video", action="store_true")

    c = sub.add_parser("consume", help="consume producers and count decoded frames")
    common(c)
    c.add_argument("--producer", action="append", required=True)
    c.add_argument("--out-json", required=True)
    c.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the first frame")

    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    # aiortc's DTLS/ICE progress is the interesting part when media does not flow.
    for name in ("aiortc.rtcdtlstransport", "aioice.ice"):
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.INFO)

    run = publish if args.cmd == "publish" else consume
    # A hard bound on the whole run: setup + the media time + teardown.
    budget = args.seconds + getattr(args, "wait", 0) + 6 * STEP_TIMEOUT
    try:
        return asyncio.run(asyncio.wait_for(run(args), budget))
    except ApiError as e:
        print(f"webrtc_client: API error: {e.method} {e.path} -> HTTP {e.status}: {e.body}", file=sys.stderr)
        return EXIT_API
    except (StepTimeout, asyncio.TimeoutError) as e:
        print(f"webrtc_client: timed out: {e or 'overall time bound'}", file=sys.stderr)
        return EXIT_TIMEOUT
    except KeyboardInterrupt:
        return EXIT_OTHER
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        print(f"webrtc_client: failed: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_OTHER


if __name__ == "__main__":
    sys.exit(main())
