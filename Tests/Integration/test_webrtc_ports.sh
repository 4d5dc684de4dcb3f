#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# The shared WebRTC port of each worker (mediasoup's WebRtcServer) and ICE-TCP, over real
# sockets, with ICE checks built by tools/stun_check.py (stdlib only: USERNAME "<ufrag>:x",
# MESSAGE-INTEGRITY HMAC-SHA1 with the transport's ICE password, FINGERPRINT CRC-32):
#
#   1. webrtc transports in three rooms: those whose rooms share a worker advertise the same
#      UDP port, rooms on other workers another one; each also has a TCP passive candidate
#      on the same port with a lower priority; GET /healthz lists the ports.
#   2. Checks with the right credentials get a verified success response over UDP and over
#      TCP (RFC 4571: two frames in one write; frames split across writes); a wrong
#      password gets nothing (counted on the transport); USE-CANDIDATE completes ICE.
#   3. Media from an unknown tuple is dropped and counted (healthz unknownTuple).
#   4. restart-ice: new ufrag/password; the old ones stop working (healthz unknownUsername),
#      the new ones work; 400 on a plain transport, 404 on unknown ids.
#   5. A zero-length or absurd RFC 4571 frame closes that TCP connection (tcpFramingErrors).
#   6. {"type":"webrtc","sharedPort":false} binds a port of its own (UDP only) that answers.
#   7. When the repo's .venv has pymediasoup + aiortc: a real WebRTC publisher connects
#      through the shared port (DTLS connected, RTP received).
#
# Needs jq, python3.  Env: SLUICE_URL; optional SLUICE_LOG (server log, tailed on failure).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

ROOT="$(cd "$HERE/../.." && pwd)"
STUN="$HERE/tools/stun_check.py"
W="$IT_TMP"
HOST=127.0.0.1

for tool in jq python3; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# stun ARGS...: runs stun_check.py; its JSON in STUN_OUT, exit status in STUN_RC.
stun() {
    STUN_RC=0
    STUN_OUT="$(python3 "$STUN" --host "$HOST" "$@" 2>"$W/stun.err")" || STUN_RC=$?
}

# health_sum FIELD: the sum of webRtcServers[].dropped.FIELD over the workers.
health_sum() {
    get_json /healthz | jq -r --arg f "$1" '[.webRtcServers[]?.dropped[$f]] | add // 0'
}

# ------------------------------------------------------------ 0. the server has shared ports
http GET /healthz
must_json "GET /healthz lists the workers' shared WebRTC ports" 200 \
    '(.webRtcServers | length) == .workers and all(.webRtcServers[]; .udpPort > 0 and .tcpPort == .udpPort)'
HEALTH="$HTTP_BODY"

# ------------------------------------------------------------ 1. three rooms, one transport each
declare -A T_OF ICE_U ICE_P UDP_PORT TCP_PORT WORKER_OF
ROOMS=()
B="$(rand_id 16)"
for i in 1 2 3; do
    room="it-ports-$i-$(rand_id 8)"
    ROOMS+=("$room")
    room_caps "$room"
    new_broadcaster "$room" "$B"
    http POST "/rooms/$room/broadcasters/$B/transports" '{"type":"webrtc"}'
    must_json "room $i: webrtc transport created" 200 '.id and .iceParameters.usernameFragment'
    T_OF[$room]="$(jqr .id)"
    ICE_U[$room]="$(jqr .iceParameters.usernameFragment)"
    ICE_P[$room]="$(jqr .iceParameters.password)"
    UDP_PORT[$room]="$(jqr '.iceCandidates[] | select(.protocol == "udp") | .port')"
    TCP_PORT[$room]="$(jqr '.iceCandidates[] | select(.protocol == "tcp") | .port')"
    assert_jq "room $i: one UDP and one TCP passive candidate on the same port, TCP ranked lower" '
        (.iceCandidates | length) == 2
        and ([.iceCandidates[] | select(.protocol == "udp" and .type == "host" and (.tcpType | not))] | length) == 1
        and ([.iceCandidates[] | select(.protocol == "tcp" and .type == "host" and .tcpType == "passive")] | length) == 1
        and (.iceCandidates[0].port == .iceCandidates[1].port)
        and ([.iceCandidates[] | select(.protocol == "tcp") | .priority][0] < [.iceCandidates[] | select(.protocol == "udp") | .priority][0])'
done

