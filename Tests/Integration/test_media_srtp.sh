#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# SRTP on plain transports, both ways, with ffmpeg:
#
#   ingest: a comedia plain transport created with enableSrtp:true (default suite
#   AES_CM_128_HMAC_SHA1_80) is connected with {"srtpParameters":{cryptoSuite, keyBase64}}
#   (no ip/port: comedia) -- the key ffmpeg encrypts with:
#     ffmpeg … -f rtp -srtp_out_suite AES_CM_128_HMAC_SHA1_80 -srtp_out_params KEY
#            srtp://IP:PORT?rtcpport=RTCPPORT
#   egress: a connected plain transport with enableSrtp:true, connected with the receiver's
#   own key (a different one); GET …/consumers/C/sdp must say RTP/SAVP and carry
#   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<the transport's key> -- ffmpeg's SDP
#   demuxer (rtsp.c) decrypts with it.
#   wrong key: a second SRTP ingest transport connected with key K1 while ffmpeg
#   encrypts with K2 → nothing accepted (producer packetsReceived 0, no RTP tuple
#   latched), transport dropped.srtpFailure > 0.
#
# Needs ffmpeg/ffprobe (libvpx, srtp protocol), jq, python3, ss.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

RECV_SECONDS=5
SEND_SECONDS=7
FPS=30
SUITE=AES_CM_128_HMAC_SHA1_80
ROOM="it-media-srtp-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
W="$IT_TMP"

for tool in ffmpeg ffprobe jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done
if ! ffmpeg -hide_banner -protocols 2>/dev/null | grep -qw srtp; then bail "ffmpeg has the srtp protocol" "ffmpeg -protocols lists no srtp"; fi

KEY_IN="$(random_srtp_key 30)"     # what ffmpeg encrypts with (ingest)
KEY_RX="$(random_srtp_key 30)"     # the receiver's own key (egress connect)
KEY_BAD_T="$(random_srtp_key 30)"  # what the wrong-key transport is told
KEY_BAD_S="$(random_srtp_key 30)"  # what the wrong-key sender actually uses
assert_eq "test keys are 40 base64 chars (30 bytes)" 40 "${#KEY_IN}"

# ------------------------------------------------------------ 1. ingest transport (SRTP, comedia)
room_caps "$ROOM"
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" '{"type":"plain","comedia":true,"rtcpMux":false,"enableSrtp":true}' "SRTP ingest"
S_T="$T_ID" S_IP="$T_IP" S_PORT="$T_PORT" S_RTCP="$T_RTCP"
assert_json_expr "SRTP ingest transport: srtpParameters with the default suite and a 30-byte key" "$T_JSON" --arg s "$SUITE" \
    '.srtpParameters.cryptoSuite == $s and (.srtpParameters.keyBase64 | type == "string" and length == 40)'
connect_plain "$ROOM" "$B1" "$S_T" "{\"srtpParameters\":{\"cryptoSuite\":\"$SUITE\",\"keyBase64\":\"$KEY_IN\"}}" "SRTP ingest (comedia, key only)"
new_producer "$ROOM" "$B1" "$S_T" "$VP8_PRODUCER" "vp8 2222 over SRTP"
S_P="$P_ID"

# wrong-key ingest transport
new_plain "$ROOM" "$B1" '{"type":"plain","comedia":true,"rtcpMux":false,"enableSrtp":true}' "SRTP ingest (wrong key)"
X_T="$T_ID" X_IP="$T_IP" X_PORT="$T_PORT" X_RTCP="$T_RTCP"
connect_plain "$ROOM" "$B1" "$X_T" "{\"srtpParameters\":{\"cryptoSuite\":\"$SUITE\",\"keyBase64\":\"$KEY_BAD_T\"}}" "SRTP ingest (wrong key)"
new_producer "$ROOM" "$B1" "$X_T" "$(vp8_producer 4444)" "vp8 4444 over SRTP (wrong key)"
X_P="$P_ID"

