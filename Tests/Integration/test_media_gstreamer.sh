#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# The GStreamer broadcaster flow end to end:
#
#   gst-launch rtpbin: videotestsrc ! x264enc ! rtph264pay pt=102 ssrc=3333 and
#   audiotestsrc ! opusenc ! rtpopuspay pt=100 ssrc=1111, RTP and RTCP (rtpbin's
#   send_rtcp_src pads) to separate udpsinks → two comedia plain transports; the H264
#   producer says profile-level-id 42e01f, packetization-mode 1 (the router's PT 107 entry).
#
#   Receiver 1: ffmpeg on GET …/broadcasters/B2/sdp (opus + H264, one connected transport
#   each) records a -t window → ffprobe shows h264 + opus, everything decodes, duration and
#   frame count as sent.
#   Receiver 2: GStreamer `filesrc ! sdpdemux` on GET …/consumers/C/sdp of a third
#   broadcaster (H264 only) → rtph264depay ! h264parse ! matroskamux, stopped with SIGINT
#   (-e: EOS, so the file is finalised) → h264 that decodes.
#
# Needs gst-launch-1.0 (x264enc, opusenc, rtpbin, sdpdemux), ffmpeg/ffprobe, jq, python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

RECV_SECONDS=6
SEND_SECONDS=8
FPS=30
ROOM="it-media-gst-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
B3="$(rand_id 32)"
W="$IT_TMP"

for tool in gst-launch-1.0 gst-inspect-1.0 ffmpeg ffprobe jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done
for element in rtpbin x264enc rtph264pay opusenc rtpopuspay udpsink sdpdemux rtph264depay h264parse matroskamux; do
    gst-inspect-1.0 "$element" >/dev/null 2>&1 || bail "GStreamer element $element available" "gst-inspect-1.0 $element failed"
done

H264_PRODUCER='{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/H264","payloadType":102,"clockRate":90000,"parameters":{"packetization-mode":1,"profile-level-id":"42e01f"}}],"encodings":[{"ssrc":3333}]}}'

# ------------------------------------------------------------ 1. sender side
room_caps "$ROOM"
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "audio (send)"
A_T="$T_ID" A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
new_producer "$ROOM" "$B1" "$A_T" "$OPUS_PRODUCER" "opus 1111"
A_P="$P_ID"
new_producer "$ROOM" "$B1" "$V_T" "$H264_PRODUCER" "H264 42e01f 3333"
V_P="$P_ID"

