#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Key frames, pause/resume and PLI/FIR mid-stream:
#
#   ffmpeg (VP8, -g 30) → comedia transport → producer 2222
#     → consumer C1 on a connected transport → ffmpeg reading GET …/consumers/C1/sdp (-t window)
#     → consumer C2 on a connected transport → tools/rtp_peer.py (counts RTP, sends PLI/FIR)
#
#   1. POST …/consumers/C1/request-key-frame → the producer's keyFrameRequestsSent goes up
#      and its transport sends RTCP (rtcpPacketsSent up); ffmpeg ignores PLI, so only the
#      upstream request is checked.  C1's pliCount stays 0 (the API is not a receiver PLI).
#   2. rtp_peer sends RR+PLI, then RR+FIR for C2 from the address C2's transport is
#      connected to → C2 pliCount 1, firCount 1, upstream requests go up.
#   3. Two pause/resume cycles of C1: nothing sent while paused (C2 unaffected),
#      consumerpause/consumerresume events, after resume packets flow again from a key
#      frame (packetsDroppedWaitingForKeyFrame up, a key-frame request upstream).
#   4. The receiver is stopped (one SIGTERM, while packets still arrive, so ffmpeg finishes
#      the file cleanly) 2 s after the second resume, then the sender.
#      The recording decodes without a single error (ffmpeg -v error silent), the
#      receiver never logged missed RTP packets (sequence numbers contiguous across the
#      pauses), the pauses are visible as gaps, C2's packets have no sequence gaps.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

SEND_SECONDS=40   # an upper bound: both ends are stopped once the checks are done
FPS=30
PAUSE_SECONDS=1.5
ROOM="it-media-kf-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
B3="$(rand_id 32)"
W="$IT_TMP"

for tool in ffmpeg ffprobe jq python3 ss mkfifo; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# ------------------------------------------------------------ 1. setup
room_caps "$ROOM"
sse_start "$ROOM" "$W/events.txt"
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
new_producer "$ROOM" "$B1" "$V_T" "$VP8_PRODUCER" "vp8 2222"
V_P="$P_ID"

new_broadcaster "$ROOM" "$B2" with-caps
PR="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "C1 transport (ffmpeg)"
R_T="$T_ID"
connect_plain "$ROOM" "$B2" "$R_T" "{\"ip\":\"127.0.0.1\",\"port\":$PR,\"rtcpPort\":$((PR + 1))}" "C1 transport → $PR"
consume "$ROOM" "$B2" "$R_T" "$V_P" "C1 (ffmpeg)"
C1="$C_ID"

new_broadcaster "$ROOM" "$B3" with-caps
PH="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$PH" = "$PR" ]; do PH="$(free_udp_pair)"; done
new_plain "$ROOM" "$B3" "$PLAIN_CONNECTED" "C2 transport (rtp_peer)"
H_T="$T_ID" H_IP="$T_IP" H_RTCP="$T_RTCP"
connect_plain "$ROOM" "$B3" "$H_T" "{\"ip\":\"127.0.0.1\",\"port\":$PH,\"rtcpPort\":$((PH + 1))}" "C2 transport → $PH"
consume "$ROOM" "$B3" "$H_T" "$V_P" "C2 (rtp_peer)"
C2="$C_ID"
C2_SSRC="$C_SSRC"
assert_json_expr "C2 negotiated nack pli and ccm fir (so PLI/FIR are meaningful)" "$C_JSON" \
    '[.rtpParameters.codecs[0].rtcpFeedback[] | "\(.type) \(.parameter)"] | (index("nack pli") != null) and (index("ccm fir") != null)'

http GET "/rooms/$ROOM/broadcasters/$B2/consumers/$C1/sdp"
must_status "GET C1 SDP 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/recv.sdp"

mkfifo "$W/peer.ctl"
spawn_bounded "$W/peer.log" 55 python3 "$MEDIA_TOOLS/rtp_peer.py" --rtp-port "$PH" --rtcp-port $((PH + 1)) \
    --ctl "$W/peer.ctl" --duration 50 --summary "$W/peer.json"
