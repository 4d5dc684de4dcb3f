#!/usr/bin/env bash
# shellcheck disable=SC2016 source-path=SCRIPTDIR # jq filters use $vars from --arg
# Hostile datagrams against live plain transports (tools/bad_packets.py, stdlib only):
#
#   room F: a comedia transport (opus producer SSRC 1111) and a connected transport
#   (comedia:false, connected to the helper's own ports, opus producer SSRC 5555).
#   For each, the helper latches/uses "socket A", then sends, category by category:
#   random bytes, truncated RTP (1-11 bytes), CSRC count / extension length / padding
#   beyond the packet, unknown SSRC, RTCP with lying lengths (0xFFFF, longer and shorter
#   than the datagram, report count beyond the length), truncated RTCP headers, SDES
#   items and source counts beyond the chunk, empty datagrams, valid RTP/RTCP from a
#   second source B -- and checks after each category that exactly the expected
#   transport counter moved (dropped.malformedRtp, malformedRtcp, unknownSsrc,
#   wrongSource, notRtpOrRtcp; nothing else).  Then a 3 s interleaved barrage, checked
#   in aggregate.
#
#   room L: meanwhile ffmpeg → comedia transport → consumer → connected transport →
#   tools/rtp_peer.py; its consumer's packetsSent must keep increasing during the
#   barrage, and the peer must see no sequence gaps.
#
# Afterwards: /healthz 200, comedia tuple still A (stats remoteRtp/remoteRtcp, GET
# transport tuple), exactly one rtp `tuple` event for it, producer packet counts equal
# to the valid packets sent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=tools/media_lib.sh
source "$HERE/tools/media_lib.sh"

ROOM_F="it-media-bad-$(rand_id 8)"
ROOM_L="it-media-live-$(rand_id 8)"
F1="$(rand_id 32)"
L1="$(rand_id 32)"
L2="$(rand_id 32)"
W="$IT_TMP"
BARRAGE_SECONDS="${IT_BARRAGE_SECONDS:-3}"

for tool in ffmpeg jq python3 ss; do
    command -v "$tool" >/dev/null 2>&1 || bail "tool $tool available" "not installed"
done

# ------------------------------------------------------------ 1. room L: a live flow
room_caps "$ROOM_L"
new_broadcaster "$ROOM_L" "$L1"
new_plain "$ROOM_L" "$L1" "$PLAIN_COMEDIA" "live: video (send)"
LV_T="$T_ID" LV_IP="$T_IP" LV_PORT="$T_PORT" LV_RTCP="$T_RTCP"
new_producer "$ROOM_L" "$L1" "$LV_T" "$VP8_PRODUCER" "live: vp8 2222"
LV_P="$P_ID"
new_broadcaster "$ROOM_L" "$L2" with-caps
PS="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
new_plain "$ROOM_L" "$L2" "$PLAIN_CONNECTED" "live: video (receive)"
LR_T="$T_ID"
connect_plain "$ROOM_L" "$L2" "$LR_T" "{\"ip\":\"127.0.0.1\",\"port\":$PS,\"rtcpPort\":$((PS + 1))}" "live: receive → $PS"
consume "$ROOM_L" "$L2" "$LR_T" "$LV_P" "live: vp8 consumer"
LC="$C_ID"
LC_SSRC="$C_SSRC"

spawn_bounded "$W/peer.log" 70 python3 "$MEDIA_TOOLS/rtp_peer.py" --rtp-port "$PS" --rtcp-port $((PS + 1)) \
    --duration 60 --summary "$W/peer.json"
PEER_PID="$SPAWNED_PID"
wait_udp_bound "$PS" 5 || bail "rtp_peer listens on $PS" "not bound; $(cat "$W/peer.log")"
spawn_bounded "$W/live-send.log" 60 ffmpeg -nostdin -hide_banner -loglevel warning \
    -re -f lavfi -i "testsrc2=size=320x240:rate=30" -t 40 \
    -c:v libvpx -b:v 500k -deadline realtime -cpu-used 16 -g 30 -pix_fmt yuv420p \
    -f rtp -ssrc 2222 -payload_type 101 "rtp://$LV_IP:$LV_PORT?rtcpport=$LV_RTCP"
LIVE_PID="$SPAWNED_PID"

live_sent() { jnum "$(get_json "/rooms/$ROOM_L/broadcasters/$L2/consumers/$LC/stats")" '.packetsSent'; }
LIVE0=0
for _ in $(seq 100); do
    LIVE0="$(live_sent)"
    [ "$LIVE0" -gt 0 ] && break
    sleep 0.1
done
assert_ge "live flow forwarding before the barrage (consumer packetsSent)" "$LIVE0" 1

