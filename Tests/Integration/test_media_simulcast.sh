#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Simulcast end to end, over real UDP:
#
#   one ffmpeg (testsrc2 split into three sizes, three libvpx encoders with -g 30, one
#   `-f rtp` output each: SSRC 1001/1002/1003, PT 101) → tools/simulcast_sender.py (merges
#   the three into one source socket, as a comedia transport latches one sender) → a
#   simulcast producer (three SSRC encodings) → Sluice → a connected plain transport with a
#   simulcast consumer → ffmpeg reading GET …/consumers/C/sdp → out.mkv.
#
# Mid-stream the preferred layers go 2 → 0 → 1 through POST …/preferred-layers.
# Checks: the consume answer (type simulcast, one encoding, scalabilityMode L3T1,
# preferredLayers 2/0); the consumer state's currentLayers.spatialLayer follows each change
# within SWITCH_LIMIT seconds; `layerschange` events; the recording decodes silently and
# holds frames of more than one resolution (the switch-down layer's among them); bad input
# (400 for a non-integer or negative layer, 404 for an unknown consumer).
#
# Sizes are 160x90 / 320x180 / 640x360 by default (three real-time encoders must keep up on a
# 2-core machine); IT_SIMULCAST_SIZES="320x180 640x360 1280x720" for larger ones.
#
# Needs ffmpeg/ffprobe (libvpx), jq, python3, ss.  Env: SLUICE_URL; optional SLUICE_LOG,
# IT_MEDIA_KEEP=1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

FPS=30
SEND_SECONDS=16
RECV_SECONDS=13
SWITCH_LIMIT="${IT_SIMULCAST_SWITCH_LIMIT:-2.5}"
read -r -a SIZES <<<"${IT_SIMULCAST_SIZES:-160x90 320x180 640x360}"
ROOM="it-media-simulcast-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
W="$IT_TMP"

for tool in ffmpeg ffprobe jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done
[ "${#SIZES[@]}" = 3 ] || bail "three simulcast sizes" "IT_SIMULCAST_SIZES='${IT_SIMULCAST_SIZES:-}'"

SIMULCAST_PRODUCER='{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/VP8","payloadType":101,"clockRate":90000}],"encodings":[{"ssrc":1001},{"ssrc":1002},{"ssrc":1003}]}}'

# ------------------------------------------------------------ 1. room, sender side
room_caps "$ROOM"
sse_start "$ROOM" "$W/events.txt" 120
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
[ -n "$V_RTCP" ] || bail "send transport has rtcpPort" "none"
new_producer "$ROOM" "$B1" "$V_T" "$SIMULCAST_PRODUCER" "simulcast vp8 1001/1002/1003"
V_P="$P_ID"
http GET "/rooms/$ROOM/broadcasters/$B1/producers/$V_P"
assert_jq "producer type is simulcast" '.type == "simulcast" and (.rtpParameters.encodings | length) == 3'

# ------------------------------------------------------------ 2. receiver side
new_broadcaster "$ROOM" "$B2" with-caps
PV="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "video (receive)"
RV_T="$T_ID"
connect_plain "$ROOM" "$B2" "$RV_T" "{\"ip\":\"127.0.0.1\",\"port\":$PV,\"rtcpPort\":$((PV + 1))}" "video (receive) → 127.0.0.1:$PV"
consume "$ROOM" "$B2" "$RV_T" "$V_P" "simulcast consumer"
CV="$C_ID"
assert_json_expr "consume answer: type simulcast, one encoding with L3T1" "$C_JSON" \
    '.type == "simulcast" and (.rtpParameters.encodings | length) == 1 and .rtpParameters.encodings[0].scalabilityMode == "L3T1"'
assert_json_expr "consume answer: preferredLayers 2/0, currentLayers null" "$C_JSON" \
    '.preferredLayers == {"spatialLayer": 2, "temporalLayer": 0} and has("currentLayers") and .currentLayers == null'
CPATH="/rooms/$ROOM/broadcasters/$B2/consumers/$CV"

# ------------------------------------------------------------ 3. bad input
http POST "$CPATH/preferred-layers" '{"spatialLayer":"x"}'
assert_problem "preferred-layers {spatialLayer:\"x\"} → 400" 400
http POST "$CPATH/preferred-layers" '{"spatialLayer":-1}'
assert_problem "preferred-layers {spatialLayer:-1} → 400" 400
http POST "$CPATH/preferred-layers" '{"spatialLayer":1,"temporalLayer":0.5}'
assert_problem "preferred-layers {temporalLayer:0.5} → 400" 400
http POST "/rooms/$ROOM/broadcasters/$B2/consumers/$(rand_id 32)/preferred-layers" '{"spatialLayer":0}'
assert_problem "preferred-layers on an unknown consumer → 404" 404
http POST "/rooms/$ROOM/broadcasters/$B1/consumers/$CV/preferred-layers" '{"spatialLayer":0}'
assert_problem "preferred-layers via another broadcaster → 404" 404
http POST "$CPATH/preferred-layers" '{"spatialLayer":7,"temporalLayer":3}'
assert_jq "preferred-layers clamps {7,3} to {2,0}" '. == {"spatialLayer": 2, "temporalLayer": 0}'

