#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Real WebRTC clients (pymediasoup + aiortc, tools/webrtc_client.py) against Sluice,
# speaking the mediasoup-demo broadcaster flow: GET room → device.load → broadcaster with
# the device's rtpCapabilities → webrtc transport with sctpCapabilities → connect with
# the client's dtlsParameters → produce / consume?producerId=.
#
#   1. pymediasoup publisher (Opus tone + VP8 stripes) → a second pymediasoup client
#      consumes both: ≥ 50 decoded video frames, ≥ 2 s of audio; producer and consumer
#      stats; both transports report dtlsState connected and iceState connected/completed.
#      1b. The same with H264 video (packetization-mode 1) from the publisher.
#   2. The reference ffmpeg plain ingest (Opus 1111/PT 100 + VP8 2222/PT 101 into two
#      comedia plain transports) → a pymediasoup consumer decodes it.
#   3. A pymediasoup producer → plain transports (one consumer each) → ffmpeg reading
#      GET …/broadcasters/B/sdp → out.mkv: opus + vp8, `ffmpeg -v error` decode silent.
#   4. A publisher that connects with a DTLS fingerprint not matching its certificate:
#      the transport's dtlsState becomes failed, nothing is forwarded, the client never
#      gets connected media; the server stays healthy and another room keeps flowing.
#
# Needs the repo's .venv with aiortc and pymediasoup (`make venv`), ffmpeg/ffprobe
# (libopus, libvpx), jq, python3, ss.  Env: SLUICE_URL; optional SLUICE_LOG (server log,
# tailed on failure), IT_MEDIA_KEEP=1 (keep the work dir), IT_PYTHON (another python).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

ROOT="$(cd "$HERE/../.." && pwd)"
PY="${IT_PYTHON:-$ROOT/.venv/bin/python}"
CLIENT="$HERE/tools/webrtc_client.py"
W="$IT_TMP"
FPS=30
CONSUME_SECONDS=6     # counted from the consumer's first decoded frame
FIRST_FRAME_WAIT=15   # how long a consumer waits for that first frame
MIN_FRAMES=50
MIN_AUDIO_SECONDS=2

for tool in ffmpeg ffprobe jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done
if [ ! -x "$PY" ]; then bail "python with aiortc + pymediasoup" "$PY not found (run 'make venv')"; fi
if VERSIONS="$("$PY" -c 'import aiortc, av, pymediasoup; print("aiortc", aiortc.__version__, "pymediasoup", pymediasoup.__version__, "av", av.__version__)' 2>"$W/import.err")"; then
    pass "aiortc and pymediasoup importable ($VERSIONS)"
else
    bail "aiortc and pymediasoup importable" "$(tail -n 3 "$W/import.err" | tr '\n' ' ') (run 'make venv')"
fi

# ------------------------------------------------------------ helpers

# start_publisher LABEL ROOM B SECONDS [client args...]: a pymediasoup publisher in the
# background; waits (30 s) for its producers.  Sets PUB_PID PUB_JSON PUB_LOG PUB_T PUB_A PUB_V.
start_publisher() {
    local label="$1" room="$2" b="$3" seconds="$4" i
    shift 4
    PUB_JSON="$W/pub-$b.json"
    PUB_LOG="$W/pub-$b.log"
    spawn_bounded "$PUB_LOG" $((${seconds%.*} + 60)) "$PY" "$CLIENT" publish --api "$SLUICE_URL" \
        --room "$room" --broadcaster "$b" --seconds "$seconds" --out-json "$PUB_JSON" "$@"
    PUB_PID="$SPAWNED_PID"
    for i in $(seq 300); do
        if [ -s "$PUB_JSON" ] && jq -e '.producers | length > 0' "$PUB_JSON" >/dev/null 2>&1; then break; fi
        if ! running "$PUB_PID"; then break; fi
        sleep 0.1
    done
    if [ -s "$PUB_JSON" ] && jq -e '.transportId and (.producers | length > 0)' "$PUB_JSON" >/dev/null 2>&1; then
        PUB_T="$(jq -r .transportId "$PUB_JSON")"
        PUB_A="$(jq -r '.producers.audio // empty' "$PUB_JSON")"
        PUB_V="$(jq -r '.producers.video // empty' "$PUB_JSON")"
        pass "$label: pymediasoup publisher is producing (transport ${PUB_T:0:8}…, producers $(jq -c '.producers | keys' "$PUB_JSON"))"
    else
        wait_exit "$PUB_PID" 1
        show_file "$label publisher log" "$PUB_LOG" 30
        bail "$label: pymediasoup publisher is producing" "no producers within 30 s (exit status $EXIT_STATUS; 2 = API error, see the log)"
    fi
}

