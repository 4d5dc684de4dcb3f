#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# The reference ffmpeg flow end to end, over real UDP:
#
#   ffmpeg (testsrc2 + sine, libopus + libvpx, -f tee, exactly the mediasoup-demo
#   broadcaster script's RTP URLs) → two comedia plain transports (Opus PT 100 SSRC 1111,
#   VP8 PT 101 SSRC 2222) → Sluice → a second broadcaster with two connected plain
#   transports (one consumer each) → ffmpeg reading GET …/broadcasters/B/sdp → out.mkv.
#
# Checks: the SDP; the recorded file (the receiver records a -t window of RECV_SECONDS
# while the sender sends SEND_SECONDS > RECV_SECONDS): opus + vp8, duration ±10 % of the
# window, `ffmpeg -v error -i out.mkv -f null -` silent, ≥ 80 % of the window's video
# frames; producer/consumer/transport stats (packets both ways, RTCP from ffmpeg's SRs);
# `tuple` events on GET /rooms/R/events.
#
# Needs ffmpeg/ffprobe (libopus, libvpx), jq, python3, ss.  Env: SLUICE_URL; optional
# SLUICE_LOG (server log, tailed on failure), IT_MEDIA_KEEP=1 (keep the work dir).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

RECV_SECONDS=6
SEND_SECONDS=8
FPS=30
ROOM="it-media-ff-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
W="$IT_TMP"

for tool in ffmpeg ffprobe jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# ------------------------------------------------------------ 1. room, events, sender side
room_caps "$ROOM"
sse_start "$ROOM" "$W/events.txt"
if running "$SSE_PID" && [ -s "$W/events.txt" ]; then
    pass "GET /rooms/R/events streams (preamble received)"
else
    fail "GET /rooms/R/events streams (preamble received)" "$(head -c 300 "$W/events.txt" 2>/dev/null) $(cat "$W/events.txt.err" 2>/dev/null)"
fi

new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "audio (send)"
A_T="$T_ID" A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
if [ -z "$A_RTCP" ] || [ -z "$V_RTCP" ]; then bail "send transports have rtcpPort" "audio '$A_RTCP' video '$V_RTCP'"; fi
new_producer "$ROOM" "$B1" "$A_T" "$OPUS_PRODUCER" "opus 1111"
A_P="$P_ID"
new_producer "$ROOM" "$B1" "$V_T" "$VP8_PRODUCER" "vp8 2222"
V_P="$P_ID"

# ------------------------------------------------------------ 2. receiver side
new_broadcaster "$ROOM" "$B2" with-caps
PA="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
PV="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$PV" = "$PA" ]; do PV="$(free_udp_pair)"; done
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "audio (receive)"
RA_T="$T_ID"
connect_plain "$ROOM" "$B2" "$RA_T" "{\"ip\":\"127.0.0.1\",\"port\":$PA,\"rtcpPort\":$((PA + 1))}" "audio (receive) → 127.0.0.1:$PA/$((PA + 1))"
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "video (receive)"
RV_T="$T_ID"
connect_plain "$ROOM" "$B2" "$RV_T" "{\"ip\":\"127.0.0.1\",\"port\":$PV,\"rtcpPort\":$((PV + 1))}" "video (receive) → 127.0.0.1:$PV/$((PV + 1))"
consume "$ROOM" "$B2" "$RA_T" "$A_P" "opus consumer"
CA="$C_ID"
assert_json_expr "opus consumer: PT 100 opus/48000/2" "$C_JSON" \
    '.rtpParameters.codecs[0] | .payloadType == 100 and (.mimeType | ascii_downcase) == "audio/opus" and .clockRate == 48000 and .channels == 2'
consume "$ROOM" "$B2" "$RV_T" "$V_P" "vp8 consumer"
CV="$C_ID"
CV_SSRC="$C_SSRC"
assert_json_expr "vp8 consumer: PT 101 VP8/90000" "$C_JSON" \
    '.rtpParameters.codecs[0] | .payloadType == 101 and (.mimeType | ascii_downcase) == "video/vp8" and .clockRate == 90000'