PEER_PID="$SPAWNED_PID"
exec 3<>"$W/peer.ctl"
peer() { printf '%s\n' "$*" >&3; }
spawn_bounded "$W/recv.log" $((SEND_SECONDS + 10)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp -i "$W/recv.sdp" -map 0 -c copy -t "$SEND_SECONDS" -y "$W/out.mkv"
RECV_PID="$SPAWNED_PID"
wait_udp_bound "$PR" 10 || { show_file "receiver log" "$W/recv.log"; bail "receiver ffmpeg listens on $PR" "not bound"; }
wait_udp_bound "$PH" 5 || bail "rtp_peer listens on $PH" "not bound; $(cat "$W/peer.log")"
pass "receivers listening ($PR ffmpeg, $PH rtp_peer)"
sleep 0.5

spawn_bounded "$W/send.log" $((SEND_SECONDS + 5)) ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -f lavfi -i "testsrc2=size=320x240:rate=$FPS" -t "$SEND_SECONDS" \
    -c:v libvpx -b:v 800k -deadline realtime -cpu-used 16 -g 30 -pix_fmt yuv420p \
    -f rtp -ssrc 2222 -payload_type 101 "rtp://$V_IP:$V_PORT?rtcpport=$V_RTCP"
SEND_PID="$SPAWNED_PID"

P_URL="/rooms/$ROOM/broadcasters/$B1/producers/$V_P/stats"
T_URL="/rooms/$ROOM/broadcasters/$B1/transports/$V_T/stats"
C1_URL="/rooms/$ROOM/broadcasters/$B2/consumers/$C1/stats"
C2_URL="/rooms/$ROOM/broadcasters/$B3/consumers/$C2/stats"
kf_total() { jnum "$1" '.keyFrameRequestsSent + .keyFrameRequestsCoalesced'; }

# Wait until media flows to both consumers.
for _ in $(seq 100); do
    [ "$(jnum "$(get_json "$C1_URL")" .packetsSent)" -gt 0 ] && [ "$(jnum "$(get_json "$C2_URL")" .packetsSent)" -gt 0 ] && break
    sleep 0.1
done
assert_ge "media reaches both consumers" "$(jnum "$(get_json "$C1_URL")" .packetsSent)" 1
sleep 1

# ------------------------------------------------------------ 2. request-key-frame (API)
P0="$(get_json "$P_URL")"
T0="$(get_json "$T_URL")"
http POST "/rooms/$ROOM/broadcasters/$B2/consumers/$C1/request-key-frame"
if [[ "$HTTP_STATUS" =~ ^20[04]$ ]]; then pass "POST request-key-frame → $HTTP_STATUS"; else fail "POST request-key-frame → 200/204" "$(last_response)"; fi
P1="$P0"
for _ in $(seq 20); do
    P1="$(get_json "$P_URL")"
    [ "$(jnum "$P1" .keyFrameRequestsSent)" -gt "$(jnum "$P0" .keyFrameRequestsSent)" ] && break
    sleep 0.05
done
T1="$(get_json "$T_URL")"
assert_ge "request-key-frame: producer keyFrameRequestsSent went up" "$(jnum "$P1" .keyFrameRequestsSent)" \
    $(($(jnum "$P0" .keyFrameRequestsSent) + 1)) "before $(compact "$P0"); after $(compact "$P1")"
assert_ge "request-key-frame: producer transport rtcpPacketsSent went up (PLI upstream)" "$(jnum "$T1" .rtcpPacketsSent)" \
    $(($(jnum "$T0" .rtcpPacketsSent) + 1)) "before $(jnum "$T0" .rtcpPacketsSent)"
assert_json_expr "request-key-frame: C1 pliCount stays 0 (not a receiver PLI)" "$(get_json "$C1_URL")" '.pliCount == 0 and .firCount == 0'

# ------------------------------------------------------------ 3. PLI and FIR from the receiver of C2
# (Requests within 1 s of each other are coalesced upstream: count sent + coalesced.)
P2="$(get_json "$P_URL")"
peer pli "$H_IP" "$H_RTCP" "$C2_SSRC"
C2S="{}"
for _ in $(seq 30); do
    C2S="$(get_json "$C2_URL")"
    [ "$(jnum "$C2S" .pliCount)" -ge 1 ] && break
    sleep 0.05
done
assert_json_expr "PLI from C2's receiver: C2 pliCount 1" "${C2S:-{\}}" '.pliCount == 1 and .firCount == 0'
P3="$(get_json "$P_URL")"
assert_ge "PLI from C2's receiver: upstream key-frame request (sent or coalesced)" "$(kf_total "$P3")" $(($(kf_total "$P2") + 1)) \
    "before $(compact "$P2"); after $(compact "$P3")"
peer fir "$H_IP" "$H_RTCP" "$C2_SSRC"
for _ in $(seq 30); do
    C2S="$(get_json "$C2_URL")"
    [ "$(jnum "$C2S" .firCount)" -ge 1 ] && break
    sleep 0.05
done
assert_json_expr "FIR from C2's receiver: C2 firCount 1, pliCount still 1" "${C2S:-{\}}" '.firCount == 1 and .pliCount == 1'
P4="$(get_json "$P_URL")"
assert_ge "FIR from C2's receiver: upstream key-frame request (sent or coalesced)" "$(kf_total "$P4")" $(($(kf_total "$P3") + 1))
H_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B3/transports/$H_T/stats")"
assert_json_expr "C2 transport: the peer's RTCP accepted (rtcpPacketsReceived ≥ 2, nothing dropped)" "${H_STATS:-{\}}" \
    '.rtcpPacketsReceived >= 2 and ([.dropped[]] | add) == 0'

# ------------------------------------------------------------ 4. pause / resume C1 twice
DROPPED_TOTAL=0
for cycle in 1 2; do
    B_C1="$(get_json "$C1_URL")"
    B_P="$(get_json "$P_URL")"
    http POST "/rooms/$ROOM/broadcasters/$B2/consumers/$C1/pause"
    assert_jq "cycle $cycle: pause answers the consumer with paused true" '.paused == true'
    sleep 0.3
    S1="$(jnum "$(get_json "$C1_URL")" .packetsSent)"
    H1="$(jnum "$(get_json "$C2_URL")" .packetsSent)"
    sleep "$PAUSE_SECONDS"
    S2="$(jnum "$(get_json "$C1_URL")" .packetsSent)"
    H2="$(jnum "$(get_json "$C2_URL")" .packetsSent)"
    assert_eq "cycle $cycle: C1 sends nothing while paused (packetsSent)" "$S1" "$S2"
    assert_ge "cycle $cycle: C2 keeps receiving while C1 is paused" "$H2" $((H1 + 1)) "before $H1"
    http GET "/rooms/$ROOM/broadcasters/$B2/consumers/$C1"
    assert_jq "cycle $cycle: GET consumer says paused" '.paused == true'

    http POST "/rooms/$ROOM/broadcasters/$B2/consumers/$C1/resume"
    assert_jq "cycle $cycle: resume answers the consumer with paused false" '.paused == false'
    # The next key frame comes within a GOP (-g 30: 1 s at real time; longer when the
    # machine is loaded and the encoder runs slow).
    A_C1="$(get_json "$C1_URL")"
    for _ in $(seq 60); do
        [ "$(jnum "$A_C1" .packetsSent)" -gt "$S2" ] && break
        sleep 0.1
        A_C1="$(get_json "$C1_URL")"
    done
    sleep 0.5
    A_C1="$(get_json "$C1_URL")"
    A_P="$(get_json "$P_URL")"
    assert_ge "cycle $cycle: C1 sends again after resume (from a key frame)" "$(jnum "$A_C1" .packetsSent)" $((S2 + 1)) "paused at $S2"
    D="$(($(jnum "$A_C1" .packetsDroppedWaitingForKeyFrame) - $(jnum "$B_C1" .packetsDroppedWaitingForKeyFrame)))"
    DROPPED_TOTAL=$((DROPPED_TOTAL + D))
    if [ "$D" -gt 0 ]; then
        assert_ge "cycle $cycle: waiting for a key frame ($D packets dropped) asked upstream for one" \
            "$(kf_total "$A_P")" $(($(kf_total "$B_P") + 1))
    else
        echo "note: cycle $cycle resumed right at a key frame (0 packets dropped waiting)"
    fi
    assert_json_expr "cycle $cycle: C1 pliCount still 0" "${A_C1:-{\}}" '.pliCount == 0'
done
assert_ge "pause/resume: packetsDroppedWaitingForKeyFrame went up (resume waits for a key frame)" "$DROPPED_TOTAL" 1

# ------------------------------------------------------------ 5. stop the receiver, then the sender
sleep 2
if ! running "$RECV_PID"; then
    fail "receiver still recording after the second resume" "it exited early; see its log"
    show_file "receiver log" "$W/recv.log" 20
fi
stop_pid "$RECV_PID" TERM 10   # one signal; the next packet wakes it up and it writes the trailer
if [ "$EXIT_STATUS" = 137 ]; then
    fail "receiver stops cleanly on SIGTERM while media flows" "had to be killed"
else
    pass "receiver stops cleanly on SIGTERM while media flows (status $EXIT_STATUS)"
fi
stop_pid "$SEND_PID" TERM 5
peer quit
wait_exit "$PEER_PID" 5
exec 3>&-

T_END="$(get_json "$T_URL")"
assert_ge "producer transport rtcpPacketsSent increased over the test" "$(jnum "$T_END" .rtcpPacketsSent)" $(($(jnum "$T0" .rtcpPacketsSent) + 1))
PEER="$(cat "$W/peer.json" 2>/dev/null || echo '{}')"
assert_json_expr "C2 receiver: packets with no sequence gaps" "$PEER" --arg s "$C2_SSRC" '.rtp[$s].packets > 0 and .rtp[$s].seqGaps == 0'
assert_json_expr "C2 receiver: got RTCP SRs for its SSRC" "$PEER" --argjson s "$C2_SSRC" '(.rtcp.srSsrcs | index($s)) != null'

# ------------------------------------------------------------ 6. the recording
OUT="$W/out.mkv"
STREAMS="$(probe_streams "$OUT" | tr '\n' ' ')"
if grep -q 'video:vp8' <<<"$STREAMS"; then pass "out.mkv has a vp8 stream"; else fail "out.mkv has a vp8 stream" "streams: '$STREAMS'"; fi
decode_errors "$OUT" "$W/decode.txt"
if [ ! -s "$W/decode.txt" ]; then
    pass "out.mkv decodes without errors after pause/resume (ffmpeg -v error silent)"
else
    fail "out.mkv decodes without errors after pause/resume" "$(head -n 8 "$W/decode.txt" | tr '\n' '|')"
fi
if grep -qiE 'missed [0-9]+ packets|RTP: (dropping|PT=)|Received no start marker|dropping old packet' "$W/recv.log"; then
    fail "receiver saw contiguous RTP sequence numbers (no 'missed packets')" "$(grep -iE 'missed|dropping|start marker' "$W/recv.log" | head -n 3 | tr '\n' '|')"
else
    pass "receiver saw contiguous RTP sequence numbers (no 'missed packets')"
fi
GAPS="$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$OUT" 2>/dev/null |
    awk 'NR > 1 && $1 - prev > 0.9 { n++ } { prev = $1 } END { print n + 0 }')"