ROOM_LIST="$(get_json /rooms)"
SAME_PAIRS=0
DIFF_PAIRS=0
for room in "${ROOMS[@]}"; do
    WORKER_OF[$room]="$(jq -r --arg r "$room" '.rooms[] | select(.id == $r) | .worker' <<<"$ROOM_LIST")"
    port="$(jq -r --argjson w "${WORKER_OF[$room]:-0}" '.webRtcServers[] | select(.worker == $w) | .udpPort' <<<"$HEALTH")"
    assert_eq "room ${room:9:1} (worker ${WORKER_OF[$room]}): candidate port is its worker's shared port" "$port" "${UDP_PORT[$room]}"
done
for ((i = 0; i < 3; i++)); do
    for ((j = i + 1; j < 3; j++)); do
        r1="${ROOMS[$i]}" r2="${ROOMS[$j]}"
        if [ "${WORKER_OF[$r1]}" = "${WORKER_OF[$r2]}" ]; then
            SAME_PAIRS=$((SAME_PAIRS + 1))
            assert_eq "rooms $((i + 1)) and $((j + 1)) on worker ${WORKER_OF[$r1]}: same UDP port" "${UDP_PORT[$r1]}" "${UDP_PORT[$r2]}"
        else
            DIFF_PAIRS=$((DIFF_PAIRS + 1))
            assert_ne "rooms $((i + 1)) and $((j + 1)) on workers ${WORKER_OF[$r1]}/${WORKER_OF[$r2]}: different ports" "${UDP_PORT[$r1]}" "${UDP_PORT[$r2]}"
        fi
    done
done
assert_ge "at least one pair of the rooms shares a worker" "$SAME_PAIRS" 1

R1="${ROOMS[0]}" R2="${ROOMS[1]}"
T1="${T_OF[$R1]}"

# ------------------------------------------------------------ 2. checks over UDP and TCP
for room in "${ROOMS[@]}"; do
    n="${room:9:1}"
    stun --port "${UDP_PORT[$room]}" --proto udp --ufrag "${ICE_U[$room]}" --password "${ICE_P[$room]}"
    if [ "$STUN_RC" = 0 ]; then
        pass "room $n: UDP check answered (integrity, fingerprint, mapped address verified)"
    else
        fail "room $n: UDP check answered" "rc $STUN_RC: $STUN_OUT $(cat "$W/stun.err")"
    fi
    stun --port "${TCP_PORT[$room]}" --proto tcp --count 2 --ufrag "${ICE_U[$room]}" --password "${ICE_P[$room]}"
    if [ "$STUN_RC" = 0 ]; then
        pass "room $n: two framed TCP checks in one write, both answered framed"
    else
        fail "room $n: two framed TCP checks in one write, both answered framed" "rc $STUN_RC: $STUN_OUT $(cat "$W/stun.err")"
    fi
done

stun --port "${TCP_PORT[$R1]}" --proto tcp --split --count 2 --ufrag "${ICE_U[$R1]}" --password "${ICE_P[$R1]}"
if [ "$STUN_RC" = 0 ]; then pass "TCP checks with frames split across writes answered"; else
    fail "TCP checks with frames split across writes answered" "rc $STUN_RC: $STUN_OUT"; fi

AUTH_BEFORE="$(jnum "$(get_json "/rooms/$R1/broadcasters/$B/transports/$T1/stats")" '.dropped.stunAuthFailure')"
stun --port "${UDP_PORT[$R1]}" --proto udp --ufrag "${ICE_U[$R1]}" --password "wrong-password-wrong-password-xx" --timeout 1
assert_eq "UDP check with a wrong password gets no answer" 1 "$STUN_RC"
stun --port "${TCP_PORT[$R1]}" --proto tcp --ufrag "${ICE_U[$R1]}" --password "wrong-password-wrong-password-xx" --timeout 1
assert_eq "TCP check with a wrong password gets no answer" 1 "$STUN_RC"
AUTH_AFTER="$(jnum "$(get_json "/rooms/$R1/broadcasters/$B/transports/$T1/stats")" '.dropped.stunAuthFailure')"
assert_eq "the transport counted both refused checks (stunAuthFailure)" "$((AUTH_BEFORE + 2))" "$AUTH_AFTER"

# Room 2's credentials on room 1's port work only when both rooms share a worker.
if [ "${UDP_PORT[$R1]}" = "${UDP_PORT[$R2]}" ]; then
    note_pair="same worker"
else
    note_pair="other worker"
