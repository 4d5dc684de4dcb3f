#!/usr/bin/env bash
# shellcheck disable=SC2034 # the globals set here (T_ID, P_ID, C_ID, …) are read by the tests
# Shared helpers for the media-plane integration tests (Tests/Integration/test_media_*.sh).
# Source it AFTER lib.sh:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   source "$(dirname "${BASH_SOURCE[0]}")/tools/media_lib.sh"
#
# What it adds:
#   - child-process bookkeeping: `spawn LOG CMD...` starts CMD in the background (its
#     output in LOG) and remembers its pid; an EXIT trap stops every child still running
#     (SIGTERM, then SIGKILL) and removes $IT_TMP, so no ffmpeg/gst/curl outlives a test.
#   - `must_status`, `must_json`: setup steps that abort the script (FAIL + finish) when
#     the server does not answer as expected, since nothing after them could work.
#   - room/broadcaster/transport/producer/consumer helpers that record ids in globals.
#   - free local UDP port pairs outside the server's RTC range, UDP bind waits,
#     stats snapshots, an SSE recorder, ffprobe helpers.
#
# Env (optional): SLUICE_LOG  path of the server log; tails are printed on failures.
#                 IT_MEDIA_KEEP=1  keep the work directory ($IT_TMP) for inspection.
set -euo pipefail

MEDIA_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MEDIA_PIDS=()
MEDIA_ROOMS=()
declare -A MEDIA_STARTED_MS=()

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------- processes

# spawn LOG CMD...: start CMD in the background (stdin /dev/null, stdout+stderr to LOG);
# its pid is in SPAWNED_PID and is stopped by the EXIT trap.
spawn() {
    local log="$1"
    shift
    "$@" </dev/null >"$log" 2>&1 &
    SPAWNED_PID=$!
    MEDIA_PIDS+=("$SPAWNED_PID")
    MEDIA_STARTED_MS[$SPAWNED_PID]="$(now_ms)"
}

# spawn_bounded LOG SECONDS CMD...: spawn CMD under `timeout --foreground` (a hard wall-clock
# bound).  --foreground matters: without it timeout forwards a signal to the child AND to
# its process group, so the child sees it twice -- ffmpeg then aborts writing its trailer
# ("Immediate exit requested") and leaves a truncated file.
spawn_bounded() {
    local log="$1" seconds="$2"
    shift 2
    spawn "$log" timeout --foreground -k 5 "$seconds" "$@"
}

# running PID: alive and not a zombie.
running() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
    [ -n "$state" ] && [ "$state" != "Z" ]
}

