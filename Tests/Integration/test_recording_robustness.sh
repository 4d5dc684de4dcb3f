#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Recording robustness, on a server of its own (it is killed here):
#
#   1. an ingest restart with new SSRCs mid-recording (the broadcaster closes its transports
#      and producers, makes new ones, a new ffmpeg sends): the broadcaster's mkv recording
#      finalises the first part when its producers close and records the new producers in a
#      second part; both decode;
#   2. a recording whose directory cannot be written fails with a clear state and event while
#      another recording of the same room goes on;
#   3. `kill -TERM` of the server during webm, mp4 and hls recordings: the server finalises
#      them before it exits; every file is playable, the HLS playlist is complete.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"
# shellcheck source=tools/recording_lib.sh
source "$HERE/tools/recording_lib.sh"

W="$IT_TMP"
BIN="${SLUICE_BIN:-}"
[ -x "$BIN" ] || bail "server binary available (SLUICE_BIN)" "'$BIN'"
for tool in ffmpeg ffprobe jq curl; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# A server of our own: its own HTTP port, RTC range and recordings directory.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RTC_MIN=43100
RTC_MAX=43199
REC_DIR="$W/recordings"
mkdir -p "$REC_DIR"
spawn "$W/server.log" "$BIN" --host 127.0.0.1 --port "$PORT" --workers 2 --rtc-listen-ip 127.0.0.1 \
    --rtc-min-port "$RTC_MIN" --rtc-max-port "$RTC_MAX" --recordings-dir "$REC_DIR" --log-level info
SERVER_PID="$SPAWNED_PID"
export SLUICE_URL="http://127.0.0.1:$PORT" SLUICE_RECORDINGS_DIR="$REC_DIR" SLUICE_LOG="$W/server.log"
for _ in $(seq 100); do
    curl -fsS --max-time 1 "$SLUICE_URL/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS --max-time 2 "$SLUICE_URL/healthz" >/dev/null 2>&1 || bail "own server answers /healthz" "$(tail -n 5 "$W/server.log")"

ROOM="it-rec-robust-$(rand_id 8)"
B1="$(rand_id 32)"
room_caps "$ROOM"
sse_start "$ROOM" "$W/events.txt" 120