# stop_publisher LABEL PID LOG: SIGTERM (the client closes its transport and exits 0).
stop_publisher() {
    stop_pid "$2" TERM 15
    if [ "$EXIT_STATUS" = 0 ]; then
        pass "$1: publisher closes cleanly and exits 0"
    else
        fail "$1: publisher closes cleanly and exits 0" "status $EXIT_STATUS"
        show_file "$1 publisher log" "$3" 25
    fi
}

# start_consumer LABEL ROOM B OUT PRODUCER...: a pymediasoup consumer in the background.
# Sets CON_PID CON_LOG.
start_consumer() {
    local label="$1" room="$2" b="$3" out="$4" p
    shift 4
    local pargs=()
    for p in "$@"; do pargs+=(--producer "$p"); done
    CON_LOG="${out%.json}.log"
    spawn_bounded "$CON_LOG" $((CONSUME_SECONDS + FIRST_FRAME_WAIT + 60)) "$PY" "$CLIENT" consume --api "$SLUICE_URL" \
        --room "$room" --broadcaster "$b" --seconds "$CONSUME_SECONDS" --wait "$FIRST_FRAME_WAIT" \
        --out-json "$out" "${pargs[@]}"
    CON_PID="$SPAWNED_PID"
}

# finish_consumer LABEL PID OUT: wait for it; sets CON_RESULT (its JSON, {} when missing).
finish_consumer() {
    local label="$1" pid="$2" out="$3"
    wait_exit "$pid" $((CONSUME_SECONDS + FIRST_FRAME_WAIT + 45))
    if [ "$EXIT_STATUS" = 0 ]; then
        pass "$label: consumer exits 0"
    else
        fail "$label: consumer exits 0" "status $EXIT_STATUS (2 = API error, 3 = timeout, 124 = still running)"
        show_file "$label consumer log" "${out%.json}.log" 30
        stop_pid "$pid" KILL 2
    fi
    CON_RESULT="$(cat "$out" 2>/dev/null || true)"
    if ! jq -e . <<<"${CON_RESULT:-x}" >/dev/null 2>&1; then CON_RESULT='{}'; fi
}