fi
stun --port "${UDP_PORT[$R2]}" --proto udp --use-candidate --ufrag "${ICE_U[$R2]}" --password "${ICE_P[$R2]}"
assert_eq "room 2 ($note_pair): USE-CANDIDATE check answered" 0 "$STUN_RC"
R2_LOCAL="$(jq -r .local <<<"$STUN_OUT" 2>/dev/null || true)"
http GET "/rooms/$R2/broadcasters/$B/transports/${T_OF[$R2]}"
assert_jq "room 2: iceState completed after USE-CANDIDATE" '.iceState == "completed"'
assert_json_expr "room 2: selected tuple is the checking socket ($R2_LOCAL)" \
    "$(get_json "/rooms/$R2/broadcasters/$B/transports/${T_OF[$R2]}/stats")" --arg l "$R2_LOCAL" '.remoteRtp == $l'

# ------------------------------------------------------------ 3. unknown tuples
UNKNOWN_BEFORE="$(health_sum unknownTuple)"
python3 - "$HOST" "${UDP_PORT[$R1]}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp = bytes([0x80, 100, 0, 1, 0, 0, 0, 0, 0, 0, 0x04, 0x57]) + b"\0" * 20
for _ in range(3):
    s.sendto(rtp, (sys.argv[1], int(sys.argv[2])))
PY
sleep 0.3
UNKNOWN_AFTER="$(health_sum unknownTuple)"
assert_ge "RTP from an unknown tuple dropped and counted (unknownTuple $UNKNOWN_BEFORE → $UNKNOWN_AFTER)" \
    "$UNKNOWN_AFTER" "$((UNKNOWN_BEFORE + 3))"

# ------------------------------------------------------------ 4. restart-ice
http POST "/rooms/$R1/broadcasters/$B/transports/$T1/restart-ice"
assert_json_ok "restart-ice 200" 200
assert_jq "restart-ice answers {iceParameters: {usernameFragment, password, iceLite: true}}" \
    --arg u "${ICE_U[$R1]}" --arg p "${ICE_P[$R1]}" \
    '(keys == ["iceParameters"]) and .iceParameters.iceLite == true
     and (.iceParameters.usernameFragment | length) == 32 and (.iceParameters.password | length) == 32
     and .iceParameters.usernameFragment != $u and .iceParameters.password != $p'
NEW_U="$(jqr .iceParameters.usernameFragment)"
NEW_P="$(jqr .iceParameters.password)"
http GET "/rooms/$R1/broadcasters/$B/transports/$T1"
assert_jq "GET transport shows the new ICE parameters" --arg u "$NEW_U" '.iceParameters.usernameFragment == $u'

USERNAME_BEFORE="$(health_sum unknownUsername)"
stun --port "${UDP_PORT[$R1]}" --proto udp --ufrag "${ICE_U[$R1]}" --password "${ICE_P[$R1]}" --timeout 1
assert_eq "the old ufrag no longer works over UDP" 1 "$STUN_RC"
stun --port "${TCP_PORT[$R1]}" --proto tcp --ufrag "${ICE_U[$R1]}" --password "${ICE_P[$R1]}" --timeout 1
assert_eq "the old ufrag no longer works over TCP" 1 "$STUN_RC"
USERNAME_AFTER="$(health_sum unknownUsername)"
assert_eq "checks with the old ufrag counted (unknownUsername)" "$((USERNAME_BEFORE + 2))" "$USERNAME_AFTER"
stun --port "${UDP_PORT[$R1]}" --proto udp --ufrag "$NEW_U" --password "$NEW_P"
assert_eq "the new credentials work over UDP" 0 "$STUN_RC"
stun --port "${TCP_PORT[$R1]}" --proto tcp --ufrag "$NEW_U" --password "$NEW_P"
assert_eq "the new credentials work over TCP" 0 "$STUN_RC"

http POST "/rooms/$R1/broadcasters/$B/transports" '{"type":"plain","comedia":true,"rtcpMux":true}'
must_json "plain transport created" 200 '.id'
PLAIN="$(jqr .id)"
http POST "/rooms/$R1/broadcasters/$B/transports/$PLAIN/restart-ice"
assert_problem "restart-ice on a plain transport: 400" 400
http POST "/rooms/$R1/broadcasters/$B/transports/00000000-0000-4000-8000-000000000000/restart-ice"
assert_problem "restart-ice on an unknown transport: 404" 404
http POST "/rooms/$R1/broadcasters/nobody/transports/$T1/restart-ice"
assert_problem "restart-ice on an unknown broadcaster: 404" 404
http POST "/rooms/it-ports-none-$(rand_id 8)/broadcasters/$B/transports/$T1/restart-ice"
assert_problem "restart-ice in an unknown room: 404" 404