# ------------------------------------------------------------ 2. egress transport (SRTP, connected)
new_broadcaster "$ROOM" "$B2" with-caps
PV="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
new_plain "$ROOM" "$B2" '{"type":"plain","comedia":false,"rtcpMux":false,"enableSrtp":true}' "SRTP egress"
E_T="$T_ID"
KEY_OUT="$(jq -r '.srtpParameters.keyBase64 // empty' <<<"$T_JSON")"
[ -n "$KEY_OUT" ] || bail "SRTP egress transport returns srtpParameters" "$(compact "$T_JSON")"
connect_plain "$ROOM" "$B2" "$E_T" \
    "{\"ip\":\"127.0.0.1\",\"port\":$PV,\"rtcpPort\":$((PV + 1)),\"srtpParameters\":{\"cryptoSuite\":\"$SUITE\",\"keyBase64\":\"$KEY_RX\"}}" \
    "SRTP egress → 127.0.0.1:$PV"
consume "$ROOM" "$B2" "$E_T" "$S_P" "vp8 consumer over SRTP"
CV="$C_ID"

http GET "/rooms/$ROOM/broadcasters/$B2/transports/$E_T"
assert_json_expr "egress transport state: srtpParameters is ours (not the receiver's key)" "$HTTP_BODY" \
    --arg k "$KEY_OUT" '.srtpParameters.keyBase64 == $k'

http GET "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/sdp"
must_status "GET consumer SDP 200" 200
printf '%s\n' "$HTTP_BODY" >"$W/recv.sdp"
SDP="$(tr -d '\r' <"$W/recv.sdp")"
if grep -qE "^m=video $PV RTP/SAVP 101( |$)" <<<"$SDP"; then pass "SDP m=video $PV RTP/SAVP 101"; else fail "SDP m=video $PV RTP/SAVP 101" "$(tr '\n' ' ' <<<"$SDP")"; fi
if grep -qxF "a=crypto:1 $SUITE inline:$KEY_OUT" <<<"$SDP"; then
    pass "SDP a=crypto:1 $SUITE inline:<egress transport key>"
else
    fail "SDP a=crypto:1 $SUITE inline:<egress transport key>" "expected key $KEY_OUT (receiver key $KEY_RX); crypto lines: $(grep '^a=crypto' <<<"$SDP" | tr '\n' ' ')"
fi

# ------------------------------------------------------------ 3. receiver, then the senders
spawn_bounded "$W/recv.log" $((SEND_SECONDS + 40)) ffmpeg -nostdin -hide_banner -loglevel info \
    -protocol_whitelist file,udp,rtp,srtp -i "$W/recv.sdp" -map 0 -c copy -t "$RECV_SECONDS" -y "$W/out.mkv"
RECV_PID="$SPAWNED_PID"
wait_udp_bound "$PV" 10 || { show_file "receiver log" "$W/recv.log"; bail "receiver ffmpeg listens on $PV" "not bound within 10 s"; }
pass "receiver ffmpeg listens on $PV"
sleep 0.5

