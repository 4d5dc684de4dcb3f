#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# In-process recording of the reference ffmpeg ingest (Opus 1111/PT100 + VP8 2222/PT101 over
# two comedia plain transports):
#
#   - bad requests first: bad format, unknown producer, malformed JSON, both selections,
#     unknown room, an empty room, unknown recording — clear 4xx, nothing created;
#   - a webm recording of the room and an hls recording of the broadcaster, started before the
#     ingest; while recording: GET shows state recording, live.m3u8 rolls without ENDLIST;
#   - DELETE finalises: webm has vp8 + opus, the ingest's duration ±10 %, decodes silently,
#     A/V start within 40 ms; HLS (opus→aac, vp8→h264 transcodes reported) is read by
#     ffmpeg over Sluice's HTTP server, index.m3u8 is VOD with ENDLIST;
#   - file routes refuse `..` and anything outside the recording; events on the room stream.
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
ROOM="it-rec-ffmpeg-$(rand_id 8)"
B1="$(rand_id 32)"
W="$IT_TMP"

for tool in ffmpeg ffprobe jq python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# ------------------------------------------------------------ 1. room and producers
room_caps "$ROOM"
sse_start "$ROOM" "$W/events.txt" 120
new_broadcaster "$ROOM" "$B1"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "audio (send)"
A_T="$T_ID" A_IP="$T_IP" A_PORT="$T_PORT" A_RTCP="$T_RTCP"
new_plain "$ROOM" "$B1" "$PLAIN_COMEDIA" "video (send)"
V_T="$T_ID" V_IP="$T_IP" V_PORT="$T_PORT" V_RTCP="$T_RTCP"
new_producer "$ROOM" "$B1" "$A_T" "$OPUS_PRODUCER" "opus 1111"
A_P="$P_ID"
new_producer "$ROOM" "$B1" "$V_T" "$VP8_PRODUCER" "vp8 2222"
V_P="$P_ID"

# ------------------------------------------------------------ 2. bad requests
http POST "/rooms/$ROOM/recordings" '{"format":"avi"}'
assert_problem_where "format avi → 400 naming the formats" 400 '.detail | test("webm") and test("hls")'
http POST "/rooms/$ROOM/recordings" '{"format":"webm","producerIds":["no-such-producer"]}'
assert_problem_where "unknown producer id → 404" 404 '.detail | test("no-such-producer")'
http POST "/rooms/$ROOM/recordings" '{"format":"webm","producerIds":[]}'
assert_problem_where "empty producerIds → 400" 400 '.detail | test("producerIds")'
http POST "/rooms/$ROOM/recordings" '{"format":"webm","producerIds":["'"$A_P"'"],"broadcasterId":"'"$B1"'"}'
assert_problem_where "producerIds and broadcasterId together → 400" 400 '.detail | test("broadcasterId")'
http POST "/rooms/$ROOM/recordings" '{"format":'
assert_problem_where "malformed JSON → 400" 400 '.status == 400'
http POST "/rooms/$ROOM/recordings" '{"format":42}'
assert_problem_where "format of the wrong type → 400 naming the field" 400 '.detail | test("format")'
http POST "/rooms/$ROOM/recordings" '{"format":"webm","broadcasterId":"nobody"}'
assert_problem_where "unknown broadcaster → 404" 404 '.detail | test("nobody")'
http POST "/rooms/no-such-room-$(rand_id 6)/recordings" '{"format":"webm"}'
assert_problem_where "unknown room → 404" 404 '.status == 404'
EMPTY_ROOM="it-rec-empty-$(rand_id 6)"
room_caps "$EMPTY_ROOM"
http POST "/rooms/$EMPTY_ROOM/recordings" '{"format":"mkv"}'
assert_problem_where "a recording of an empty room → 409" 409 '.detail | test("no producers")'
http DELETE "/rooms/$EMPTY_ROOM"
http GET "/rooms/$ROOM/recordings/not-a-recording"
assert_problem_where "unknown recording → 404" 404 '.status == 404'
http GET "/rooms/$ROOM/recordings"
assert_json_expr "refused requests created nothing" "$HTTP_BODY" '.recordings == []'