# ingest LOG SECONDS AUDIO_SSRC VIDEO_SSRC: the reference ffmpeg sender to A_*/V_* ports.
ingest() {
    local tee="[select=a:f=rtp:ssrc=$3:payload_type=100]rtp://$A_IP:$A_PORT?rtcpport=$A_RTCP|[select=v:f=rtp:ssrc=$4:payload_type=101]rtp://$V_IP:$V_PORT?rtcpport=$V_RTCP"
    spawn_bounded "$1" $(($2 + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
        -re -f lavfi -i "testsrc2=size=320x240:rate=30" -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
        -map 1:a:0 -c:a libopus -b:a 96k -ac 2 -ar 48000 \
        -map 0:v:0 -pix_fmt yuv420p -c:v libvpx -b:v 800k -deadline realtime -cpu-used 8 -g 30 \
        -t "$2" -f tee "$tee"
    SEND_PID="$SPAWNED_PID"
}

# producers AUDIO_SSRC VIDEO_SSRC: new send transports and producers on B1.
producers() {
    new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "audio (send)"
    A_T="$T_ID" A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
    new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
    V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
    new_producer "$ROOM" "$B1" "$A_T" "$(jq -c --argjson s "$1" '.rtpParameters.encodings[0].ssrc = $s' <<<"$OPUS_PRODUCER")" "opus $1"
    A_P="$P_ID"
    new_producer "$ROOM" "$B1" "$V_T" "$(jq -c --argjson s "$2" '.rtpParameters.encodings[0].ssrc = $s' <<<"$VP8_PRODUCER")" "vp8 $2"
    V_P="$P_ID"
}

# restart_producers AUDIO_SSRC VIDEO_SSRC: close the current send transports (their
# producers close with them) and make new ones: a comedia transport stays latched to the
# sender that first used it, so every new ffmpeg process needs new transports.
restart_producers() {
    http DELETE "/rooms/$ROOM/broadcasters/$B1/transports/$A_T"
    assert_status "close the audio send transport" 204
    http DELETE "/rooms/$ROOM/broadcasters/$B1/transports/$V_T"
    assert_status "close the video send transport" 204
    producers "$1" "$2"
}

# ------------------------------------------------------------ 1. ingest restart with new SSRCs
new_broadcaster "$ROOM" "$B1"
producers 1111 2222
start_recording "$ROOM" '{"format":"mkv","broadcasterId":"'"$B1"'"}' "mkv of the broadcaster"
MKV_ID="$REC_ID"
ingest "$W/send1.log" 4 1111 2222
finish_sender "$SEND_PID" "first ingest" 14 "$W/send1.log" 4
restart_producers 3333 4444
ingest "$W/send2.log" 4 3333 4444
finish_sender "$SEND_PID" "second ingest (new SSRCs)" 14 "$W/send2.log" 4
sleep 0.5
stop_recording "$ROOM" "$MKV_ID" "mkv across the restart"
MKV_JSON="$REC_JSON"
assert_json_expr "mkv: two finalised parts, one per ingest, four producers recorded" "$MKV_JSON" \
    '(.files | map(.name)) == ["recording.mkv", "recording-2.mkv"] and (.tracks | length) == 4'
for name in recording.mkv recording-2.mkv; do
    fetch_recording_file "/rooms/$ROOM/recordings/$MKV_ID/files/$name" "$W/$name"
    check_recording "$W/$name" "$name" "opus vp8" 4
done

# ------------------------------------------------------------ 2. an unwritable directory fails one recording only
start_recording "$ROOM" '{"format":"webm","broadcasterId":"'"$B1"'"}' "webm that will fail"
BAD_ID="$REC_ID"
# The server made the directory; replace it with a file so nothing can be written there.
sleep 0.3
rm -rf "${REC_DIR:?}/$BAD_ID" && : >"$REC_DIR/$BAD_ID"
start_recording "$ROOM" '{"format":"webm","broadcasterId":"'"$B1"'"}' "webm that goes on"
GOOD_ID="$REC_ID"
restart_producers 5555 6666
ingest "$W/send3.log" 4 5555 6666
finish_sender "$SEND_PID" "third ingest" 14 "$W/send3.log" 4
BAD_JSON="$(get_json "/rooms/$ROOM/recordings/$BAD_ID")"
assert_json_expr "unwritable directory: state failed with an error" "${BAD_JSON:-{\}}" '.state == "failed" and (.errors | length) >= 1'
rm -f "${REC_DIR:?}/$BAD_ID"
stop_recording "$ROOM" "$GOOD_ID" "the other webm"
fetch_recording_file "/rooms/$ROOM/recordings/$GOOD_ID/files/recording.webm" "$W/good.webm"
check_recording "$W/good.webm" "the other webm" "opus vp8" 4
sleep 0.3
assert_ge "recordingfail event" "$(sse_events "$W/events.txt" | jq -s '[.[] | select(.event == "recordingfail")] | length')" 1

# ------------------------------------------------------------ 3. SIGTERM finalises every recording
start_recording "$ROOM" '{"format":"webm"}' "webm before SIGTERM"
T_WEBM="$REC_ID"
start_recording "$ROOM" '{"format":"mkv"}' "mkv before SIGTERM"
T_MKV="$REC_ID"
start_recording "$ROOM" '{"format":"hls"}' "hls before SIGTERM"
T_HLS="$REC_ID"
restart_producers 7777 8888
ingest "$W/send4.log" 20 7777 8888
sleep 5
stop_pid "$SERVER_PID" TERM 20
assert_eq "server exits 0 on SIGTERM while recording" 0 "$EXIT_STATUS"
stop_pid "$SEND_PID" TERM 5
# About 5 s after the ingest started, less ffmpeg's start-up: what matters is that nothing
# recorded before the signal is lost.
export REC_TOLERANCE=0.25
check_recording "$REC_DIR/$T_WEBM/recording.webm" "webm after SIGTERM" "opus vp8" 4.5
check_recording "$REC_DIR/$T_MKV/recording.mkv" "mkv after SIGTERM" "opus vp8" 4.5
if grep -q '^#EXT-X-ENDLIST' "$REC_DIR/$T_HLS/hls/index.m3u8" 2>/dev/null; then
    pass "hls after SIGTERM: playlist complete (ENDLIST)"
else
    fail "hls after SIGTERM: playlist complete (ENDLIST)" "$(tr '\n' '|' <"$REC_DIR/$T_HLS/hls/index.m3u8" 2>/dev/null | head -c 300)"
fi
check_recording "$REC_DIR/$T_HLS/hls/index.m3u8" "hls after SIGTERM" "aac h264" 4.5
if grep -q "finalising 3 recording" "$W/server.log"; then pass "server logs that it finalises the recordings"; else fail "server logs that it finalises the recordings" "$(tail -n 5 "$W/server.log")"; fi

if [ "$IT_FAILED" -ne 0 ]; then
    echo "mkv: $(compact "$MKV_JSON")"
    echo "failed one: $(compact "${BAD_JSON:-}")"
    show_file "server log" "$W/server.log" 30
fi
finish
