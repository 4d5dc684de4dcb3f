#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# In-process recording of a GStreamer ingest (rtpbin: x264enc H264 PT102 ssrc 3333 + opusenc
# PT100 ssrc 1111, RTCP on separate ports) to fragmented MP4 and to HLS (H264 as it is, Opus →
# AAC), with the video producer paused and resumed mid-recording:
#
#   mp4 of given producer ids: h264 + opus, duration ±10 %, decodes silently, A/V start
#   within 40 ms; hls read by ffmpeg over Sluice's HTTP server, only opus→aac transcoded,
#   segments cut on the sender's key frames (GOP 1 s) at the 2 s target. (This pipeline does
#   not receive RTCP, so key-frame requests at segment pace are covered by the recorder's
#   unit tests.)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"
# shellcheck source=tools/recording_lib.sh
source "$HERE/tools/recording_lib.sh"

SEND_SECONDS=10
FPS=30
ROOM="it-rec-gst-$(rand_id 8)"
B1="$(rand_id 32)"
W="$IT_TMP"

for tool in gst-launch-1.0 gst-inspect-1.0 ffmpeg ffprobe jq curl; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done
for element in rtpbin x264enc rtph264pay opusenc rtpopuspay udpsink; do
    gst-inspect-1.0 "$element" >/dev/null 2>&1 || bail "GStreamer element $element available" "gst-inspect-1.0 $element failed"
done

H264_PRODUCER='{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/H264","payloadType":102,"clockRate":90000,"parameters":{"packetization-mode":1,"profile-level-id":"42e01f"}}],"encodings":[{"ssrc":3333}],"rtcp":{"cname":"gst"}}}'
GST_OPUS_PRODUCER="$(jq -c '.rtpParameters.rtcp = {"cname":"gst"}' <<<"$OPUS_PRODUCER")"

room_caps "$ROOM"
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "audio (send)"
A_T="$T_ID" A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
new_producer "$ROOM" "$B1" "$A_T" "$GST_OPUS_PRODUCER" "opus 1111"
A_P="$P_ID"
new_producer "$ROOM" "$B1" "$V_T" "$H264_PRODUCER" "H264 3333"
V_P="$P_ID"

start_recording "$ROOM" '{"format":"mp4","producerIds":["'"$V_P"'","'"$A_P"'"]}' "mp4 of two producers"
MP4_ID="$REC_ID"
assert_json_expr "mp4: selection names the producers" "$REC_JSON" '(.selection.producerIds | length) == 2 and (.selection.allProducers | not)'
start_recording "$ROOM" '{"format":"hls"}' "hls of the room"
HLS_ID="$REC_ID"

spawn_bounded "$W/send.log" $((SEND_SECONDS + 30)) gst-launch-1.0 -e rtpbin name=rtpbin \
    videotestsrc is-live=true num-buffers=$((SEND_SECONDS * FPS)) pattern=smpte \
    ! "video/x-raw,width=320,height=240,framerate=$FPS/1" ! videoconvert \
    ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=800 \
    ! video/x-h264,profile=constrained-baseline \
    ! rtph264pay pt=102 ssrc=3333 config-interval=-1 ! rtpbin.send_rtp_sink_0 \
    rtpbin.send_rtp_src_0 ! udpsink host="$V_IP" port="$V_PORT" \
    rtpbin.send_rtcp_src_0 ! udpsink host="$V_IP" port="$V_RTCP" sync=false async=false \
    audiotestsrc is-live=true num-buffers=$((SEND_SECONDS * 50)) samplesperbuffer=960 \
    ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! audioresample ! opusenc \
    ! rtpopuspay pt=100 ssrc=1111 ! rtpbin.send_rtp_sink_1 \
    rtpbin.send_rtp_src_1 ! udpsink host="$A_IP" port="$A_PORT" \
    rtpbin.send_rtcp_src_1 ! udpsink host="$A_IP" port="$A_RTCP" sync=false async=false
SEND_PID="$SPAWNED_PID"

# Pause the video producer for a second mid-recording: a gap, not a corrupt file.
sleep 4
http POST "/rooms/$ROOM/broadcasters/$B1/producers/$V_P/pause"
assert_status "pause the video producer" 200
sleep 1
http POST "/rooms/$ROOM/broadcasters/$B1/producers/$V_P/resume"
assert_status "resume the video producer" 200
MID="$(get_json "/rooms/$ROOM/recordings/$HLS_ID")"
assert_json_expr "hls: only opus→aac is transcoded (H264 goes as it is)" "${MID:-{\}}" '.transcodes == ["opus→aac"]'

finish_sender "$SEND_PID" "GStreamer sender" $((SEND_SECONDS + 10)) "$W/send.log" "$SEND_SECONDS"
sleep 0.5
stop_recording "$ROOM" "$MP4_ID" "mp4"
MP4_JSON="$REC_JSON"
stop_recording "$ROOM" "$HLS_ID" "hls"
HLS_JSON="$REC_JSON"
assert_json_expr "mp4: recording.mp4 as video/mp4, h264 track asked for key frames" "$MP4_JSON" \
    '.files[0].name == "recording.mp4" and .files[0].contentType == "video/mp4" and (.tracks | length) == 2'

fetch_recording_file "$(jq -r '.files[0].url' <<<"$MP4_JSON")" "$W/rec.mp4"
check_recording "$W/rec.mp4" "mp4" "h264 opus" "$SEND_SECONDS"

fetch_recording_file "$(jq -r '.files[0].url' <<<"$HLS_JSON")" "$W/index.m3u8"
SEGMENTS="$(grep -c '^#EXTINF' "$W/index.m3u8" || true)"
assert_ge "hls: ≥ $((SEND_SECONDS / 2 - 1)) segments" "$SEGMENTS" $((SEND_SECONDS / 2 - 1))
LONGEST="$(awk -F'[:,]' '/^#EXTINF/ { if ($2 > m) m = $2 } END { print m + 0 }' "$W/index.m3u8")"
assert_between "hls: segments cut at the first key frame (1 s GOP) after the 2 s target (longest ≤ 3.5 s)" "$LONGEST" 0.5 3.5
check_recording "$SLUICE_URL$(jq -r '.files[0].url' <<<"$HLS_JSON")" "hls over HTTP" "h264 aac" "$SEND_SECONDS"
assert_recordings_layout

if [ "$IT_FAILED" -ne 0 ]; then
    echo "mp4: $(compact "$MP4_JSON")"
    echo "hls: $(compact "$HLS_JSON")"
    sed 's/^/    /' "$W/index.m3u8" | head -30
    show_file "sender log" "$W/send.log" 10
    show_server_log
fi
http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