# ------------------------------------------------------------ 4. receiver, relay, sender
http GET "$CPATH/sdp"
must_status "GET consumer SDP 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/recv.sdp"
spawn_bounded "$W/recv.log" $((SEND_SECONDS + 40)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp -i "$W/recv.sdp" -map 0 -c copy -t "$RECV_SECONDS" -y "$W/out.mkv"
RECV_PID="$SPAWNED_PID"
if wait_udp_bound "$PV" 10; then
    pass "receiver ffmpeg listens on $PV"
else
    show_file "receiver log" "$W/recv.log"
    bail "receiver ffmpeg listens on $PV" "port not bound within 10 s"
fi

L0="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
L1="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$L1" = "$L0" ]; do L1="$(free_udp_pair)"; done
L2="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$L2" = "$L0" ] || [ "$L2" = "$L1" ]; do L2="$(free_udp_pair)"; done
spawn "$W/relay.log" python3 "$HERE/tools/simulcast_sender.py" --listen "$L0,$L1,$L2" \
    --rtp "$V_IP:$V_PORT" --rtcp "$V_IP:$V_RTCP" --seconds $((SEND_SECONDS + 30)) --ready "$W/relay.ready"
RELAY_PID="$SPAWNED_PID"
for _ in $(seq 50); do [ -f "$W/relay.ready" ] && break; sleep 0.1; done
[ -f "$W/relay.ready" ] || bail "relay bound its ports" "$(cat "$W/relay.log")"