# wait_exit PID SECONDS: wait up to SECONDS for PID to exit; sets EXIT_STATUS
# (124 when it was still running).
wait_exit() {
    local pid="$1" limit="$2" deadline
    deadline=$(($(date +%s%N) / 1000000 + limit * 1000))
    while running "$pid" && [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
        sleep 0.1
    done
    if running "$pid"; then
        EXIT_STATUS=124
        return 0
    fi
    EXIT_STATUS=0
    wait "$pid" 2>/dev/null || EXIT_STATUS=$?
}

# stop_pid PID [SIGNAL] [GRACE]: send SIGNAL (TERM) and wait GRACE (8) s for a clean exit,
# then SIGKILL.  Sets EXIT_STATUS (137 when it had to be killed).
stop_pid() {
    local pid="$1" sig="${2:-TERM}" grace="${3:-8}"
    if ! running "$pid"; then
        EXIT_STATUS=0
        wait "$pid" 2>/dev/null || EXIT_STATUS=$?
        return 0
    fi
    kill -s "$sig" "$pid" 2>/dev/null || true
    wait_exit "$pid" "$grace"
    if [ "$EXIT_STATUS" = 124 ]; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        EXIT_STATUS=137
    fi
}

# finish_sender PID LABEL GRACE [LOG] [MEDIA_SECONDS]: a sender that ended on its own must
# have exited 0; one still running after GRACE s (a slow, loaded machine encodes slower than
# real time) is stopped -- what it sent so far is what the test checks.  With MEDIA_SECONDS,
# notes how long the sender took for them (> MEDIA_SECONDS: not real time).
finish_sender() {
    local pid="$1" label="$2" grace="$3" log="${4:-}" media="${5:-}" ran
    wait_exit "$pid" "$grace"
    ran="$(awk -v a="${MEDIA_STARTED_MS[$pid]:-0}" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
    if [ -n "$media" ]; then
        echo "note: $label ran ${ran}s for ${media}s of media$(awk -v r="$ran" -v m="$media" 'BEGIN { if (r > m * 1.15) print " -- slower than real time (loaded machine?)" }')"
    fi
    if [ "$EXIT_STATUS" = 124 ]; then
        stop_pid "$pid" TERM 5
        echo "note: $label still running after ${grace}s more (encoding slower than real time?); stopped it"
    elif [ "$EXIT_STATUS" = 0 ]; then
        pass "$label exits 0"
    else
        fail "$label exits 0" "status $EXIT_STATUS"
        if [ -n "$log" ]; then show_file "$label log" "$log" 15; fi
    fi
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
media_cleanup() {
    local pid room
    for pid in "${MEDIA_PIDS[@]}"; do
        if running "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local any=0
        for pid in "${MEDIA_PIDS[@]}"; do
            if running "$pid"; then any=1; fi
        done
        [ "$any" = 0 ] && break
        sleep 0.2
    done
    for pid in "${MEDIA_PIDS[@]}"; do
        if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    for room in "${MEDIA_ROOMS[@]}"; do
        curl -sS -o /dev/null --max-time 5 -X DELETE "$SLUICE_URL/rooms/$room" 2>/dev/null || true
    done
    if [ -n "${IT_MEDIA_KEEP:-}" ]; then
        echo "kept work directory $IT_TMP"
    else
        rm -rf "$IT_TMP"
    fi
}
trap media_cleanup EXIT

# ---------------------------------------------------------------- reporting

# show_file LABEL FILE [LINES]: print the tail of FILE, indented, for failure context.
show_file() {
    local label="$1" file="$2" lines="${3:-25}"
    echo "---- $label ($file, last $lines lines) ----"
    if [ -f "$file" ]; then tail -n "$lines" "$file" | sed 's/^/    /'; else echo "    (missing)"; fi
    echo "---- end of $label ----"
}

# show_server_log: the server log tail (40 lines) when SLUICE_LOG is known.
show_server_log() {
    if [ -n "${SLUICE_LOG:-}" ] && [ -f "$SLUICE_LOG" ]; then
        show_file "server log" "$SLUICE_LOG" 40
    fi
}

# bail NAME WHY: a setup step failed; nothing after it can work.
bail() {
    fail "$1" "$2"
    show_server_log
    finish
}

# must_status NAME STATUS: last response has STATUS or the script ends.
must_status() {
    if [ "$HTTP_STATUS" = "$2" ]; then
        pass "$1"
    else
        bail "$1" "expected HTTP $2; $(last_response)"
    fi
}

# must_json NAME STATUS JQ_FILTER: status + the filter holds, or the script ends.
must_json() {
    local name="$1" status="$2" filter="$3"
    if [ "$HTTP_STATUS" != "$status" ]; then
        bail "$name" "expected HTTP $status; $(last_response)"
    elif ! jq -e "$filter" <<<"$HTTP_BODY" >/dev/null 2>&1; then
        bail "$name" "jq '$filter' not true; $(last_response)"
    else
        pass "$name"
    fi
}

# ---------------------------------------------------------------- API shortcuts

# room_caps ROOM: GET the room (creates it); its capabilities in CAPS.
room_caps() {
    http GET "/rooms/$1"
    must_json "room $1: GET capabilities" 200 '.codecs | length > 0'
    CAPS="$HTTP_BODY"
    MEDIA_ROOMS+=("$1")
}

# new_broadcaster ROOM ID [with-caps]: create a broadcaster (ffmpeg-script body, or with
# the room's capabilities as rtpCapabilities when the third argument is given).
new_broadcaster() {
    local room="$1" id="$2" body
    if [ $# -ge 3 ]; then
        body="$(jq -c --arg id "$id" '{id: $id, displayName: "Receiver", device: {name: "ffmpeg"}, rtpCapabilities: .}' <<<"$CAPS")"
    else
        body="{\"id\":\"$id\",\"displayName\":\"Broadcaster\",\"device\":{\"name\":\"FFmpeg\"}}"
    fi
    http POST "/rooms/$room/broadcasters" "$body"
    must_json "create broadcaster ${id:0:8}…" 200 '.peers | type == "array"'
}

# new_plain ROOM B BODY LABEL: create a plain transport; T_ID T_IP T_PORT T_RTCP T_JSON.
new_plain() {
    local room="$1" b="$2" body="$3" label="$4"
    http POST "/rooms/$room/broadcasters/$b/transports" "$body"
    must_json "$label: create plain transport" 200 '(.id | type == "string") and (.port | type == "number")'
    T_JSON="$HTTP_BODY"
    T_ID="$(jqr .id)"
    T_IP="$(jqr .ip)"
    T_PORT="$(jqr .port)"
    T_RTCP="$(jqr '.rtcpPort // empty')"
}

# connect_plain ROOM B T BODY LABEL
connect_plain() {
    http POST "/rooms/$1/broadcasters/$2/transports/$3/connect" "$4"
    must_status "$5: connect" 200
}

# new_producer ROOM B T BODY LABEL: P_ID.
new_producer() {
    http POST "/rooms/$1/broadcasters/$2/transports/$3/producers" "$4"
    must_json "$5: create producer" 200 '.id | type == "string" and length > 0'
    P_ID="$(jqr .id)"
}

# consume ROOM B T PRODUCER LABEL: C_ID C_SSRC C_JSON.
consume() {
    http POST "/rooms/$1/broadcasters/$2/transports/$3/consume?producerId=$4"
    must_json "$5: consume" 200 '(.id | type == "string") and (.rtpParameters.encodings[0].ssrc | type == "number")'
    C_JSON="$HTTP_BODY"
    C_ID="$(jqr .id)"
    C_SSRC="$(jqr '.rtpParameters.encodings[0].ssrc')"
}

OPUS_PRODUCER='{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2,"parameters":{"sprop-stereo":1}}],"encodings":[{"ssrc":1111}]}}'
VP8_PRODUCER='{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/vp8","payloadType":101,"clockRate":90000}],"encodings":[{"ssrc":2222}]}}'
PLAIN_COMEDIA='{"type":"plain","comedia":true,"rtcpMux":false}'
PLAIN_CONNECTED='{"type":"plain","comedia":false,"rtcpMux":false}'

# opus_producer SSRC / vp8_producer SSRC: the reference bodies with another SSRC.
opus_producer() { jq -c --argjson s "$1" '.rtpParameters.encodings[0].ssrc = $s' <<<"$OPUS_PRODUCER"; }
vp8_producer() { jq -c --argjson s "$1" '.rtpParameters.encodings[0].ssrc = $s' <<<"$VP8_PRODUCER"; }

# ---------------------------------------------------------------- stats

# get_json PATH: GET PATH, print the body (empty string on a non-200 answer).
get_json() {
    local body status
    body="$(curl -sS --max-time "$IT_CURL_MAX_TIME" -w '\n%{http_code}' "$SLUICE_URL$1" 2>/dev/null || true)"
    status="${body##*$'\n'}"
    body="${body%$'\n'*}"
    if [ "$status" = 200 ]; then printf '%s' "$body"; fi
}

# jnum JSON FILTER: a number out of JSON (0 when absent/null).
jnum() {
    local v
    v="$(jq -r "($2) // 0" <<<"$1" 2>/dev/null || true)"
    if [[ "$v" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$v"; else printf '0'; fi
}

# compact JSON: one line for failure messages.
compact() { jq -c . <<<"$1" 2>/dev/null || printf '%s' "$1"; }

# assert_json_expr NAME JSON [jq args...] JQ_FILTER: FILTER (last) true on JSON; prints JSON on failure.
#   assert_json_expr "ssrc" "$STATS" --argjson s 1111 '.ssrc == $s'
assert_json_expr() {
    local name="$1" json="$2"
    shift 2
    local filter="${!#}"
    local args=("${@:1:$#-1}")
    if jq -e "${args[@]}" "$filter" <<<"$json" >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "jq '$filter' not true on $(compact "$json")"
    fi
}

# assert_ge NAME ACTUAL MIN [CONTEXT]
assert_ge() {
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 >= b + 0) }'; then
        pass "$1"
    else
        fail "$1" "expected >= $3, got $2${4:+; $4}"
    fi
}

# assert_between NAME ACTUAL LOW HIGH [CONTEXT]
assert_between() {
    if awk -v a="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(a + 0 >= lo + 0 && a + 0 <= hi + 0) }'; then
        pass "$1"
    else
        fail "$1" "expected within [$3, $4], got $2${5:+; $5}"
    fi
}

# ---------------------------------------------------------------- UDP ports

# free_udp_pair: an even port P with P and P+1 free on 127.0.0.1, from 20000-29999
# (outside the server's RTC range, below the kernel's ephemeral range).
free_udp_pair() {
    python3 - <<'EOF'
import random, socket, sys
for _ in range(500):
    p = random.randrange(20000, 29998, 2)
    socks = []
    ok = True
    for port in (p, p + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks.append(s)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            ok = False
            break
    for s in socks:
        s.close()
    if ok:
        print(p)
        sys.exit(0)
sys.exit(1)
EOF
}

# wait_udp_bound PORT SECONDS: wait until something binds UDP PORT.
wait_udp_bound() {
    local port="$1" deadline=$((SECONDS + $2))
    while [ "$SECONDS" -le "$deadline" ]; do
        if ss -Hanu "sport = :$port" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.1
    done
    return 1
}

# random_srtp_key [BYTES]: base64 of BYTES (30) random bytes (AES_CM_128 key + salt).
random_srtp_key() {
    python3 -c 'import base64, os, sys; print(base64.b64encode(os.urandom(int(sys.argv[1]))).decode())' "${1:-30}"
}

# ---------------------------------------------------------------- SSE

# sse_start ROOM FILE: record the room's Server-Sent Events into FILE (pid in SSE_PID).
sse_start() {
    spawn "$2.err" curl -sS -N --max-time "${3:-90}" -H 'Accept: text/event-stream' -o "$2" "$SLUICE_URL/rooms/$1/events"
    SSE_PID="$SPAWNED_PID"
    local i
    for i in $(seq 50); do
        [ -s "$2" ] && return 0
        sleep 0.1
    done
    return 0
}

# sse_events FILE: one JSON object per event, {"event": name, "data": {...}}.
sse_events() {
    python3 - "$1" <<'EOF'
import json, sys
name, data = None, []
def flush():
    global name, data
    if name is not None or data:
        raw = "\n".join(data)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw
        print(json.dumps({"event": name or "message", "data": payload}))
    name, data = None, []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.rstrip("\r\n")
        if line == "":
            flush()
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
flush()
EOF
}

# ---------------------------------------------------------------- media files

# probe_streams FILE: "codec_type:codec_name" lines.
probe_streams() {
    ffprobe -v error -show_entries stream=codec_type,codec_name -of csv=p=0 "$1" 2>/dev/null |
        awk -F, 'NF >= 2 { print $2 ":" $1 }' || true
}

# probe_duration FILE: container duration in seconds (empty when unknown).
probe_duration() {
    ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" 2>/dev/null | head -n1 || true
}

# stream_span FILE SELECTOR: seconds from the first packet's pts to the end of the last
# packet (pts + duration) of the selected stream (v:0, a:0).
stream_span() {
    ffprobe -v error -select_streams "$2" -show_entries packet=pts_time,duration_time -of csv=p=0 "$1" 2>/dev/null |
        awk -F, '$1 != "N/A" && $1 != "" {
            t = $1 + 0; d = ($2 == "N/A" || $2 == "") ? 0 : $2 + 0
            if (n == 0 || t < first) first = t
            if (n == 0 || t + d > last) last = t + d
            n++
        } END { if (n > 0) printf "%.3f\n", last - first }'
}

# count_frames FILE SELECTOR: decoded frames of the stream.
count_frames() {
    ffprobe -v error -count_frames -select_streams "$2" -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null |
        head -n1 | tr -d '[:space:]' || true
}

# decode_errors FILE OUT [ffmpeg output options...]: `ffmpeg -v error -i FILE -f null -`
# (decodes every frame); its output in OUT (empty = clean).
decode_errors() {
    local file="$1" out="$2"
    shift 2
    ffmpeg -nostdin -hide_banner -v error -i "$file" "$@" -f null - >"$out" 2>&1 || echo "ffmpeg exit status $?" >>"$out"
}

# timestamp_jumps FILE SELECTOR NOMINAL: packets whose pts does not advance by about NOMINAL
# seconds (backwards/equal, or more than 3× NOMINAL forward), as "prev -> pts" lines.
timestamp_jumps() {
    ffprobe -v error -select_streams "$2" -show_entries packet=pts_time -of csv=p=0 "$1" 2>/dev/null |
        awk -v n="$3" 'NR > 1 && ($1 - p <= 0 || $1 - p > 3 * n) { printf "%s -> %s (%+.3f)\n", p, $1, $1 - p } { p = $1 }' |
        uniq -c | head -n 12
}
