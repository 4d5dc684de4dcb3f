#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Replays the HTTP sequence of mediasoup-demo's v3 broadcaster scripts
# (ffmpeg and GStreamer variants) with curl, then the consumer side, the Sluice
# state routes, deletion and a WebRTC transport.  See
# shared/reference/broadcaster-api.md and Docs/API-SHAPES.md.
#
# Env: SLUICE_URL (required); IT_RTC_MIN_PORT / IT_RTC_MAX_PORT (optional: the
# server's RTC port range, checked when set).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOM="it-flow-$(rand_id 8)"
B1="$(rand_id 32)"
B2="$(rand_id 32)"
RTC_MIN="${IT_RTC_MIN_PORT:-}"
RTC_MAX="${IT_RTC_MAX_PORT:-}"

in_rtc_range() {
    [ -z "$RTC_MIN" ] || [ -z "$RTC_MAX" ] || { [ "$1" -ge "$RTC_MIN" ] && [ "$1" -le "$RTC_MAX" ]; }
}

# check_plain_transport LABEL: the last response is a plain-transport answer
# {id, ip, port, rtcpPort} whose ports are real bound UDP sockets.
check_plain_transport() {
    local label="$1" ip port rtcp
    assert_json_ok "$label: 200 JSON" 200
    assert_jq "$label: .id non-empty string" '.id | type == "string" and length > 0'
    ip="$(jqr '.ip')"
    assert_eq "$label: .ip is 127.0.0.1" "127.0.0.1" "$ip"
    assert_ne "$label: .ip is not 0.0.0.0" "0.0.0.0" "$ip"
    assert_jq "$label: .port is an integer" '.port | type == "number" and . == floor and . > 0 and . < 65536'
    assert_jq "$label: .rtcpPort is an integer" '.rtcpPort | type == "number" and . == floor and . > 0 and . < 65536'
    assert_jq "$label: .port != .rtcpPort" '.port != .rtcpPort'
    assert_jq "$label: no srtpParameters unless asked" 'has("srtpParameters") | not'
    port="$(jqr '.port')"
    rtcp="$(jqr '.rtcpPort')"
    if is_int "$port" && is_int "$rtcp"; then
        if in_rtc_range "$port" && in_rtc_range "$rtcp"; then
            pass "$label: ports in the RTC range ${RTC_MIN:-?}-${RTC_MAX:-?}"
        else
            fail "$label: ports in the RTC range ${RTC_MIN}-${RTC_MAX}" "port $port rtcpPort $rtcp"
        fi
        assert_true "$label: RTP port $port is a bound UDP socket" udp_port_bound 127.0.0.1 "$port"
        assert_true "$label: RTCP port $rtcp is a bound UDP socket" udp_port_bound 127.0.0.1 "$rtcp"
    else
        fail "$label: ports are bound UDP sockets" "no integer ports"
    fi
}

# ------------------------------------------------------------ 1. router capabilities
http GET "/rooms/$ROOM"
assert_json_ok "GET /rooms/:roomId 200 JSON" 200
CAPS="$HTTP_BODY"
assert_jq "codecs[0] is audio/opus" '.codecs[0].mimeType == "audio/opus"'
assert_jq "opus is 48000/2" '.codecs[0].clockRate == 48000 and .codecs[0].channels == 2 and .codecs[0].kind == "audio"'
assert_jq "9 codecs" '.codecs | length == 9'
assert_jq "preferredPayloadType 100..108 in order" '[.codecs[].preferredPayloadType] == [100,101,102,103,104,105,106,107,108]'
assert_jq "codec order opus,VP8,rtx,VP9,rtx,H264,rtx,H264,rtx" \
    '[.codecs[].mimeType | ascii_downcase] == ["audio/opus","video/vp8","video/rtx","video/vp9","video/rtx","video/h264","video/rtx","video/h264","video/rtx"]'
assert_jq "rtx apt parameters point at their codec" \
    '[.codecs[2,4,6,8].parameters.apt | tonumber] == [101,103,105,107]'
assert_jq "H264 entries are 4d0032 then 42e01f" \
    '[.codecs[5,7].parameters["profile-level-id"]] == ["4d0032","42e01f"]'