# ------------------------------------------------------------ 3. record, then ingest
start_recording "$ROOM" '{"format":"webm"}' "webm of the room"
WEBM_ID="$REC_ID"
assert_json_expr "webm: records both producers, waits for a key frame" "$REC_JSON" \
    --arg a "$A_P" --arg v "$V_P" '(.producerIds | sort) == ([$a, $v] | sort) and .state == "waitingForKeyFrame" and .selection.allProducers'
start_recording "$ROOM" '{"format":"hls","broadcasterId":"'"$B1"'"}' "hls of the broadcaster"
HLS_ID="$REC_ID"

TEE="[select=a:f=rtp:ssrc=1111:payload_type=100]rtp://$A_IP:$A_PORT?rtcpport=$A_RTCP|[select=v:f=rtp:ssrc=2222:payload_type=101]rtp://$V_IP:$V_PORT?rtcpport=$V_RTCP"
spawn_bounded "$W/send.log" $((SEND_SECONDS + 30)) ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -f lavfi -i "testsrc2=size=320x240:rate=$FPS" \
    -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -map 1:a:0 -c:a libopus -b:a 128k -ac 2 -ar 48000 \
    -map 0:v:0 -pix_fmt yuv420p -c:v libvpx -b:v 1000k -deadline realtime -cpu-used 8 -g 30 \
    -t "$SEND_SECONDS" -f tee "$TEE"
SEND_PID="$SPAWNED_PID"

sleep 6
MID="$(get_json "/rooms/$ROOM/recordings/$WEBM_ID")"
assert_json_expr "mid-recording: webm state recording, bytes growing" "${MID:-{\}}" '.state == "recording" and .bytesWritten > 0'
MID_HLS="$(get_json "/rooms/$ROOM/recordings/$HLS_ID")"
assert_json_expr "mid-recording: hls says which transcodes are in use" "${MID_HLS:-{\}}" \
    '(.transcodes | sort) == ["opus→aac", "vp8→h264"] and any(.tracks[]; .transcodedTo == "aac") and any(.tracks[]; .transcodedTo == "h264")'
curl -sS --max-time 5 -o "$W/live.m3u8" "$SLUICE_URL/rooms/$ROOM/recordings/$HLS_ID/files/hls/live.m3u8" || true
if grep -q '^#EXTINF' "$W/live.m3u8" 2>/dev/null && ! grep -q 'EXT-X-ENDLIST' "$W/live.m3u8"; then
    pass "mid-recording: live.m3u8 lists segments, no ENDLIST"
else
    fail "mid-recording: live.m3u8 lists segments, no ENDLIST" "$(head -c 400 "$W/live.m3u8" 2>/dev/null | tr '\n' '|')"
fi
finish_sender "$SEND_PID" "sender ffmpeg" $((SEND_SECONDS + 10)) "$W/send.log" "$SEND_SECONDS"
sleep 0.5

stop_recording "$ROOM" "$WEBM_ID" "webm"
WEBM_JSON="$REC_JSON"
stop_recording "$ROOM" "$HLS_ID" "hls"
HLS_JSON="$REC_JSON"
assert_json_expr "webm: one file recording.webm, video/webm" "$WEBM_JSON" \
    '(.files | length) == 1 and .files[0].name == "recording.webm" and .files[0].contentType == "video/webm" and .packetsDropped == 0'
assert_json_expr "hls: hls/index.m3u8" "$HLS_JSON" '.files[0].name == "hls/index.m3u8"'

# ------------------------------------------------------------ 4. the files, over HTTP
fetch_recording_file "$(jq -r '.files[0].url' <<<"$WEBM_JSON")" "$W/rec.webm"
assert_eq "webm served as video/webm" "video/webm" "$FETCHED_CTYPE"
check_recording "$W/rec.webm" "webm" "opus vp8" "$SEND_SECONDS"