# ------------------------------------------------------------ 3. the SDP
http GET "/rooms/$ROOM/broadcasters/$B2/sdp"
must_status "GET broadcaster SDP 200" 200
SDP="$HTTP_BODY"
printf '%s\n' "$SDP" >"$W/recv.sdp"
if [[ "$HTTP_CTYPE" == application/sdp* ]]; then pass "SDP content-type application/sdp"; else fail "SDP content-type application/sdp" "got '$HTTP_CTYPE'"; fi
sdp_has() {
    if grep -qE "$2" <<<"$(tr -d '\r' <<<"$SDP")"; then pass "$1"; else fail "$1" "no line matching /$2/ in: $(tr '\r\n' '  ' <<<"$SDP")"; fi
}
sdp_has "SDP v=0 first" '^v=0$'
sdp_has "SDP m=audio on $PA RTP/AVP 100" "^m=audio $PA RTP/AVP 100( |$)"
sdp_has "SDP m=video on $PV RTP/AVP 101" "^m=video $PV RTP/AVP 101( |$)"
sdp_has "SDP c=IN IP4 127.0.0.1" '^c=IN IP4 127\.0\.0\.1$'
sdp_has "SDP rtpmap opus/48000/2" '^a=rtpmap:100 opus/48000/2$'
sdp_has "SDP rtpmap VP8/90000" '^a=rtpmap:101 VP8/90000$'
sdp_has "SDP video ssrc line with the consumer's SSRC" "^a=ssrc:$CV_SSRC cname:"
sdp_has "SDP recvonly" '^a=recvonly$'
assert_eq "SDP has exactly two m-lines" 2 "$(tr -d '\r' <<<"$SDP" | grep -c '^m=' || true)"
if tr -d '\r' <<<"$SDP" | grep -qi 'rtx'; then fail "SDP lists no RTX payload type" "$(tr '\r\n' '  ' <<<"$SDP")"; else pass "SDP lists no RTX payload type"; fi