assert_jq "every codec has kind, clockRate, parameters, rtcpFeedback" \
    'all(.codecs[]; (.kind == "audio" or .kind == "video") and (.clockRate | type == "number") and (.parameters | type == "object") and (.rtcpFeedback | type == "array"))'
assert_jq "headerExtensions non-empty" '.headerExtensions | type == "array" and length > 0'
assert_jq "headerExtensions have uri, preferredId, kind, direction" \
    'all(.headerExtensions[]; (.uri | type == "string") and (.preferredId | type == "number") and (.kind | type == "string") and (.direction | type == "string"))'
assert_jq "no null values anywhere" '[.. | select(. == null)] | length == 0'

# ------------------------------------------------------------ 2. broadcaster (ffmpeg script)
http POST "/rooms/$ROOM/broadcasters" \
    "{\"id\":\"$B1\",\"displayName\":\"Broadcaster\",\"device\":{\"name\":\"FFmpeg\"}}"
assert_json_ok "create broadcaster 200 JSON" 200
assert_jq "create broadcaster: .peers is an array" '.peers | type == "array"'
assert_jq "create broadcaster: no other peers in a new room" '.peers | length == 0'

# ------------------------------------------------------------ 3. two plain transports
http POST "/rooms/$ROOM/broadcasters/$B1/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
check_plain_transport "audio transport"
AUDIO_T="$(jqr '.id')"
AUDIO_PORT="$(jqr '.port')"
http POST "/rooms/$ROOM/broadcasters/$B1/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
check_plain_transport "video transport"
VIDEO_T="$(jqr '.id')"
VIDEO_PORT="$(jqr '.port')"
assert_ne "two transports have different ids" "$AUDIO_T" "$VIDEO_T"
assert_ne "two transports have different ports" "$AUDIO_PORT" "$VIDEO_PORT"

# ------------------------------------------------------------ 4. producers
http POST "/rooms/$ROOM/broadcasters/$B1/transports/$AUDIO_T/producers" \
    '{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2,"parameters":{"sprop-stereo":1}}],"encodings":[{"ssrc":1111}]}}'
assert_json_ok "audio producer 200 JSON" 200
assert_jq "audio producer .id" '.id | type == "string" and length > 0'
AUDIO_P="$(jqr '.id')"

http POST "/rooms/$ROOM/broadcasters/$B1/transports/$VIDEO_T/producers" \
    '{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/vp8","payloadType":101,"clockRate":90000}],"encodings":[{"ssrc":2222}]}}'
assert_json_ok "video producer 200 JSON" 200
assert_jq "video producer .id" '.id | type == "string" and length > 0'
VIDEO_P="$(jqr '.id')"
assert_ne "producer ids differ" "$AUDIO_P" "$VIDEO_P"

# ------------------------------------------------------------ 5. a consuming broadcaster
BODY2="$(jq -c --arg id "$B2" '{id: $id, displayName: "Consumer", device: {name: "curl", version: "1.0"}, rtpCapabilities: .}' <<<"$CAPS")"
http POST "/rooms/$ROOM/broadcasters" "$BODY2"
assert_json_ok "second broadcaster (with rtpCapabilities) 200 JSON" 200
assert_jq "second broadcaster: peers lists the first one" --arg b "$B1" \
    '[.peers[] | select(.id == $b)] | length == 1'
assert_jq "second broadcaster: first peer displayName/device" --arg b "$B1" \
    '.peers[] | select(.id == $b) | .displayName == "Broadcaster" and .device.name == "FFmpeg" and .device.flag == "broadcaster"'
assert_jq "second broadcaster: first peer has both producers" --arg b "$B1" --arg a "$AUDIO_P" --arg v "$VIDEO_P" \
    '.peers[] | select(.id == $b) | (.producers | map({id, kind}) | sort_by(.kind)) == [{id: $a, kind: "audio"}, {id: $v, kind: "video"}]'
assert_jq "second broadcaster: does not list itself" --arg b "$B2" '[.peers[] | select(.id == $b)] | length == 0'