assert_eq "the two pauses show as two gaps (> 0.9 s) in the video timestamps" 2 "$GAPS"
# Frames expected: the time covered by the recording minus the pauses, at $FPS.
COVERED="$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$OUT" 2>/dev/null |
    awk 'NR > 1 && $1 - prev <= 0.9 { t += $1 - prev } { prev = $1 } END { printf "%.3f", t }')"
EXPECTED_FRAMES="$(awk -v t="${COVERED:-0}" -v f="$FPS" 'BEGIN { printf "%d", t * f * 0.8 }')"
FRAMES="$(count_frames "$OUT" v:0)"
assert_ge "decoded frames ≥ 80% of ${COVERED}s (outside the pauses) × $FPS" "${FRAMES:-0}" "$EXPECTED_FRAMES"
SEGMENTS="$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$OUT" 2>/dev/null |
    awk 'NR > 1 && $1 - prev > 0.9 { print n; n = 0 } { n++; prev = $1 } END { print n }' | tr '\n' ' ')"
if awk '{ if (NF != 3) exit 1; for (i = 1; i <= NF; i++) if ($i < 10) exit 1 }' <<<"$SEGMENTS"; then
    pass "video before, between and after the pauses (frames per segment: $SEGMENTS)"
else
    fail "video before, between and after the pauses (≥ 10 frames each)" "frames per segment: $SEGMENTS"
fi

# ------------------------------------------------------------ 7. events
stop_pid "$SSE_PID" TERM 3
sse_events "$W/events.txt" >"$W/events.jsonl" || true
EV="$(jq -c -s --arg c "$C1" '[.[] | select(.data.consumerId? == $c) | .event]' "$W/events.jsonl" 2>/dev/null || echo '[]')"
assert_json_expr "SSE: consumerpause, consumerresume ×2 for C1, in order" "$EV" \
    '[.[] | select(. == "consumerpause" or . == "consumerresume")] == ["consumerpause","consumerresume","consumerpause","consumerresume"]'

if [ "$IT_FAILED" -ne 0 ]; then
    echo "producer stats: $(compact "$(get_json "$P_URL")")"
    echo "C1 stats: $(compact "$(get_json "$C1_URL")")"
    echo "C2 stats: $(compact "$(get_json "$C2_URL")")"
    echo "producer transport stats: $(compact "$T_END")"
    echo "peer: $(compact "$PEER")"
    show_file "receiver log" "$W/recv.log" 20
    show_server_log
fi

http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