# ------------------------------------------------------------ 2. room F: targets
room_caps "$ROOM_F"
sse_start "$ROOM_F" "$W/events.txt"
new_broadcaster "$ROOM_F" "$F1"
new_plain "$ROOM_F" "$F1" "$PLAIN_COMEDIA" "target: comedia"
CT="$T_ID" CT_IP="$T_IP" CT_PORT="$T_PORT" CT_RTCP="$T_RTCP"
new_producer "$ROOM_F" "$F1" "$CT" "$OPUS_PRODUCER" "target: opus 1111 on the comedia transport"
CT_P="$P_ID"
PK="$(free_udp_pair)" || bail "free local UDP port pair" "none found"
while [ "$PK" = "$PS" ]; do PK="$(free_udp_pair)"; done
new_plain "$ROOM_F" "$F1" "$PLAIN_CONNECTED" "target: connected"
KT="$T_ID" KT_IP="$T_IP" KT_PORT="$T_PORT" KT_RTCP="$T_RTCP"
connect_plain "$ROOM_F" "$F1" "$KT" "{\"ip\":\"127.0.0.1\",\"port\":$PK,\"rtcpPort\":$((PK + 1))}" "target: connected → $PK"
new_producer "$ROOM_F" "$F1" "$KT" "$(opus_producer 5555)" "target: opus 5555 on the connected transport"
KT_P="$P_ID"

# ------------------------------------------------------------ 3. the barrage
spawn_bounded "$W/bad-comedia.log" 60 python3 "$MEDIA_TOOLS/bad_packets.py" \
    --rtp "$CT_IP:$CT_PORT" --rtcp "$CT_IP:$CT_RTCP" --ssrc 1111 --pt 100 \
    --stats "$SLUICE_URL/rooms/$ROOM_F/broadcasters/$F1/transports/$CT/stats" \
    --barrage-seconds "$BARRAGE_SECONDS" --start-file "$W/barrage-started" --out "$W/bad-comedia.json"
BADC_PID="$SPAWNED_PID"
spawn_bounded "$W/bad-connected.log" 60 python3 "$MEDIA_TOOLS/bad_packets.py" \
    --rtp "$KT_IP:$KT_PORT" --rtcp "$KT_IP:$KT_RTCP" --ssrc 5555 --pt 100 \
    --bind-rtp "$PK" --bind-rtcp $((PK + 1)) \
    --stats "$SLUICE_URL/rooms/$ROOM_F/broadcasters/$F1/transports/$KT/stats" \
    --barrage-seconds "$BARRAGE_SECONDS" --out "$W/bad-connected.json"
BADK_PID="$SPAWNED_PID"

# Sample the live flow while the helpers run (probe phase and barrage).
SAMPLES=()
BARRAGE_SAMPLES=()
while running "$BADC_PID" || running "$BADK_PID"; do
    s="$(live_sent)"
    SAMPLES+=("$s")
    if [ -e "$W/barrage-started" ] && running "$BADC_PID"; then BARRAGE_SAMPLES+=("$s"); fi
    sleep 0.5
done
wait_exit "$BADC_PID" 1
wait_exit "$BADK_PID" 1
LIVE1="$(live_sent)"