# check_decoded LABEL JSON [w h]: frames/audio thresholds on a consumer's result.
check_decoded() {
    local label="$1" json="$2"
    local frames secs
    frames="$(jnum "$json" '.video.frames')"
    secs="$(jnum "$json" '.audio.seconds')"
    assert_ge "$label: ≥ $MIN_FRAMES decoded video frames" "$frames" "$MIN_FRAMES" \
        "video $(jq -c '.video' <<<"$json" 2>/dev/null), client $(jq -c '.client' <<<"$json" 2>/dev/null)"
    if [ $# -ge 4 ]; then
        assert_json_expr "$label: decoded video is $3x$4" "$json" --argjson w "$3" --argjson h "$4" \
            '.video.width == $w and .video.height == $h'
    fi
    assert_ge "$label: ≥ ${MIN_AUDIO_SECONDS} s of decoded audio" "$secs" "$MIN_AUDIO_SECONDS" \
        "audio $(jq -c '.audio' <<<"$json" 2>/dev/null)"
    # Frames the client's decoder refused: with none decoded before the first refusal, the
    # consumer's stream did not start on a key frame.  Noted, not failed.
    local errs
    errs="$(jnum "$json" '.video.decodeErrors')"
    if [ "$errs" != 0 ]; then
        echo "note: $label: aiortc's decoder refused $errs video frame(s), the first after $(jq -r '.video.decodeErrorsAt.first[1]' <<<"$json") decoded frame(s) ($(jq -c '.video.decodeErrorsAt' <<<"$json"): [seconds since consume, frames decoded])"
    fi
}

# transport_json ROOM B T: GET the transport (empty on a non-200 answer).
transport_json() { get_json "/rooms/$1/broadcasters/$2/transports/$3"; }

# wait_transport ROOM B T SECONDS JQ_FILTER: poll the transport until FILTER holds;
# TRANSPORT_JSON holds the last answer.  Returns 1 on timeout.
wait_transport() {
    local deadline=$((SECONDS + $4))
    while :; do
        TRANSPORT_JSON="$(transport_json "$1" "$2" "$3")"
        if jq -e "$5" <<<"${TRANSPORT_JSON:-null}" >/dev/null 2>&1; then return 0; fi
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# first_transport ROOM B SECONDS: poll the broadcaster until it has a transport; its id in FT_ID.
first_transport() {
    local deadline=$((SECONDS + $3))
    FT_ID=""
    while [ "$SECONDS" -le "$deadline" ]; do
        FT_ID="$(get_json "/rooms/$1/broadcasters/$2" | jq -r '.transports[0].id // empty' 2>/dev/null || true)"
        [ -n "$FT_ID" ] && return 0
        sleep 0.2
    done
    return 1
}

# pts_steps FILE SELECTOR NOMINAL: "t=<pts>:<delta ms>" for packets whose pts does not
# advance by NOMINAL seconds (±2 ms), first 12.
pts_steps() {
    ffprobe -v error -select_streams "$2" -show_entries packet=pts_time -of csv=p=0 "$1" 2>/dev/null |
        awk -v n="$3" 'NR > 1 { d = $1 - p; if (d - n > 0.002 || n - d > 0.002) printf "t=%s:%+.0fms ", $1, d * 1000 } { p = $1 }' |
        cut -d' ' -f1-12
}

DTLS_UP='.dtlsState == "connected" and (.iceState == "connected" or .iceState == "completed")'
state_of() { jq -c '{iceState, dtlsState, connected, iceSelectedTuple}' <<<"${1:-null}" 2>/dev/null || printf '%s' "${1:-none}"; }

# ============================================================ 1. pymediasoup → pymediasoup
R1="it-webrtc-pm-$(rand_id 8)"
B1P="$(rand_id 32)"
B1C="$(rand_id 32)"
room_caps "$R1"
start_publisher "case 1" "$R1" "$B1P" 40
P1_PID="$PUB_PID" P1_LOG="$PUB_LOG" P1_JSON="$PUB_JSON" P1_T="$PUB_T" P1_A="$PUB_A" P1_V="$PUB_V"
if [ -z "$P1_A" ] || [ -z "$P1_V" ]; then bail "case 1: audio and video producers" "$(cat "$P1_JSON")"; fi

if wait_transport "$R1" "$B1P" "$P1_T" 15 "$DTLS_UP"; then
    pass "case 1: publisher transport dtlsState connected, iceState $(jq -r .iceState <<<"$TRANSPORT_JSON")"
else
    fail "case 1: publisher transport dtlsState connected, iceState connected/completed" \
        "after 15 s: $(state_of "$TRANSPORT_JSON")"
    show_file "case 1 publisher log" "$P1_LOG" 30
fi
assert_json_expr "case 1: publisher transport has its producers and the client's DTLS parameters" "${TRANSPORT_JSON:-{\}}" \
    --arg a "$P1_A" --arg v "$P1_V" \
    '(.producerIds | index($a) != null and index($v) != null) and .connected == true and (.remoteDtlsParameters.fingerprints | length > 0)'

start_consumer "case 1" "$R1" "$B1C" "$W/c1.json" "$P1_A" "$P1_V"
C1_PID="$CON_PID"
if first_transport "$R1" "$B1C" 20 && wait_transport "$R1" "$B1C" "$FT_ID" 20 "$DTLS_UP"; then
    pass "case 1: consumer transport dtlsState connected, iceState $(jq -r .iceState <<<"$TRANSPORT_JSON")"
    # Mid-stream: the consumers must be forwarding while the client decodes.
    sleep 2
    C1_IDS="$(jq -r '.consumerIds[]' <<<"$TRANSPORT_JSON" 2>/dev/null || true)"
    assert_eq "case 1: consumer transport has two consumers" 2 "$(grep -c . <<<"$C1_IDS" || true)"
    for cid in $C1_IDS; do
        CS="$(get_json "/rooms/$R1/broadcasters/$B1C/consumers/$cid/stats")"
        assert_json_expr "case 1: consumer ${cid:0:8}… stats: packetsSent > 0" "${CS:-{\}}" '.packetsSent > 0 and .bytesSent > 0'
    done
else
    fail "case 1: consumer transport dtlsState connected, iceState connected/completed" \
        "transport '${FT_ID:-none}': $(state_of "${TRANSPORT_JSON:-}")"
fi
finish_consumer "case 1" "$C1_PID" "$W/c1.json"
C1="$CON_RESULT"
check_decoded "case 1" "$C1" 320 240
assert_json_expr "case 1: consumer answers: opus + VP8, not paused or resumed" "$C1" \
    '[.consumers[].codec | ascii_downcase] == ["audio/opus", "video/vp8"] and all(.consumers[]; .paused == false or .resumed == true)'
assert_json_expr "case 1: consumer client saw DTLS connected" "$C1" '.client.dtlsStates == ["connected"] or .client.dtlsStates == ["closed"]'

PS_A="$(get_json "/rooms/$R1/broadcasters/$B1P/producers/$P1_A/stats")"
PS_V="$(get_json "/rooms/$R1/broadcasters/$B1P/producers/$P1_V/stats")"
assert_json_expr "case 1: audio producer stats: packetsReceived > 0" "${PS_A:-{\}}" '.streams[0].packetsReceived > 0'
assert_json_expr "case 1: video producer stats: packetsReceived > 0" "${PS_V:-{\}}" '.streams[0].packetsReceived > 0'
T1_STATS="$(get_json "/rooms/$R1/broadcasters/$B1P/transports/$P1_T/stats")"
assert_json_expr "case 1: publisher transport stats: rtpPacketsReceived > 0" "${T1_STATS:-{\}}" '.rtpPacketsReceived > 0'

stop_publisher "case 1" "$P1_PID" "$P1_LOG"
assert_json_expr "case 1: publisher client saw ICE completed and DTLS connected" "$(cat "$P1_JSON" 2>/dev/null || echo '{}')" \
    '(.client.iceConnectionState == "completed" or .client.iceConnectionState == "connected") and .client.dtlsStates == ["connected"]'

# ------------------------------------------------------------ 1b. the same with H264 video
R1H="it-webrtc-h264-$(rand_id 8)"
B1HP="$(rand_id 32)"
B1HC="$(rand_id 32)"
room_caps "$R1H"
start_publisher "case 1b (H264)" "$R1H" "$B1HP" 40 --video-codec h264 --no-audio
P1H_PID="$PUB_PID" P1H_LOG="$PUB_LOG" P1H_V="$PUB_V"
if [ -z "$P1H_V" ]; then bail "case 1b (H264): video producer" "$(cat "$PUB_JSON")"; fi
P1H_INFO="$(get_json "/rooms/$R1H/broadcasters/$B1HP/producers/$P1H_V")"
assert_json_expr "case 1b (H264): producer codec H264 packetization-mode 1" "${P1H_INFO:-{\}}" \
    '.rtpParameters.codecs[0] | (.mimeType | ascii_downcase) == "video/h264" and (.parameters["packetization-mode"] | tostring) == "1"'
start_consumer "case 1b (H264)" "$R1H" "$B1HC" "$W/c1h.json" "$P1H_V"
finish_consumer "case 1b (H264)" "$CON_PID" "$W/c1h.json"
C1H="$CON_RESULT"
assert_ge "case 1b (H264): ≥ $MIN_FRAMES decoded video frames" "$(jnum "$C1H" '.video.frames')" "$MIN_FRAMES" \
    "video $(jq -c '.video' <<<"$C1H"), client $(jq -c '.client' <<<"$C1H")"
assert_json_expr "case 1b (H264): consumer codec H264, 320x240" "$C1H" \
    '(.consumers[0].codec | ascii_downcase) == "video/h264" and .video.width == 320 and .video.height == 240'
stop_publisher "case 1b (H264)" "$P1H_PID" "$P1H_LOG"

# ============================================================ 2. ffmpeg plain → pymediasoup
R2="it-webrtc-ff-$(rand_id 8)"
B2S="$(rand_id 32)"
B2C="$(rand_id 32)"
SEND2=$((CONSUME_SECONDS + FIRST_FRAME_WAIT + 10))
room_caps "$R2"
new_broadcaster "$R2" "$B2S"
new_plain "$R2" "$B2S" "$PLAIN_COMEDIA" "case 2: audio (send)"
A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
A_T="$T_ID"
new_plain "$R2" "$B2S" "$PLAIN_COMEDIA" "case 2: video (send)"
V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
V_T="$T_ID"
if [ -z "$A_RTCP" ] || [ -z "$V_RTCP" ]; then bail "case 2: send transports have rtcpPort" "audio '$A_RTCP' video '$V_RTCP'"; fi
new_producer "$R2" "$B2S" "$A_T" "$OPUS_PRODUCER" "case 2: opus 1111"
P2_A="$P_ID"
new_producer "$R2" "$B2S" "$V_T" "$VP8_PRODUCER" "case 2: vp8 2222"
P2_V="$P_ID"

TEE="[select=a:f=rtp:ssrc=1111:payload_type=100]rtp://$A_IP:$A_PORT?rtcpport=$A_RTCP|[select=v:f=rtp:ssrc=2222:payload_type=101]rtp://$V_IP:$V_PORT?rtcpport=$V_RTCP"
spawn_bounded "$W/send2.log" $((SEND2 + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -f lavfi -i "testsrc2=size=320x240:rate=$FPS" \
    -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -map 1:a:0 -c:a libopus -b:a 128k -ac 2 -ar 48000 \
    -map 0:v:0 -pix_fmt yuv420p -c:v libvpx -b:v 1000k -deadline realtime -cpu-used 8 -g 30 \
    -t "$SEND2" -f tee "$TEE"
SEND2_PID="$SPAWNED_PID"

start_consumer "case 2" "$R2" "$B2C" "$W/c2.json" "$P2_A" "$P2_V"
C2_PID="$CON_PID"
finish_consumer "case 2" "$C2_PID" "$W/c2.json"
C2="$CON_RESULT"
check_decoded "case 2" "$C2" 320 240
PS2_V="$(get_json "/rooms/$R2/broadcasters/$B2S/producers/$P2_V/stats")"
assert_json_expr "case 2: ffmpeg's VP8 producer: packetsReceived > 0 (ssrc 2222)" "${PS2_V:-{\}}" \
    '.streams[0].ssrc == 2222 and .streams[0].packetsReceived > 0'
stop_pid "$SEND2_PID" TERM 5
if [ "$IT_FAILED" -ne 0 ]; then show_file "case 2 sender log" "$W/send2.log" 10; fi

# ============================================================ 3. pymediasoup → plain → ffmpeg
R3="it-webrtc-rec-$(rand_id 8)"
B3P="$(rand_id 32)"
B3R="$(rand_id 32)"
RECV_SECONDS=6
room_caps "$R3"
start_publisher "case 3" "$R3" "$B3P" 40
P3_PID="$PUB_PID" P3_LOG="$PUB_LOG" P3_A="$PUB_A" P3_V="$PUB_V" P3_T="$PUB_T"
if [ -z "$P3_A" ] || [ -z "$P3_V" ]; then bail "case 3: audio and video producers" "$(cat "$PUB_JSON")"; fi
if ! wait_transport "$R3" "$B3P" "$P3_T" 15 "$DTLS_UP"; then
    fail "case 3: publisher transport dtlsState connected" "after 15 s: $(state_of "$TRANSPORT_JSON")"
fi

new_broadcaster "$R3" "$B3R" with-caps
PA="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
PV="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$PV" = "$PA" ]; do PV="$(free_udp_pair)"; done
new_plain "$R3" "$B3R" "$PLAIN_CONNECTED" "case 3: audio (receive)"
RA_T="$T_ID"
connect_plain "$R3" "$B3R" "$RA_T" "{\"ip\":\"127.0.0.1\",\"port\":$PA,\"rtcpPort\":$((PA + 1))}" "case 3: audio (receive) → 127.0.0.1:$PA"
new_plain "$R3" "$B3R" "$PLAIN_CONNECTED" "case 3: video (receive)"
RV_T="$T_ID"
connect_plain "$R3" "$B3R" "$RV_T" "{\"ip\":\"127.0.0.1\",\"port\":$PV,\"rtcpPort\":$((PV + 1))}" "case 3: video (receive) → 127.0.0.1:$PV"
consume "$R3" "$B3R" "$RA_T" "$P3_A" "case 3: opus consumer (plain)"
C3_A="$C_ID"
assert_json_expr "case 3: opus consumer: router PT 100 opus/48000/2" "$C_JSON" \
    '.rtpParameters.codecs[0] | .payloadType == 100 and (.mimeType | ascii_downcase) == "audio/opus" and .clockRate == 48000'
consume "$R3" "$B3R" "$RV_T" "$P3_V" "case 3: vp8 consumer (plain)"
C3_V="$C_ID"
assert_json_expr "case 3: vp8 consumer: router PT 101 VP8/90000" "$C_JSON" \
    '.rtpParameters.codecs[0] | .payloadType == 101 and (.mimeType | ascii_downcase) == "video/vp8"'

http GET "/rooms/$R3/broadcasters/$B3R/sdp"
must_status "case 3: GET broadcaster SDP 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/recv3.sdp"
spawn_bounded "$W/recv3.log" $((RECV_SECONDS + 40)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp -i "$W/recv3.sdp" -map 0 -c copy -t "$RECV_SECONDS" -y "$W/out3.mkv"
RECV3_PID="$SPAWNED_PID"
if wait_udp_bound "$PA" 10 && wait_udp_bound "$PV" 10; then
    pass "case 3: receiver ffmpeg listens on $PA and $PV"
else
    show_file "case 3 receiver log" "$W/recv3.log"
    bail "case 3: receiver ffmpeg listens on $PA and $PV" "ports not bound within 10 s"
fi
# The publisher has been sending since before the receiver bound: ask for a key frame now
# (Sluice → PLI → aiortc) so the recording starts decodable.
http POST "/rooms/$R3/broadcasters/$B3R/consumers/$C3_V/request-key-frame"
assert_status "case 3: request-key-frame on the vp8 consumer" 204

wait_exit "$RECV3_PID" $((RECV_SECONDS + 30))
if [ "$EXIT_STATUS" = 0 ]; then
    pass "case 3: receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0"
else
    fail "case 3: receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0" "status $EXIT_STATUS (124: still waiting for media)"
    show_file "case 3 receiver log" "$W/recv3.log" 30
    stop_pid "$RECV3_PID" KILL 2
fi
CS3_A="$(get_json "/rooms/$R3/broadcasters/$B3R/consumers/$C3_A/stats")"
CS3_V="$(get_json "/rooms/$R3/broadcasters/$B3R/consumers/$C3_V/stats")"
assert_json_expr "case 3: plain opus consumer: packetsSent > 0" "${CS3_A:-{\}}" '.packetsSent > 0'
assert_json_expr "case 3: plain vp8 consumer: packetsSent > 0" "${CS3_V:-{\}}" '.packetsSent > 0'
stop_publisher "case 3" "$P3_PID" "$P3_LOG"

OUT3="$W/out3.mkv"
if [ -s "$OUT3" ]; then pass "case 3: receiver wrote out3.mkv ($(stat -c %s "$OUT3") bytes)"; else fail "case 3: receiver wrote out3.mkv" "missing or empty"; fi
STREAMS="$(probe_streams "$OUT3" | sort | tr '\n' ' ')"
if grep -q 'audio:opus' <<<"$STREAMS"; then pass "case 3: ffprobe: opus stream"; else fail "case 3: ffprobe: opus stream" "streams: $STREAMS"; fi
if grep -q 'video:vp8' <<<"$STREAMS"; then pass "case 3: ffprobe: vp8 stream"; else fail "case 3: ffprobe: vp8 stream" "streams: $STREAMS"; fi
DIMS="$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$OUT3" 2>/dev/null | head -n1 || true)"
assert_eq "case 3: video is 320x240" "320x240" "$DIMS"
decode_errors "$OUT3" "$W/decode3.txt"
if [ ! -s "$W/decode3.txt" ]; then
    pass "case 3: ffmpeg -v error decodes out3.mkv silently"
else
    why="$(head -n 8 "$W/decode3.txt" | tr '\n' '|')"
    if ! grep -v -e 'non monotonically increasing dts' -e 'Last message repeated' "$W/decode3.txt" | grep -q .; then
        # ffmpeg's RTP receiver numbers each stream from its first packet and aligns the
        # streams when the first sender report arrives; media that came before it gets
        # re-stamped then (a one-time step), which its muxer writes as repeated timestamps.
        # Frames still decode; the step is reported, not failed.
        echo "note: case 3: ffmpeg re-stamped early packets at its first SR: audio $(pts_steps "$OUT3" a:0 0.02) video $(pts_steps "$OUT3" v:0 0.03333)"
        pass "case 3: out3.mkv decodes (only ffmpeg's first-SR timestamp step reported)"
    else
        fail "case 3: ffmpeg -v error decodes out3.mkv silently" "$why"
    fi
fi
FRAMES3="$(count_frames "$OUT3" v:0)"
assert_ge "case 3: ≥ $MIN_FRAMES decoded video frames in out3.mkv" "${FRAMES3:-0}" "$MIN_FRAMES"

# ============================================================ 4. bad DTLS fingerprint
R4="it-webrtc-bad-$(rand_id 8)"
R5="it-webrtc-ok-$(rand_id 8)"
B4="$(rand_id 32)"
B5="$(rand_id 32)"
room_caps "$R5"
start_publisher "case 4 (other room)" "$R5" "$B5" 40
P5_PID="$PUB_PID" P5_LOG="$PUB_LOG" P5_T="$PUB_T" P5_V="$PUB_V"
room_caps "$R4"
start_publisher "case 4" "$R4" "$B4" 12 --bad-fingerprint
P4_PID="$PUB_PID" P4_LOG="$PUB_LOG" P4_JSON="$PUB_JSON" P4_T="$PUB_T" P4_A="$PUB_A" P4_V="$PUB_V"

if wait_transport "$R4" "$B4" "$P4_T" 20 '.dtlsState == "failed"'; then
    pass "case 4: transport dtlsState becomes failed"
else
    fail "case 4: transport dtlsState becomes failed" "after 20 s: $(state_of "$TRANSPORT_JSON")"
    show_file "case 4 publisher log" "$P4_LOG" 30
fi
assert_json_expr "case 4: ICE itself succeeded (iceState connected/completed)" "${TRANSPORT_JSON:-{\}}" \
    '.iceState == "connected" or .iceState == "completed"'
sleep 2
for pair in "audio:$P4_A" "video:$P4_V"; do
    kind="${pair%%:*}" pid="${pair#*:}"
    PS="$(get_json "/rooms/$R4/broadcasters/$B4/producers/$pid/stats")"
    assert_json_expr "case 4: $kind producer received nothing" "${PS:-{\}}" '[.streams[]?.packetsReceived] | add // 0 | . == 0'
done
T4_STATS="$(get_json "/rooms/$R4/broadcasters/$B4/transports/$P4_T/stats")"
assert_json_expr "case 4: transport stats: no RTP received" "${T4_STATS:-{\}}" '(.rtpPacketsReceived // 0) == 0'

wait_exit "$P4_PID" 60
if [ "$EXIT_STATUS" = 124 ]; then stop_pid "$P4_PID" TERM 10; fi
assert_json_expr "case 4: the client never reached connected DTLS" "$(cat "$P4_JSON" 2>/dev/null || echo '{}')" \
    '.client.dtlsStates != ["connected"] and .client.connectionState != "connected"'

http GET /healthz
assert_status "case 4: server healthy after the failed handshake" 200
V5A="$(jnum "$(get_json "/rooms/$R5/broadcasters/$B5/producers/$P5_V/stats")" '.streams[0].packetsReceived')"
sleep 1.5
V5B="$(jnum "$(get_json "/rooms/$R5/broadcasters/$B5/producers/$P5_V/stats")" '.streams[0].packetsReceived')"
assert_ge "case 4: the other room's video producer keeps receiving ($V5A → $V5B)" "$V5B" "$((V5A + 1))"
T5="$(transport_json "$R5" "$B5" "$P5_T")"
assert_json_expr "case 4: the other room's transport: dtlsState connected" "${T5:-{\}}" "$DTLS_UP"
stop_publisher "case 4 (other room)" "$P5_PID" "$P5_LOG"

# ------------------------------------------------------------ clean up
if [ "$IT_FAILED" -ne 0 ]; then
    for f in "$W"/pub-*.log "$W"/c*.log; do
        [ -f "$f" ] && show_file "$(basename "$f")" "$f" 15
    done
    show_server_log
fi
for r in "$R1" "$R1H" "$R2" "$R3" "$R4" "$R5"; do
    http DELETE "/rooms/$r"
    assert_status "DELETE room ${r%-*}-… 204" 204
done
finish