# plain transport without comedia, connected to a fixed destination
http POST "/rooms/$ROOM/broadcasters/$B2/transports" '{"type":"plain","comedia":false,"rtcpMux":false}'
assert_json_ok "egress plain transport 200 JSON" 200
assert_jq "egress plain transport .id" '.id | type == "string" and length > 0'
assert_jq "egress plain transport .ip is 127.0.0.1" '.ip == "127.0.0.1"'
EGRESS_T="$(jqr '.id')"

http POST "/rooms/$ROOM/broadcasters/$B2/transports/$EGRESS_T/connect" '{"ip":"127.0.0.1","port":50000,"rtcpPort":50001}'
assert_status "connect plain transport 200" 200
assert_eq "connect plain transport: empty body" "" "$HTTP_BODY"
http POST "/rooms/$ROOM/broadcasters/$B2/transports/$EGRESS_T/connect" '{"ip":"127.0.0.1","port":50000,"rtcpPort":50001}'
assert_problem "second connect is 409 problem+json" 409

# consume both producers (producerId as a query parameter, as v3 clients do)
http POST "/rooms/$ROOM/broadcasters/$B2/transports/$EGRESS_T/consume?producerId=$AUDIO_P"
assert_json_ok "consume audio 200 JSON" 200
assert_jq "consume audio: .id" '.id | type == "string" and length > 0'
assert_jq "consume audio: .producerId" --arg p "$AUDIO_P" '.producerId == $p'
assert_jq "consume audio: .kind audio" '.kind == "audio"'
assert_jq "consume audio: .type simple" '.type == "simple"'
assert_jq "consume audio: opus with PT 100" '.rtpParameters.codecs[0].payloadType == 100 and (.rtpParameters.codecs[0].mimeType | ascii_downcase) == "audio/opus"'
assert_jq "consume audio: own ssrc (not 1111/2222)" \
    '.rtpParameters.encodings[0].ssrc | type == "number" and . != 1111 and . != 2222 and . > 0'
assert_jq "consume audio: paused/producerPaused booleans" '(.paused | type == "boolean") and (.producerPaused | type == "boolean")'
AUDIO_C="$(jqr '.id')"
AUDIO_C_SSRC="$(jqr '.rtpParameters.encodings[0].ssrc')"

http POST "/rooms/$ROOM/broadcasters/$B2/transports/$EGRESS_T/consume?producerId=$VIDEO_P" '{}'
assert_json_ok "consume video 200 JSON" 200
assert_jq "consume video: .producerId" --arg p "$VIDEO_P" '.producerId == $p'
assert_jq "consume video: .kind video" '.kind == "video"'
assert_jq "consume video: .type simple" '.type == "simple"'
assert_jq "consume video: VP8 with PT 101" '.rtpParameters.codecs[0].payloadType == 101 and (.rtpParameters.codecs[0].mimeType | ascii_downcase) == "video/vp8"'
assert_jq "consume video: rtx codec with PT 102 (apt=101)" \
    '[.rtpParameters.codecs[] | select((.mimeType | ascii_downcase) == "video/rtx" and .payloadType == 102 and ((.parameters.apt // 0) | tonumber) == 101)] | length == 1'
assert_jq "consume video: own ssrc (not 1111/2222)" \
    '.rtpParameters.encodings[0].ssrc | type == "number" and . != 1111 and . != 2222 and . > 0'
assert_jq "consume video: encodings[0].rtx.ssrc == ssrc + 1" \
    '.rtpParameters.encodings[0] | .rtx.ssrc == .ssrc + 1'
VIDEO_C="$(jqr '.id')"
assert_ne "audio and video consumers have different ssrcs" "$AUDIO_C_SSRC" "$(jqr '.rtpParameters.encodings[0].ssrc')"

# ------------------------------------------------------------ 6. state routes
http GET "/rooms/$ROOM/broadcasters"
assert_json_ok "GET broadcasters 200 JSON" 200
assert_jq "GET broadcasters: both listed" --arg a "$B1" --arg b "$B2" \
    '[.broadcasters[].id] | sort == ([$a, $b] | sort)'

http GET "/rooms/$ROOM/broadcasters/$B1"
assert_json_ok "GET first broadcaster 200 JSON" 200
assert_jq "first broadcaster: id/displayName/device" --arg b "$B1" \
    '.id == $b and .displayName == "Broadcaster" and .device.name == "FFmpeg"'