SCALE="[0:v]split=3[a][b][c];[a]scale=${SIZES[0]/x/:}[v0];[b]scale=${SIZES[1]/x/:}[v1];[c]scale=${SIZES[2]/x/:}[v2]"
ENC=(-c:v libvpx -pix_fmt yuv420p -deadline realtime -cpu-used 8 -g 30 -keyint_min 30 -payload_type 101 -f rtp)
spawn_bounded "$W/send.log" $((SEND_SECONDS + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -t "$SEND_SECONDS" -f lavfi -i "testsrc2=size=${SIZES[2]}:rate=$FPS" -filter_complex "$SCALE" \
    -map '[v0]' "${ENC[@]}" -b:v 150k -ssrc 1001 "rtp://127.0.0.1:$L0?rtcpport=$((L0 + 1))" \
    -map '[v1]' "${ENC[@]}" -b:v 400k -ssrc 1002 "rtp://127.0.0.1:$L1?rtcpport=$((L1 + 1))" \
    -map '[v2]' "${ENC[@]}" -b:v 900k -ssrc 1003 "rtp://127.0.0.1:$L2?rtcpport=$((L2 + 1))"
SEND_PID="$SPAWNED_PID"

# wait_layer SPATIAL LIMIT: poll the consumer state until currentLayers.spatialLayer is
# SPATIAL; WAITED holds the seconds it took (empty on timeout).
wait_layer() {
    local want="$1" limit="$2" start state got
    start="$(now_ms)"
    WAITED=""
    while [ $(($(now_ms) - start)) -le "$(awk -v l="$limit" 'BEGIN { printf "%d", l * 1000 }')" ]; do
        state="$(get_json "$CPATH")"
        got="$(jq -r '.currentLayers.spatialLayer // "none"' <<<"${state:-{\}}" 2>/dev/null || echo none)"
        if [ "$got" = "$want" ]; then
            WAITED="$(awk -v a="$start" -v b="$(now_ms)" 'BEGIN { printf "%.2f", (b - a) / 1000 }')"
            return 0
        fi
        sleep 0.1
    done
    LAST_STATE="$state"
    return 1
}

# The consumer starts on the highest layer (its first key frame may take a GOP).
if wait_layer 2 5; then
    pass "consumer forwards spatial layer 2 at start (after ${WAITED}s)"
else
    fail "consumer forwards spatial layer 2 at start" "state: $(compact "${LAST_STATE:-}")"
fi
sleep 1.5
for want in 0 1; do
    http POST "$CPATH/preferred-layers" "{\"spatialLayer\":$want}"
    assert_jq "preferred-layers {spatialLayer:$want} → 200 {$want,0}" --argjson s "$want" '. == {"spatialLayer": $s, "temporalLayer": 0}'
    if wait_layer "$want" "$SWITCH_LIMIT"; then
        pass "currentLayers.spatialLayer follows to $want within ${SWITCH_LIMIT}s (${WAITED}s)"
    else
        fail "currentLayers.spatialLayer follows to $want within ${SWITCH_LIMIT}s" "state: $(compact "${LAST_STATE:-}")"
    fi
    http GET "$CPATH"
    assert_jq "consumer state: preferredLayers {$want,0}" --argjson s "$want" '.preferredLayers == {"spatialLayer": $s, "temporalLayer": 0}'
    sleep 2.5
done
MID_STATS="$(get_json "$CPATH/stats")"
assert_json_expr "mid-stream: consumer packetsSent > 0" "${MID_STATS:-{\}}" '.packetsSent > 0'

wait_exit "$RECV_PID" $((SEND_SECONDS + 25))
if [ "$EXIT_STATUS" = 0 ]; then
    pass "receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0"
else
    fail "receiver ffmpeg recorded its ${RECV_SECONDS}s window and exited 0" "status $EXIT_STATUS (124: still waiting for media)"
    show_file "receiver log" "$W/recv.log" 30
    stop_pid "$RECV_PID" KILL 2
fi
finish_sender "$SEND_PID" "sender ffmpeg" "$SEND_SECONDS" "$W/send.log" "$SEND_SECONDS"
wait_exit "$RELAY_PID" 10
RELAY="$(tail -n1 "$W/relay.log" 2>/dev/null || true)"
assert_json_expr "relay forwarded all three SSRCs" "${RELAY:-{\}}" \
    '(.rtpBySsrc["1001"] // 0) > 0 and (.rtpBySsrc["1002"] // 0) > 0 and (.rtpBySsrc["1003"] // 0) > 0'

# ------------------------------------------------------------ 5. stats
PV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$V_P/stats")"
CV_STATS="$(get_json "$CPATH/stats")"
TV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$V_T/stats")"
assert_json_expr "producer stats: three streams 1001/1002/1003 with packets" "${PV_STATS:-{\}}" \
    '[.streams[] | select(.packetsReceived > 0) | .ssrc] | sort == [1001, 1002, 1003]'
assert_json_expr "send transport: nothing dropped, RTCP received (ffmpeg SRs)" "${TV_STATS:-{\}}" \
    '([.dropped[]] | add) == 0 and .rtcpPacketsReceived > 0'
assert_json_expr "consumer stats: packets sent with its own SSRC" "${CV_STATS:-{\}}" --argjson s "$C_SSRC" \
    '.packetsSent > 0 and .ssrc == $s'

# ------------------------------------------------------------ 6. the recording
OUT="$W/out.mkv"
if [ -s "$OUT" ]; then pass "receiver wrote out.mkv ($(stat -c %s "$OUT") bytes)"; else fail "receiver wrote out.mkv" "missing or empty"; fi
decode_errors "$OUT" "$W/decode.txt"
if [ ! -s "$W/decode.txt" ]; then
    pass "ffmpeg -v error decodes out.mkv silently"
else
    fail "ffmpeg -v error decodes out.mkv silently" "$(head -n 8 "$W/decode.txt" | tr '\n' '|')"
fi
ffprobe -v error -select_streams v:0 -show_entries frame=width,height -of csv=p=0:s=x "$OUT" >"$W/frames.txt" 2>/dev/null || true
SIZES_SEEN="$(awk 'NF' "$W/frames.txt" | uniq -c | awk '{ printf "%s×%s ", $2, $1 }')"
DISTINCT="$(awk 'NF' "$W/frames.txt" | sort -u | wc -l)"
assert_ge "decoded frames come in more than one resolution ($SIZES_SEEN)" "$DISTINCT" 2
assert_true "frames at the switch-down size ${SIZES[0]} are in the recording" grep -qx "${SIZES[0]}" "$W/frames.txt"
assert_true "frames at the middle size ${SIZES[1]} are in the recording" grep -qx "${SIZES[1]}" "$W/frames.txt"
FRAMES="$(awk 'NF' "$W/frames.txt" | wc -l)"
assert_ge "decoded frames ≥ 70% of $((RECV_SECONDS * FPS))" "$FRAMES" $((RECV_SECONDS * FPS * 7 / 10))

# ------------------------------------------------------------ 7. events
sleep 0.3
stop_pid "$SSE_PID" TERM 3
sse_events "$W/events.txt" >"$W/events.jsonl" || true
for want in 2 0 1; do
    if jq -e -s --arg c "$CV" --arg s "$want" \
        'any(.[]; .event == "layerschange" and .data.consumerId == $c and .data.spatialLayer == $s and .data.temporalLayer == "0")' \
        "$W/events.jsonl" >/dev/null 2>&1; then
        pass "SSE layerschange to spatial layer $want"
    else
        fail "SSE layerschange to spatial layer $want" \
            "events: $(jq -c -s '[.[] | select(.event == "layerschange") | .data]' "$W/events.jsonl" 2>/dev/null | head -c 600)"
    fi
done
assert_json_expr "layerschange data: broadcasterId is the consuming broadcaster" \
    "$(jq -c -s '[.[] | select(.event == "layerschange") | .data]' "$W/events.jsonl" 2>/dev/null || echo '[]')" \
    --arg b "$B2" 'length > 0 and all(.[]; .broadcasterId == $b)'

if [ "$IT_FAILED" -ne 0 ]; then
    echo "---- SDP ----"; sed 's/^/    /' "$W/recv.sdp"
    for s in PV_STATS CV_STATS TV_STATS RELAY; do echo "$s: $(compact "${!s:-}")"; done
    echo "---- out.mkv video timestamp jumps ----"; timestamp_jumps "$OUT" v:0 0.0334
    show_file "receiver log" "$W/recv.log" 15
    show_file "sender log" "$W/send.log" 15
    show_server_log
fi

# ------------------------------------------------------------ 8. clean up
http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