HLS_URL="$SLUICE_URL$(jq -r '.files[0].url' <<<"$HLS_JSON")"
fetch_recording_file "$(jq -r '.files[0].url' <<<"$HLS_JSON")" "$W/index.m3u8"
assert_eq "playlist served as application/vnd.apple.mpegurl" "application/vnd.apple.mpegurl" "$FETCHED_CTYPE"
if grep -q '^#EXT-X-ENDLIST' "$W/index.m3u8" && grep -q '^#EXT-X-PLAYLIST-TYPE:VOD' "$W/index.m3u8"; then
    pass "index.m3u8 is a complete VOD playlist"
else
    fail "index.m3u8 is a complete VOD playlist" "$(tr '\n' '|' <"$W/index.m3u8" | head -c 400)"
fi
SEGMENTS="$(grep -c '^#EXTINF' "$W/index.m3u8" || true)"
assert_ge "hls: at least $((SEND_SECONDS / 2 - 1)) segments of ~2 s" "$SEGMENTS" $((SEND_SECONDS / 2 - 1))
LONGEST="$(awk -F'[:,]' '/^#EXTINF/ { if ($2 > m) m = $2 } END { print m + 0 }' "$W/index.m3u8")"
assert_between "hls: segments cut at ~2 s (longest ≤ 3 s)" "$LONGEST" 0.5 3
check_recording "$HLS_URL" "hls over HTTP" "aac h264" "$SEND_SECONDS"

# ------------------------------------------------------------ 5. file routes stay inside
for bad in "files/..%2F..%2Fetc%2Fpasswd" "files/.." "files/%2e%2e/%2e%2e/etc/passwd" "files/hls/..%2F..%2Frecording.webm" \
    "files/.hidden" "files/hls/%2e%2e"; do
    code="$(curl -sS --path-as-is --max-time 5 -o "$W/bad.txt" -w '%{http_code}' "$SLUICE_URL/rooms/$ROOM/recordings/$WEBM_ID/$bad" || echo 000)"
    if [[ "$code" =~ ^4 ]]; then pass "GET …/$bad → $code"; else fail "GET …/$bad → 4xx" "got $code: $(head -c 200 "$W/bad.txt")"; fi
done
code="$(curl -sS --path-as-is --max-time 5 -o /dev/null -w '%{http_code}' "$SLUICE_URL/rooms/$ROOM/recordings/$WEBM_ID/files/../../$HLS_ID/files/hls/index.m3u8" || echo 000)"
if [ "$code" != 200 ]; then pass "dot segments cannot reach another recording ($code)"; else fail "dot segments cannot reach another recording" "200"; fi
code="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$SLUICE_URL/rooms/$ROOM/recordings/$WEBM_ID/files/missing.webm" || echo 000)"
assert_eq "missing file → 404" 404 "$code"
assert_recordings_layout

# ------------------------------------------------------------ 6. events and list
sleep 0.5
EVENTS="$(sse_events "$W/events.txt")"
for name in recordingstart recordingfile recordingstop; do
    count="$(jq -s --arg n "$name" '[.[] | select(.event == $n)] | length' <<<"$EVENTS")"
    assert_ge "room events: $name for both recordings" "$count" 2
done
assert_json_expr "recordingfile event carries bytes and duration" "$(jq -s '[.[] | select(.event == "recordingfile")][0].data' <<<"$EVENTS")" \
    '(.bytes | tonumber) > 0 and (.duration | tonumber) > 0'
http GET "/rooms/$ROOM/recordings"
assert_json_expr "GET recordings lists both, stopped" "$HTTP_BODY" '(.recordings | length) == 2 and all(.recordings[]; .state == "stopped")'

if [ "$IT_FAILED" -ne 0 ]; then
    echo "webm: $(compact "$WEBM_JSON")"
    echo "hls: $(compact "$HLS_JSON")"
    show_file "sender log" "$W/send.log" 10
    show_server_log
fi
http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204
finish