# ------------------------------------------------------------ 4. the helpers' findings
report_helper() { # LABEL FILE
    local label="$1" file="$2" ok line
    if [ ! -s "$file" ]; then
        fail "$label: helper produced a result" "$(tail -n 5 "${file%.json}.log" 2>/dev/null | tr '\n' '|')"
        return
    fi
    # One jq pass: "ok<TAB>name<TAB>detail" per probe category and for the barrage.
    while IFS=$'\t' read -r ok line; do
        if [ "$ok" = true ]; then pass "$label: ${line%%$'\t'*}"; else fail "$label: ${line%%$'\t'*}" "${line#*$'\t'}"; fi
    done < <(jq -r '
        def exp: to_entries | map("\(.key) +\(.value[0])" + (if .value[0] != .value[1] then "..\(.value[1])" else "" end)) | join(", ");
        (if has("error") then ["false", "helper ran to the end", .error] | @tsv else empty end),
        (.probe[] | [(.ok | tostring), "\(.category) (\(.sent) sent) → \(.expect | exp)",
            "\(.why); non-zero deltas \(.delta | with_entries(select(.value != 0)) | tojson)"] | @tsv),
        (if .barrage then [(.barrage.ok | tostring),
            "barrage of \(.barrage.sent) datagrams in \(.barrage.seconds)s (\(.barrage.rounds) rounds) counted exactly",
            "\(.barrage.why); expected \(.barrage.expect | tojson); delta \(.barrage.delta | tojson)"] | @tsv
         else ["false", "barrage ran", "no barrage result"] | @tsv end)' "$file")
}
report_helper "comedia" "$W/bad-comedia.json"
report_helper "connected" "$W/bad-connected.json"

# ------------------------------------------------------------ 5. server state afterwards
http GET "/healthz"
assert_status "server alive after the barrage (/healthz 200)" 200

A_RTP="$(jq -r '.a.rtp // empty' "$W/bad-comedia.json" 2>/dev/null || true)"
A_RTCP="$(jq -r '.a.rtcp // empty' "$W/bad-comedia.json" 2>/dev/null || true)"
B_RTP="$(jq -r '.b.rtp // empty' "$W/bad-comedia.json" 2>/dev/null || true)"
CT_STATS="$(get_json "/rooms/$ROOM_F/broadcasters/$F1/transports/$CT/stats")"
assert_json_expr "comedia: remoteRtp is still socket A (127.0.0.1:$A_RTP), not B (:$B_RTP)" "${CT_STATS:-{\}}" --arg p "$A_RTP" \
    '(.remoteRtp | test("127\\.0\\.0\\.1")) and (.remoteRtp | endswith(":" + $p))'
assert_json_expr "comedia: remoteRtcp is still socket A's RTCP (:$A_RTCP)" "${CT_STATS:-{\}}" --arg p "$A_RTCP" \
    '(.remoteRtcp | test("127\\.0\\.0\\.1")) and (.remoteRtcp | endswith(":" + $p))'
http GET "/rooms/$ROOM_F/broadcasters/$F1/transports/$CT"
assert_jq "comedia: GET transport tuple.remotePort is A ($A_RTP)" --argjson p "${A_RTP:-0}" '.tuple.remotePort == $p and .tuple.remoteIp == "127.0.0.1"'
KT_STATS="$(get_json "/rooms/$ROOM_F/broadcasters/$F1/transports/$KT/stats")"
assert_json_expr "connected: remoteRtp still the connected address (:$PK)" "${KT_STATS:-{\}}" --arg p "$PK" '.remoteRtp | endswith(":" + $p)'

CP_STATS="$(get_json "/rooms/$ROOM_F/broadcasters/$F1/producers/$CT_P/stats")"
KP_STATS="$(get_json "/rooms/$ROOM_F/broadcasters/$F1/producers/$KT_P/stats")"
assert_eq "comedia: producer packetsReceived == transport rtpPacketsReceived (only valid RTP counted)" \
    "$(jnum "${CT_STATS:-{\}}" .rtpPacketsReceived)" "$(jnum "${CP_STATS:-{\}}" '.streams[0].packetsReceived')"
assert_eq "connected: producer packetsReceived == transport rtpPacketsReceived" \
    "$(jnum "${KT_STATS:-{\}}" .rtpPacketsReceived)" "$(jnum "${KP_STATS:-{\}}" '.streams[0].packetsReceived')"
assert_json_expr "comedia: producer stream ssrc 1111" "${CP_STATS:-{\}}" '.streams | length == 1 and .[0].ssrc == 1111'

stop_pid "$SSE_PID" TERM 3
sse_events "$W/events.txt" >"$W/events.jsonl" || true
TUPLES="$(jq -c -s --arg t "$CT" '[.[] | select(.event == "tuple" and .data.transportId == $t)]' "$W/events.jsonl" 2>/dev/null || echo '[]')"
assert_json_expr "comedia: exactly one rtp and one rtcp tuple event (B did not re-latch)" "$TUPLES" \
    '([.[] | select(.data.socket == "rtp")] | length) == 1 and ([.[] | select(.data.socket == "rtcp")] | length) == 1'
assert_json_expr "comedia: the rtp tuple event names socket A (:$A_RTP)" "$TUPLES" --arg p "$A_RTP" \
    'any(.[]; .data.socket == "rtp" and (.data.remote | endswith(":" + $p)))'

# ------------------------------------------------------------ 6. the live flow kept going
increasing=1
prev=""
for s in "${BARRAGE_SAMPLES[@]}"; do
    if [ -n "$prev" ] && [ "$s" -le "$prev" ]; then increasing=0; fi
    prev="$s"
done
if [ "${#BARRAGE_SAMPLES[@]}" -ge 3 ] && [ "$increasing" = 1 ]; then
    pass "live consumer packetsSent kept increasing during the barrage (${BARRAGE_SAMPLES[*]})"
else
    fail "live consumer packetsSent kept increasing during the barrage" "samples during barrage: ${BARRAGE_SAMPLES[*]:-none}; all: ${SAMPLES[*]}"
fi
assert_ge "live consumer forwarded through the whole test" "$LIVE1" $((LIVE0 + 100)) "before $LIVE0"
stop_pid "$LIVE_PID" TERM 5
sleep 0.3
stop_pid "$PEER_PID" TERM 5
PEER="$(cat "$W/peer.json" 2>/dev/null || echo '{}')"
assert_json_expr "live receiver got the consumer's SSRC without sequence gaps" "$PEER" --arg s "$LC_SSRC" \
    '.rtp[$s].packets > 0 and .rtp[$s].seqGaps == 0'

http GET "/healthz"
assert_status "server alive at the end (/healthz 200)" 200

if [ "$IT_FAILED" -ne 0 ]; then
    echo "comedia transport stats: $(compact "${CT_STATS:-}")"
    echo "connected transport stats: $(compact "${KT_STATS:-}")"
    echo "peer summary: $(compact "$PEER")"
    show_file "helper (comedia) log" "$W/bad-comedia.log" 10
    show_file "helper (connected) log" "$W/bad-connected.log" 10
    show_server_log
fi

http DELETE "/rooms/$ROOM_F"
assert_status "DELETE room F 204" 204
http DELETE "/rooms/$ROOM_L"
assert_status "DELETE room L 204" 204
finish