send_srtp() { # LOG KEY IP PORT RTCPPORT SSRC SECONDS [SIZE]
    spawn_bounded "$1" $(($7 + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
        -re -f lavfi -i "testsrc2=size=${8:-320x240}:rate=$FPS" -t "$7" \
        -c:v libvpx -b:v 600k -deadline realtime -cpu-used 16 -g 30 -pix_fmt yuv420p \
        -f rtp -ssrc "$6" -payload_type 101 -srtp_out_suite "$SUITE" -srtp_out_params "$2" \
        "srtp://$3:$4?rtcpport=$5"
}
send_srtp "$W/send.log" "$KEY_IN" "$S_IP" "$S_PORT" "$S_RTCP" 2222 "$SEND_SECONDS"
SEND_PID="$SPAWNED_PID"
send_srtp "$W/send-bad.log" "$KEY_BAD_S" "$X_IP" "$X_PORT" "$X_RTCP" 4444 2 160x120
BAD_PID="$SPAWNED_PID"

wait_exit "$RECV_PID" $((SEND_SECONDS + 25))
if [ "$EXIT_STATUS" = 0 ]; then
    pass "SRTP receiver recorded its ${RECV_SECONDS}s window and exited 0"
else
    fail "SRTP receiver recorded its ${RECV_SECONDS}s window and exited 0" "status $EXIT_STATUS (124: still waiting for media)"
    show_file "receiver log" "$W/recv.log" 30
    stop_pid "$RECV_PID" KILL 2
fi
finish_sender "$BAD_PID" "wrong-key sender" 5 "$W/send-bad.log"
finish_sender "$SEND_PID" "SRTP sender" "$SEND_SECONDS" "$W/send.log" "$SEND_SECONDS"
sleep 0.5

# ------------------------------------------------------------ 4. stats
P_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$S_P/stats")"
C_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/consumers/$CV/stats")"
T_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$S_T/stats")"
E_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B2/transports/$E_T/stats")"
XP_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/producers/$X_P/stats")"
XT_STATS="$(get_json "/rooms/$ROOM/broadcasters/$B1/transports/$X_T/stats")"

assert_json_expr "SRTP producer: packetsReceived > 0" "${P_STATS:-{\}}" '.streams[0].ssrc == 2222 and .streams[0].packetsReceived > 0'
assert_json_expr "SRTP ingest transport: RTP and SRTCP (ffmpeg SR) accepted, no srtpFailure" "${T_STATS:-{\}}" \
    '.rtpPacketsReceived > 0 and .rtcpPacketsReceived > 0 and .dropped.srtpFailure == 0'
assert_json_expr "SRTP consumer: packetsSent > 0" "${C_STATS:-{\}}" '.packetsSent > 0'
assert_json_expr "SRTP egress transport: rtpPacketsSent > 0 and rtcpPacketsSent > 0" "${E_STATS:-{\}}" '.rtpPacketsSent > 0 and .rtcpPacketsSent > 0'

assert_json_expr "wrong key: producer packetsReceived stays 0" "${XP_STATS:-{\}}" '([.streams[]?.packetsReceived] | add // 0) == 0'
assert_json_expr "wrong key: transport rtpPacketsReceived 0 and dropped.srtpFailure > 0" "${XT_STATS:-{\}}" \
    '.rtpPacketsReceived == 0 and .dropped.srtpFailure > 0'
assert_json_expr "wrong key: no remote tuple latched from unauthenticated packets" "${XT_STATS:-{\}}" \
    '(.remoteRtp // null) == null'

# ------------------------------------------------------------ 5. the decrypted recording
OUT="$W/out.mkv"
STREAMS="$(probe_streams "$OUT" | tr '\n' ' ')"
if grep -q 'video:vp8' <<<"$STREAMS"; then pass "out.mkv (decrypted by ffmpeg) has a vp8 stream"; else fail "out.mkv (decrypted by ffmpeg) has a vp8 stream" "streams: '$STREAMS'"; fi
decode_errors "$OUT" "$W/decode.txt"
if [ ! -s "$W/decode.txt" ]; then pass "out.mkv decodes without errors"; else fail "out.mkv decodes without errors" "$(head -n 8 "$W/decode.txt" | tr '\n' '|')"; fi
LO="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 0.9 }')"
HI="$(awk -v s="$RECV_SECONDS" 'BEGIN { print s * 1.1 }')"
assert_between "out.mkv duration within ±10% of ${RECV_SECONDS}s" "$(probe_duration "$OUT")" "$LO" "$HI"
FRAMES="$(count_frames "$OUT" v:0)"
assert_ge "decoded frames ≥ 80% of $((RECV_SECONDS * FPS))" "${FRAMES:-0}" $((RECV_SECONDS * FPS * 8 / 10))
if grep -qiE 'HMAC mismatch|decrypt|crypto' "$W/recv.log"; then
    fail "receiver log has no SRTP errors" "$(grep -iE 'HMAC mismatch|decrypt|crypto' "$W/recv.log" | head -n 3 | tr '\n' '|')"
else
    pass "receiver log has no SRTP errors"
fi

if [ "$IT_FAILED" -ne 0 ]; then
    echo "---- consumer SDP ----"; sed 's/^/    /' "$W/recv.sdp"
    for s in P_STATS C_STATS T_STATS E_STATS XP_STATS XT_STATS; do echo "$s: $(compact "${!s:-}")"; done
    show_file "receiver log" "$W/recv.log" 20
    show_file "sender log" "$W/send.log" 10
    show_server_log
fi

http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