assert_jq "first broadcaster: 2 transports, 2 producers, 0 consumers" \
    '[(.transports | length), (.producers | length), (.consumers | length)] == [2, 2, 0]'
assert_jq "first broadcaster: transports are plain comedia, rtcpMux false" \
    'all(.transports[]; .type == "plain" and .comedia == true and .rtcpMux == false)'
assert_jq "first broadcaster: producers carry transportId and ssrc" \
    --arg at "$AUDIO_T" --arg vt "$VIDEO_T" --arg a "$AUDIO_P" --arg v "$VIDEO_P" \
    '(.producers | map({id, transportId, kind, ssrc: .rtpParameters.encodings[0].ssrc}) | sort_by(.kind))
        == [{id: $a, transportId: $at, kind: "audio", ssrc: 1111}, {id: $v, transportId: $vt, kind: "video", ssrc: 2222}]'
assert_jq "first broadcaster: producers not paused" 'all(.producers[]; .paused == false)'
assert_jq "first broadcaster: no null values" '[.. | select(. == null)] | length == 0'

http GET "/rooms/$ROOM/broadcasters/$B2"
assert_json_ok "GET second broadcaster 200 JSON" 200
assert_jq "second broadcaster: 1 transport, 0 producers, 2 consumers" \
    '[(.transports | length), (.producers | length), (.consumers | length)] == [1, 0, 2]'
assert_jq "second broadcaster: transport connected to 127.0.0.1:50000" \
    '.transports[0] | .connected == true and .comedia == false and .tuple.remoteIp == "127.0.0.1" and .tuple.remotePort == 50000'
assert_jq "second broadcaster: consumers are the two created" --arg a "$AUDIO_C" --arg v "$VIDEO_C" \
    '[.consumers[].id] | sort == ([$a, $v] | sort)'
assert_jq "second broadcaster: has rtpCapabilities" '.rtpCapabilities.codecs | length > 0'

# ------------------------------------------------------------ 7. GStreamer-style H264 producer
http POST "/rooms/$ROOM/broadcasters/$B1/transports" '{"type":"plain","comedia":true,"rtcpMux":false}'
check_plain_transport "H264 transport"
H264_T="$(jqr '.id')"
http POST "/rooms/$ROOM/broadcasters/$B1/transports/$H264_T/producers" \
    '{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/H264","payloadType":102,"clockRate":90000,"parameters":{"packetization-mode":1,"profile-level-id":"42e032"}}],"encodings":[{"ssrc":3333}]}}'
assert_json_ok "H264 42e032 producer 200 JSON" 200
assert_jq "H264 producer .id" '.id | type == "string" and length > 0'
H264_P="$(jqr '.id')"
http POST "/rooms/$ROOM/broadcasters/$B2/transports/$EGRESS_T/consume?producerId=$H264_P"
assert_json_ok "consume H264 200 JSON" 200
assert_jq "consume H264: router's 42e01f entry (PT 107)" \
    '.rtpParameters.codecs[0].payloadType == 107 and (.rtpParameters.codecs[0].mimeType | ascii_downcase) == "video/h264"'

# ------------------------------------------------------------ 8. delete the first broadcaster
http DELETE "/rooms/$ROOM/broadcasters/$B1"
assert_status "DELETE first broadcaster 200" 200
assert_eq "DELETE first broadcaster: empty body" "" "$HTTP_BODY"
http GET "/rooms/$ROOM/broadcasters/$B2"
assert_json_ok "GET second broadcaster after delete 200" 200
assert_jq "second broadcaster: consumers gone with the producers" '.consumers | length == 0'
assert_jq "second broadcaster: its transport remains" '.transports | length == 1'
http GET "/rooms/$ROOM/broadcasters/$B1"
assert_problem "GET deleted broadcaster 404" 404
http DELETE "/rooms/$ROOM/broadcasters/$B1"
assert_problem "second DELETE 404 problem+json" 404
http GET "/rooms/$ROOM/broadcasters"
assert_jq "broadcasters list has only the second" --arg b "$B2" '[.broadcasters[].id] == [$b]'