# ------------------------------------------------------------ 5. broken RFC 4571 framing
for kind in zero huge; do
    FRAMING_BEFORE="$(health_sum tcpFramingErrors)"
    stun --port "${TCP_PORT[$R1]}" --proto tcp --bad-frame "$kind" --ufrag "$NEW_U" --password "$NEW_P" --timeout 3
    if [ "$STUN_RC" = 0 ]; then
        pass "TCP: a check is answered, then a $kind-length frame closes the connection"
    else
        fail "TCP: a check is answered, then a $kind-length frame closes the connection" "rc $STUN_RC: $STUN_OUT"
    fi
    assert_eq "TCP: the $kind-length frame is counted (tcpFramingErrors)" "$((FRAMING_BEFORE + 1))" "$(health_sum tcpFramingErrors)"
done
http GET /healthz
assert_status "server healthy after broken framing" 200

# ------------------------------------------------------------ 6. sharedPort: false
http POST "/rooms/$R1/broadcasters/$B/transports" '{"type":"webrtc","sharedPort":false}'
must_json "webrtc transport with sharedPort false created" 200 '.id'
assert_jq "sharedPort false: one UDP candidate on a port of its own" --argjson p "${UDP_PORT[$R1]}" \
    '(.iceCandidates | length) == 1 and .iceCandidates[0].protocol == "udp" and .iceCandidates[0].port != $p'
OWN_PORT="$(jqr '.iceCandidates[0].port')"
stun --port "$OWN_PORT" --proto udp --ufrag "$(jqr .iceParameters.usernameFragment)" --password "$(jqr .iceParameters.password)"
assert_eq "sharedPort false: its own port answers checks" 0 "$STUN_RC"

# ------------------------------------------------------------ 7. a real WebRTC client, if available
PY="${IT_PYTHON:-$ROOT/.venv/bin/python}"
if [ -x "$PY" ] && "$PY" -c 'import aiortc, pymediasoup' >/dev/null 2>&1; then
    R7="it-ports-pm-$(rand_id 8)"
    B7="$(rand_id 16)"
    room_caps "$R7"
    PUB_JSON="$W/pub.json"
    spawn_bounded "$W/pub.log" 60 "$PY" "$HERE/tools/webrtc_client.py" publish --api "$SLUICE_URL" \
        --room "$R7" --broadcaster "$B7" --seconds 6 --out-json "$PUB_JSON"
    PUB_PID="$SPAWNED_PID"
    for _ in $(seq 300); do
        if [ -s "$PUB_JSON" ] && jq -e '.transportId' "$PUB_JSON" >/dev/null 2>&1; then break; fi
        running "$PUB_PID" || break
        sleep 0.1
    done
    PT="$(jq -r '.transportId // empty' "$PUB_JSON" 2>/dev/null || true)"
    if [ -z "$PT" ]; then
        fail "pymediasoup publisher creates a transport" "$(tail -n 5 "$W/pub.log" | tr '\n' ' ')"
    else
        deadline=$((SECONDS + 20))
        TJ=""
        while [ "$SECONDS" -lt "$deadline" ]; do
            TJ="$(get_json "/rooms/$R7/broadcasters/$B7/transports/$PT")"
            if jq -e '.dtlsState == "connected"' <<<"${TJ:-null}" >/dev/null 2>&1; then break; fi
            sleep 0.2
        done
        assert_json_expr "pymediasoup publisher: TCP candidate offered, DTLS connected through the shared port" "${TJ:-{\}}" \
            '.dtlsState == "connected" and (.iceState == "completed" or .iceState == "connected")
             and ([.iceCandidates[] | select(.protocol == "tcp")] | length) == 1'
        sleep 1
        assert_json_expr "pymediasoup publisher: RTP received on the shared port" \
            "$(get_json "/rooms/$R7/broadcasters/$B7/transports/$PT/stats")" '.rtpPacketsReceived > 0'
    fi
    stop_pid "$PUB_PID" TERM 15
    if [ "$IT_FAILED" -ne 0 ]; then show_file "publisher log" "$W/pub.log" 20; fi
else
    echo "SKIP pymediasoup publisher (no $PY with aiortc + pymediasoup; 'make venv')"
fi

# ------------------------------------------------------------ clean up
for room in "${ROOMS[@]}"; do
    http DELETE "/rooms/$room"
    assert_status "DELETE room ${room:0:10}… 204" 204
done
http GET /healthz
assert_jq "closed rooms' transports are unregistered from the shared ports" \
    --argjson before "$(jq '[.webRtcServers[].transports] | add' <<<"$HEALTH")" \
    '([.webRtcServers[].transports] | add) <= $before + 1'
if [ "$IT_FAILED" -ne 0 ]; then show_server_log; fi
finish