# ------------------------------------------------------------ 4. receiver first, then sender
# The receiver records a RECV_SECONDS window (-t) and ends on its own; the sender runs
# SEND_SECONDS (> RECV_SECONDS) so the window fills even if the receiver starts late.
# (An ffmpeg RTP receiver cannot be stopped cleanly once packets stop arriving: one
# SIGTERM is not acted on until the next packet, two abort the trailer.)
spawn_bounded "$W/recv.log" $((SEND_SECONDS + 40)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp -i "$W/recv.sdp" -map 0 -c copy -t "$RECV_SECONDS" -y "$W/out.mkv"
RECV_PID="$SPAWNED_PID"
if wait_udp_bound "$PA" 10 && wait_udp_bound "$PV" 10; then
    pass "receiver ffmpeg listens on $PA and $PV"
else
    show_file "receiver log" "$W/recv.log"
    bail "receiver ffmpeg listens on $PA and $PV" "ports not bound within 10 s"
fi
sleep 0.5

TEE="[select=a:f=rtp:ssrc=1111:payload_type=100]rtp://$A_IP:$A_PORT?rtcpport=$A_RTCP|[select=v:f=rtp:ssrc=2222:payload_type=101]rtp://$V_IP:$V_PORT?rtcpport=$V_RTCP"
spawn_bounded "$W/send.log" $((SEND_SECONDS + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -f lavfi -i "testsrc2=size=320x240:rate=$FPS" \
    -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -map 1:a:0 -c:a libopus -b:a 128k -ac 2 -ar 48000 \
    -map 0:v:0 -pix_fmt yuv420p -c:v libvpx -b:v 1000k -deadline realtime -cpu-used 8 -g 30 \
    -t "$SEND_SECONDS" -f tee "$TEE"
SEND_PID="$SPAWNED_PID"

# Mid-stream: the consumer must be forwarding while the sender runs.
sleep 3
MID_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/stats")"
assert_json_expr "mid-stream: vp8 consumer packetsSent > 0" "${MID_STATS:-{\}}" '.packetsSent > 0'

wait_exit "$RECV_PID" $((SEND_SECONDS + 25))
if [ "$EXIT_STATUS" = 0 ]; then
    pass "receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0"
else
    fail "receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0" \
        "status $EXIT_STATUS (124: still waiting for media)"
    show_file "receiver log" "$W/recv.log" 30
    stop_pid "$RECV_PID" KILL 2
fi
finish_sender "$SEND_PID" "sender ffmpeg" "$SEND_SECONDS" "$W/send.log" "$SEND_SECONDS"
sleep 0.5

# ------------------------------------------------------------ 5. stats
PA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$A_P/stats")"
PV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$V_P/stats")"
CA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CA/stats")"
CV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/stats")"
TA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$A_T/stats")"
TV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$V_T/stats")"
TRA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/transports/$RA_T/stats")"
TRV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/transports/$RV_T/stats")"

assert_json_expr "opus producer stats: streams[0] ssrc 1111, packetsReceived > 0" "${PA_STATS:-{\}}" \
    '.streams[0].ssrc == 1111 and .streams[0].packetsReceived > 0'
assert_json_expr "vp8 producer stats: streams[0] ssrc 2222, packetsReceived > 0" "${PV_STATS:-{\}}" \
    '.streams[0].ssrc == 2222 and .streams[0].packetsReceived > 0'
assert_json_expr "opus consumer stats: packetsSent > 0" "${CA_STATS:-{\}}" '.packetsSent > 0 and .bytesSent > 0'
assert_json_expr "vp8 consumer stats: packetsSent > 0, own ssrc" "${CV_STATS:-{\}}" --argjson s "$CV_SSRC" \
    '.packetsSent > 0 and .bytesSent > 0 and .ssrc == $s'
PV_RECV="$(jnum "${PV_STATS:-{\}}" '.streams[0].packetsReceived')"
CV_SENT="$(jnum "${CV_STATS:-{\}}" '.packetsSent')"
assert_ge "vp8 consumer forwarded ≥ 95% of what the producer received" "$CV_SENT" \
    "$(awk -v n="$PV_RECV" 'BEGIN { printf "%d", n * 0.95 }')" "producer received $PV_RECV"
PA_RECV="$(jnum "${PA_STATS:-{\}}" '.streams[0].packetsReceived')"
CA_SENT="$(jnum "${CA_STATS:-{\}}" '.packetsSent')"
assert_ge "opus consumer forwarded ≥ 95% of what the producer received" "$CA_SENT" \
    "$(awk -v n="$PA_RECV" 'BEGIN { printf "%d", n * 0.95 }')" "producer received $PA_RECV"
# 20 ms Opus frames: 50 packets a second.
assert_between "opus producer received ~$((SEND_SECONDS * 50)) packets ($SEND_SECONDS s × 50/s)" "$PA_RECV" \
    $((SEND_SECONDS * 45)) $((SEND_SECONDS * 55))

assert_json_expr "audio send transport: rtpPacketsReceived > 0 and rtcpPacketsReceived > 0 (ffmpeg SRs)" "${TA_STATS:-{\}}" \
    '.rtpPacketsReceived > 0 and .rtcpPacketsReceived > 0'
assert_json_expr "video send transport: rtpPacketsReceived > 0 and rtcpPacketsReceived > 0 (ffmpeg SRs)" "${TV_STATS:-{\}}" \
    '.rtpPacketsReceived > 0 and .rtcpPacketsReceived > 0'
assert_json_expr "send transports: nothing dropped" "[${TA_STATS:-{\}},${TV_STATS:-{\}}]" \
    'all(.[]; [.dropped[]] | add == 0)'
assert_json_expr "send transports: remoteRtp/remoteRtcp learned" "[${TA_STATS:-{\}},${TV_STATS:-{\}}]" \
    'all(.[]; (.remoteRtp | type == "string") and (.remoteRtcp | type == "string"))'
assert_json_expr "receive transports: rtpPacketsSent > 0 and rtcpPacketsSent > 0 (SRs to the receiver)" \
    "[${TRA_STATS:-{\}},${TRV_STATS:-{\}}]" 'all(.[]; .rtpPacketsSent > 0 and .rtcpPacketsSent > 0)'

# ------------------------------------------------------------ 6. the recorded file
OUT="$W/out.mkv"
if [ -s "$OUT" ]; then
    pass "receiver wrote out.mkv ($(stat -c %s "$OUT") bytes)"
else
    fail "receiver wrote out.mkv" "missing or empty"
    show_file "receiver log" "$W/recv.log" 40
fi
STREAMS="$(probe_streams "$OUT" | sort | tr '\n' ' ')"
if grep -q 'audio:opus' <<<"$STREAMS"; then pass "out.mkv has an opus stream"; else fail "out.mkv has an opus stream" "streams: $STREAMS"; fi
if grep -q 'video:vp8' <<<"$STREAMS"; then pass "out.mkv has a vp8 stream"; else fail "out.mkv has a vp8 stream" "streams: $STREAMS"; fi
DIMS="$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$OUT" 2>/dev/null | head -n1 || true)"
assert_eq "video is 320x240" "320x240" "$DIMS"

LO="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 0.9 }')"
HI="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 1.1 }')"
DUR="$(probe_duration "$OUT")"
assert_between "out.mkv duration within ±10% of ${RECV_SECONDS}s" "${DUR:-0}" "$LO" "$HI"
VSPAN="$(stream_span "$OUT" v:0)"
ASPAN="$(stream_span "$OUT" a:0)"
assert_between "video packets span within ±10% of ${RECV_SECONDS}s" "${VSPAN:-0}" "$LO" "$HI"
assert_between "audio packets span within ±10% of ${RECV_SECONDS}s" "${ASPAN:-0}" "$LO" "$HI"

decode_errors "$OUT" "$W/decode.txt"
if [ ! -s "$W/decode.txt" ]; then
    pass "ffmpeg -v error decodes out.mkv silently"
else
    fail "ffmpeg -v error decodes out.mkv silently" "$(head -n 8 "$W/decode.txt" | tr '\n' '|')"
fi
FRAMES="$(count_frames "$OUT" v:0)"
EXPECTED=$((RECV_SECONDS * FPS))
assert_ge "decoded video frames ≥ 80% of $EXPECTED" "${FRAMES:-0}" $((EXPECTED * 8 / 10))
VSTART="$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 -read_intervals '%+#1' "$OUT" 2>/dev/null | head -n1 || true)"
ASTART="$(ffprobe -v error -select_streams a:0 -show_entries packet=pts_time -of csv=p=0 -read_intervals '%+#1' "$OUT" 2>/dev/null | head -n1 || true)"
SKEW="$(awk -v a="${ASTART:-0}" -v v="${VSTART:-0}" 'BEGIN { d = a - v; if (d < 0) d = -d; printf "%.3f", d }')"
assert_between "audio and video start within 0.5 s of each other (A/V sync via SRs)" "$SKEW" 0 0.5 "audio $ASTART video $VSTART"

# ------------------------------------------------------------ 7. events
sleep 0.3
stop_pid "$SSE_PID" TERM 3
sse_events "$W/events.txt" >"$W/events.jsonl" || true
assert_true "SSE saw a tuple event" grep -q '"event": "tuple"' "$W/events.jsonl"
for pair in "audio:$A_T" "video:$V_T"; do
    label="${pair%%:*}" tid="${pair#*:}"
    if jq -e -s --arg t "$tid" 'any(.[]; .event == "tuple" and .data.transportId == $t and .data.socket == "rtp")' "$W/events.jsonl" >/dev/null 2>&1; then
        pass "SSE tuple event (rtp) for the $label send transport"
    else
        fail "SSE tuple event (rtp) for the $label send transport" "events: $(jq -c -s 'map(.event)' "$W/events.jsonl" 2>/dev/null | head -c 400)"
    fi
    if jq -e -s --arg t "$tid" 'any(.[]; .event == "tuple" and .data.transportId == $t and .data.socket == "rtcp")' "$W/events.jsonl" >/dev/null 2>&1; then
        pass "SSE tuple event (rtcp) for the $label send transport"
    else
        fail "SSE tuple event (rtcp) for the $label send transport" "events: $(jq -c -s 'map(.event)' "$W/events.jsonl" 2>/dev/null | head -c 400)"
    fi
done

if [ "$IT_FAILED" -ne 0 ]; then
    echo "---- SDP ----"; sed 's/^/    /' "$W/recv.sdp"
    for s in PA_STATS PV_STATS CA_STATS CV_STATS TA_STATS TV_STATS TRA_STATS TRV_STATS; do
        echo "$s: $(compact "${!s:-}")"
    done
    echo "receiver log: $(grep -c 'Non-monotonous DTS' "$W/recv.log" || true) 'Non-monotonous DTS' lines"
    echo "---- out.mkv video timestamp jumps (count, prev -> pts) ----"; timestamp_jumps "$OUT" v:0 0.0334
    echo "---- out.mkv audio timestamp jumps ----"; timestamp_jumps "$OUT" a:0 0.02
    show_file "receiver log" "$W/recv.log" 12
    show_file "sender log" "$W/send.log" 15
    show_server_log
fi

# ------------------------------------------------------------ 8. clean up
http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