# ------------------------------------------------------------ 2. receivers' transports and consumers
new_broadcaster "$ROOM" "$B2" with-caps
PA="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
PV="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
PG="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
if [ "$PA" = "$PV" ] || [ "$PA" = "$PG" ] || [ "$PV" = "$PG" ]; then bail "three distinct port pairs" "$PA $PV $PG"; fi
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "audio (ffmpeg receive)"
RA_T="$T_ID"
connect_plain "$ROOM" "$B2" "$RA_T" "{\"ip\":\"127.0.0.1\",\"port\":$PA,\"rtcpPort\":$((PA + 1))}" "audio (ffmpeg receive) → $PA"
new_plain "$ROOM" "$B2" "$PLAIN_CONNECTED" "video (ffmpeg receive)"
RV_T="$T_ID"
connect_plain "$ROOM" "$B2" "$RV_T" "{\"ip\":\"127.0.0.1\",\"port\":$PV,\"rtcpPort\":$((PV + 1))}" "video (ffmpeg receive) → $PV"
consume "$ROOM" "$B2" "$RA_T" "$A_P" "opus consumer"
CA="$C_ID"
consume "$ROOM" "$B2" "$RV_T" "$V_P" "H264 consumer"
CV="$C_ID"
assert_json_expr "H264 consumer: the router's 42e01f entry, PT 107, packetization-mode 1" "$C_JSON" \
    '.rtpParameters.codecs[0] | .payloadType == 107 and (.mimeType | ascii_downcase) == "video/h264"
        and .parameters["profile-level-id"] == "42e01f" and ((.parameters["packetization-mode"] // 0) | tostring) == "1"'

new_broadcaster "$ROOM" "$B3" with-caps
new_plain "$ROOM" "$B3" "$PLAIN_CONNECTED" "video (GStreamer receive)"
RG_T="$T_ID"
connect_plain "$ROOM" "$B3" "$RG_T" "{\"ip\":\"127.0.0.1\",\"port\":$PG,\"rtcpPort\":$((PG + 1))}" "video (GStreamer receive) → $PG"
consume "$ROOM" "$B3" "$RG_T" "$V_P" "H264 consumer (GStreamer)"
CG="$C_ID"

# ------------------------------------------------------------ 3. SDPs
http GET "/rooms/$ROOM/broadcasters/$B2/sdp"
must_status "GET broadcaster SDP (ffmpeg receiver) 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/recv.sdp"
SDP="$(tr -d '\r' <"$W/recv.sdp")"
if grep -qE "^m=video $PV RTP/AVP 107( |$)" <<<"$SDP"; then pass "SDP m=video $PV RTP/AVP 107"; else fail "SDP m=video $PV RTP/AVP 107" "$(tr '\n' ' ' <<<"$SDP")"; fi
if grep -qE "^m=audio $PA RTP/AVP 100( |$)" <<<"$SDP"; then pass "SDP m=audio $PA RTP/AVP 100"; else fail "SDP m=audio $PA RTP/AVP 100" "$(tr '\n' ' ' <<<"$SDP")"; fi
if grep -qE '^a=rtpmap:107 H264/90000$' <<<"$SDP"; then pass "SDP rtpmap 107 H264/90000"; else fail "SDP rtpmap 107 H264/90000" "$(tr '\n' ' ' <<<"$SDP")"; fi
if grep -qE '^a=fmtp:107 .*packetization-mode=1' <<<"$SDP" && grep -qE '^a=fmtp:107 .*profile-level-id=42e01f' <<<"$SDP"; then
    pass "SDP fmtp 107 packetization-mode=1, profile-level-id=42e01f"
else
    fail "SDP fmtp 107 packetization-mode=1, profile-level-id=42e01f" "$(tr '\n' ' ' <<<"$SDP")"
fi

http GET "/rooms/$ROOM/broadcasters/$B3/consumers/$CG/sdp"
must_status "GET consumer SDP (GStreamer receiver) 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/gst.sdp"
GSDP="$(tr -d '\r' <"$W/gst.sdp")"
assert_eq "consumer SDP has one m-line" 1 "$(grep -c '^m=' <<<"$GSDP" || true)"
if grep -qE "^m=video $PG RTP/AVP 107( |$)" <<<"$GSDP"; then pass "consumer SDP m=video $PG RTP/AVP 107"; else fail "consumer SDP m=video $PG RTP/AVP 107" "$(tr '\n' ' ' <<<"$GSDP")"; fi

# ------------------------------------------------------------ 4. receivers first, then the sender
spawn_bounded "$W/recv.log" $((SEND_SECONDS + 40)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp -i "$W/recv.sdp" -map 0 -c copy -t "$RECV_SECONDS" -y "$W/out.mkv"
RECV_PID="$SPAWNED_PID"
spawn_bounded "$W/gst-recv.log" $((SEND_SECONDS + 40)) gst-launch-1.0 -e \
    filesrc location="$W/gst.sdp" ! sdpdemux latency=200 ! rtph264depay ! h264parse ! matroskamux ! filesink location="$W/gst.mkv"
GRECV_PID="$SPAWNED_PID"
if wait_udp_bound "$PA" 10 && wait_udp_bound "$PV" 10; then
    pass "ffmpeg receiver listens on $PA and $PV"
else
    show_file "ffmpeg receiver log" "$W/recv.log"
    bail "ffmpeg receiver listens on $PA and $PV" "ports not bound within 10 s"
fi
if wait_udp_bound "$PG" 10; then
    pass "GStreamer receiver listens on $PG"
else
    show_file "GStreamer receiver log" "$W/gst-recv.log"
    bail "GStreamer receiver listens on $PG" "port not bound within 10 s"
fi
sleep 0.5

spawn_bounded "$W/send.log" $((SEND_SECONDS + 30)) gst-launch-1.0 -e rtpbin name=rtpbin \
    videotestsrc is-live=true num-buffers=$((SEND_SECONDS * FPS)) pattern=smpte \
    ! "video/x-raw,width=320,height=240,framerate=$FPS/1" ! videoconvert \
    ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=800 \
    ! video/x-h264,profile=constrained-baseline \
    ! rtph264pay pt=102 ssrc=3333 config-interval=1 ! rtpbin.send_rtp_sink_0 \
    rtpbin.send_rtp_src_0 ! udpsink host="$V_IP" port="$V_PORT" \
    rtpbin.send_rtcp_src_0 ! udpsink host="$V_IP" port="$V_RTCP" sync=false async=false \
    audiotestsrc is-live=true num-buffers=$((SEND_SECONDS * 50)) samplesperbuffer=960 \
    ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! audioresample ! opusenc \
    ! rtpopuspay pt=100 ssrc=1111 ! rtpbin.send_rtp_sink_1 \
    rtpbin.send_rtp_src_1 ! udpsink host="$A_IP" port="$A_PORT" \
    rtpbin.send_rtcp_src_1 ! udpsink host="$A_IP" port="$A_RTCP" sync=false async=false
SEND_PID="$SPAWNED_PID"

sleep 3
MID_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/stats")"
assert_json_expr "mid-stream: H264 consumer packetsSent > 0" "${MID_STATS:-{\}}" '.packetsSent > 0'

wait_exit "$RECV_PID" $((SEND_SECONDS + 25))
if [ "$EXIT_STATUS" = 0 ]; then
    pass "ffmpeg receiver recorded its ${RECV_SECONDS}s window and exited 0"
else
    fail "ffmpeg receiver recorded its ${RECV_SECONDS}s window and exited 0" "status $EXIT_STATUS (124: still waiting for media)"
    show_file "ffmpeg receiver log" "$W/recv.log" 30
    stop_pid "$RECV_PID" KILL 2
fi
finish_sender "$SEND_PID" "GStreamer sender" "$SEND_SECONDS" "$W/send.log" "$SEND_SECONDS"
sleep 1
stop_pid "$GRECV_PID" INT 10
if [ "$EXIT_STATUS" = 0 ]; then
    pass "GStreamer receiver stops on SIGINT (EOS) and exits 0"
else
    fail "GStreamer receiver stops on SIGINT (EOS) and exits 0" "status $EXIT_STATUS"
    show_file "GStreamer receiver log" "$W/gst-recv.log" 30
fi

# ------------------------------------------------------------ 5. stats
PA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$A_P/stats")"
PV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$V_P/stats")"
CA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CA/stats")"
CV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/stats")"
CG_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B3/consumers/$CG/stats")"
TA_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$A_T/stats")"
TV_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$V_T/stats")"
assert_json_expr "opus producer: ssrc 1111 packetsReceived > 0" "${PA_STATS:-{\}}" '.streams[0].ssrc == 1111 and .streams[0].packetsReceived > 0'
assert_json_expr "H264 producer: ssrc 3333 packetsReceived > 0" "${PV_STATS:-{\}}" '.streams[0].ssrc == 3333 and .streams[0].packetsReceived > 0'
assert_json_expr "H264 producer: no unknown-payload-type drops (PT 102)" "${PV_STATS:-{\}}" '.packetsDroppedUnknownPayloadType == 0'
assert_json_expr "consumers: packetsSent > 0 (opus, H264 ×2)" "[${CA_STATS:-{\}},${CV_STATS:-{\}},${CG_STATS:-{\}}]" 'all(.[]; .packetsSent > 0)'
PV_RECV="$(jnum "${PV_STATS:-{\}}" '.streams[0].packetsReceived')"
for pair in "ffmpeg:${CV_STATS:-{\}}" "GStreamer:${CG_STATS:-{\}}"; do
    label="${pair%%:*}" json="${pair#*:}"
    assert_ge "H264 consumer ($label receiver) forwarded ≥ 95% of the producer's packets" "$(jnum "$json" '.packetsSent')" \
        "$(awk -v n="$PV_RECV" 'BEGIN { printf "%d", n * 0.95 }')" "producer received $PV_RECV"
done
assert_json_expr "send transports: RTP and RTCP (rtpbin SR) received" "[${TA_STATS:-{\}},${TV_STATS:-{\}}]" \
    'all(.[]; .rtpPacketsReceived > 0 and .rtcpPacketsReceived > 0)'
assert_json_expr "send transports: nothing dropped" "[${TA_STATS:-{\}},${TV_STATS:-{\}}]" 'all(.[]; [.dropped[]] | add == 0)'

# ------------------------------------------------------------ 6. the ffmpeg recording
OUT="$W/out.mkv"
STREAMS="$(probe_streams "$OUT" | sort | tr '\n' ' ')"
if grep -q 'video:h264' <<<"$STREAMS"; then pass "out.mkv has an h264 stream"; else fail "out.mkv has an h264 stream" "streams: '$STREAMS'"; fi
if grep -q 'audio:opus' <<<"$STREAMS"; then pass "out.mkv has an opus stream"; else fail "out.mkv has an opus stream" "streams: '$STREAMS'"; fi
LO="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 0.9 }')"
HI="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 1.1 }')"
assert_between "out.mkv duration within ±10% of ${RECV_SECONDS}s" "$(probe_duration "$OUT")" "$LO" "$HI"
assert_between "out.mkv video span within ±10% of ${RECV_SECONDS}s" "$(stream_span "$OUT" v:0)" "$LO" "$HI"
assert_between "out.mkv audio span within ±10% of ${RECV_SECONDS}s" "$(stream_span "$OUT" a:0)" "$LO" "$HI"
decode_errors "$OUT" "$W/decode.txt"
if [ ! -s "$W/decode.txt" ]; then pass "out.mkv decodes without errors"; else fail "out.mkv decodes without errors" "$(head -n 8 "$W/decode.txt" | tr '\n' '|')"; fi
FRAMES="$(count_frames "$OUT" v:0)"
assert_ge "out.mkv decoded video frames ≥ 80% of $((RECV_SECONDS * FPS))" "${FRAMES:-0}" $((RECV_SECONDS * FPS * 8 / 10))

# ------------------------------------------------------------ 7. the GStreamer recording
GOUT="$W/gst.mkv"
GSTREAMS="$(probe_streams "$GOUT" | sort | tr '\n' ' ')"
if grep -q 'video:h264' <<<"$GSTREAMS"; then pass "gst.mkv has an h264 stream"; else fail "gst.mkv has an h264 stream" "streams: '$GSTREAMS'"; fi
# GStreamer's jitter buffer timestamps frames from their arrival (25-35 ms apart, not a
# constant 33.3): keep them as they are (passthrough, the file's time base) so that the
# check is about decoding, not ffmpeg's rounding to a 1/30 s grid.
decode_errors "$GOUT" "$W/gdecode.txt" -fps_mode passthrough -enc_time_base -1
if [ ! -s "$W/gdecode.txt" ]; then pass "gst.mkv decodes without errors"; else fail "gst.mkv decodes without errors" "$(head -n 8 "$W/gdecode.txt" | tr '\n' '|')"; fi
GLO="$(awk -v s="$SEND_SECONDS" 'BEGIN { print s * 0.9 }')"
GHI="$(awk -v s="$SEND_SECONDS" 'BEGIN { print s * 1.1 }')"
assert_between "gst.mkv duration within ±10% of the ${SEND_SECONDS}s sent" "$(probe_duration "$GOUT")" "$GLO" "$GHI"
GFRAMES="$(count_frames "$GOUT" v:0)"
assert_ge "gst.mkv decoded frames ≥ 80% of $((SEND_SECONDS * FPS))" "${GFRAMES:-0}" $((SEND_SECONDS * FPS * 8 / 10))

if [ "$IT_FAILED" -ne 0 ]; then
    echo "---- ffmpeg receiver SDP ----"; sed 's/^/    /' "$W/recv.sdp"
    for s in PA_STATS PV_STATS CA_STATS CV_STATS CG_STATS TA_STATS TV_STATS; do echo "$s: $(compact "${!s:-}")"; done
    echo "ffmpeg receiver log: $(grep -c 'Non-monotonous DTS' "$W/recv.log" || true) 'Non-monotonous DTS' lines"
    echo "---- out.mkv video timestamp jumps (count, prev -> pts) ----"; timestamp_jumps "$OUT" v:0 0.0334
    echo "---- out.mkv audio timestamp jumps ----"; timestamp_jumps "$OUT" a:0 0.02
    show_file "ffmpeg receiver log" "$W/recv.log" 12
    show_file "GStreamer receiver log" "$W/gst-recv.log" 20
    show_file "sender log" "$W/send.log" 15
    show_server_log
fi

http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