# ------------------------------------------------------------ 9. WebRTC transport
http POST "/rooms/$ROOM/broadcasters/$B2/transports" '{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":1024,"MIS":1024}}}'
assert_json_ok "webrtc transport 200 JSON" 200
WEBRTC_T="$(jqr '.id')"
assert_jq "webrtc: .id" '.id | type == "string" and length > 0'
assert_jq "webrtc: 32-char usernameFragment" '.iceParameters.usernameFragment | type == "string" and length == 32'
assert_jq "webrtc: 32-char password" '.iceParameters.password | type == "string" and length == 32'
assert_jq "webrtc: iceLite true" '.iceParameters.iceLite == true'
assert_jq "webrtc: iceCandidates non-empty" '.iceCandidates | type == "array" and length > 0'
assert_jq "webrtc: all candidates are host" 'all(.iceCandidates[]; .type == "host")'
assert_jq "webrtc: a candidate on 127.0.0.1" 'any(.iceCandidates[]; .ip == "127.0.0.1")'
assert_jq "webrtc: candidates well formed" \
    'all(.iceCandidates[]; (.foundation | type == "string") and (.priority | type == "number" and . == floor)
        and (.protocol == "udp" or .protocol == "tcp") and (.port | type == "number" and . == floor and . > 0)
        and .address == .ip)'
assert_jq "webrtc: no candidate on 0.0.0.0" 'all(.iceCandidates[]; .ip != "0.0.0.0")'
assert_jq "webrtc: dtls role auto" '.dtlsParameters.role == "auto"'
assert_jq "webrtc: 5 fingerprints sha-1..sha-512" \
    '[.dtlsParameters.fingerprints[].algorithm] | sort == ["sha-1","sha-224","sha-256","sha-384","sha-512"]'
assert_jq "webrtc: fingerprints are uppercase colon hex of the right length" \
    'all(.dtlsParameters.fingerprints[];
        (.value | test("^([0-9A-F]{2}:)*[0-9A-F]{2}$"))
        and ((.value | split(":") | length) == ({"sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64}[.algorithm])))'
assert_jq "webrtc: sctpParameters port 5000, OS/MIS 1024" \
    '.sctpParameters | .port == 5000 and .OS == 1024 and .MIS == 1024 and (.maxMessageSize | type == "number" and . > 0)'
UDP_CAND_PORT="$(jqr '[.iceCandidates[] | select(.protocol == "udp" and .ip == "127.0.0.1")][0].port // empty')"
if is_int "$UDP_CAND_PORT"; then
    assert_true "webrtc: UDP candidate port $UDP_CAND_PORT is bound" udp_port_bound 127.0.0.1 "$UDP_CAND_PORT"
else
    fail "webrtc: UDP candidate port is bound" "no UDP candidate on 127.0.0.1"
fi

FP="$(for _ in $(seq 32); do printf '%02X:' $((RANDOM % 256)); done)"
FP="${FP%:}"
CONNECT="{\"dtlsParameters\":{\"role\":\"client\",\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"$FP\"}]}}"
http POST "/rooms/$ROOM/broadcasters/$B2/transports/$WEBRTC_T/connect" "$CONNECT"
assert_status "webrtc connect 200" 200
assert_eq "webrtc connect: empty body" "" "$HTTP_BODY"
http POST "/rooms/$ROOM/broadcasters/$B2/transports/$WEBRTC_T/connect" "$CONNECT"
assert_problem "second webrtc connect 409 problem+json" 409
http GET "/rooms/$ROOM/broadcasters/$B2/transports/$WEBRTC_T"
assert_json_ok "GET webrtc transport 200 JSON" 200
assert_jq "webrtc transport state: type webrtc, iceRole controlled" '.type == "webrtc" and .iceRole == "controlled"'
assert_jq "webrtc transport state: remote fingerprint recorded" --arg fp "$FP" \
    '.remoteDtlsParameters.fingerprints[0].value == $fp'

# ------------------------------------------------------------ 10. clean up
http DELETE "/rooms/$ROOM/broadcasters/$B2"
assert_status "DELETE second broadcaster 200" 200
http DELETE "/rooms/$ROOM"
assert_status "DELETE room 204" 204

finish
