#!/usr/bin/env bash
# shellcheck disable=SC2034 # REC_* globals are read by the tests
# Helpers for the recording integration tests. Source after lib.sh and media_lib.sh.
#
#   start_recording ROOM BODY LABEL      POST …/recordings → 201; sets REC_ID, REC_JSON
#   stop_recording ROOM ID LABEL         DELETE …/recordings/ID → 200, state stopped; sets REC_JSON
#   fetch_recording_file URLPATH OUT     GET a served file (200, right content type) into OUT
#   check_recording FILE LABEL CODECS SECONDS [decode args…]
#       ffprobe codecs (e.g. "opus vp8"), duration within ±10 % (REC_TOLERANCE) of SECONDS, decodes silently,
#       audio and video start within 40 ms of each other.
#   assert_inside_recordings_dir         nothing written outside $SLUICE_RECORDINGS_DIR by us
set -euo pipefail

start_recording() {
    http POST "/rooms/$1/recordings" "$2"
    must_json "$3: POST recording 201" 201 '.id | type == "string" and length > 0'
    REC_ID="$(jqr .id)"
    REC_JSON="$HTTP_BODY"
    if grep -qi "^location: /rooms/$1/recordings/$REC_ID$" <<<"$HTTP_HEADERS"; then
        pass "$3: Location names the recording"
    else
        fail "$3: Location names the recording" "$(grep -i '^location' <<<"$HTTP_HEADERS" || echo none)"
    fi
}

stop_recording() {
    http DELETE "/rooms/$1/recordings/$2"
    must_json "$3: DELETE recording 200" 200 '.id | type == "string"'
    REC_JSON="$HTTP_BODY"
    assert_json_expr "$3: state stopped, every file finalised" "$REC_JSON" \
        '.state == "stopped" and (.files | length) >= 1 and all(.files[]; .finalized and .bytes > 0)'
}

fetch_recording_file() {
    local path="$1" out="$2" code ctype
    code="$(curl -sS --max-time 30 -o "$out" -w '%{http_code} %{content_type}' "$SLUICE_URL$path" 2>/dev/null || echo "000 -")"
    ctype="${code#* }"
    code="${code%% *}"
    if [ "$code" = 200 ] && [ -s "$out" ]; then
        pass "GET $(basename "$path"): 200 ($ctype, $(stat -c %s "$out") bytes)"
    else
        fail "GET $path: 200 with a body" "status $code"
    fi
    FETCHED_CTYPE="$ctype"
}

# av_start_offset_ms FILE: |video start - audio start| in ms (empty without both streams).
av_start_offset_ms() {
    local v a
    v="$(ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 "$1" 2>/dev/null | head -n1)"
    a="$(ffprobe -v error -select_streams a:0 -show_entries stream=start_time -of csv=p=0 "$1" 2>/dev/null | head -n1)"
    if [ -z "$v" ] || [ -z "$a" ] || [ "$v" = N/A ] || [ "$a" = N/A ]; then return 0; fi
    awk -v v="$v" -v a="$a" 'BEGIN { d = (v - a) * 1000; if (d < 0) d = -d; printf "%.1f\n", d }'
}

check_recording() {
    local file="$1" label="$2" codecs="$3" seconds="$4"
    shift 4
    local streams codec lo hi offset
    streams="$(probe_streams "$file" | sort | tr '\n' ' ')"
    for codec in $codecs; do
        if grep -q ":$codec\b" <<<"$streams"; then pass "$label: has a $codec stream"; else fail "$label: has a $codec stream" "streams: '$streams'"; fi
    done
    local tolerance="${REC_TOLERANCE:-0.1}"
    lo="$(awk -v s="$seconds" -v t="$tolerance" 'BEGIN { print s * (1 - t) }')"
    hi="$(awk -v s="$seconds" -v t="$tolerance" 'BEGIN { print s * (1 + t) }')"
    assert_between "$label: duration within ±$(awk -v t="$tolerance" 'BEGIN { print t * 100 }')% of ${seconds}s" "$(probe_duration "$file")" "$lo" "$hi"
    decode_errors "$file" "$IT_TMP/decode-$$.txt" "$@"
    if [ ! -s "$IT_TMP/decode-$$.txt" ]; then
        pass "$label: every frame decodes (ffmpeg -v error silent)"
    else
        fail "$label: every frame decodes (ffmpeg -v error silent)" "$(head -n 6 "$IT_TMP/decode-$$.txt" | tr '\n' '|')"
    fi
    offset="$(av_start_offset_ms "$file")"
    if [ -n "$offset" ]; then
        assert_between "$label: audio and video start within 40 ms" "$offset" 0 40
    fi
}

# The recordings directory holds one directory per recording id and nothing else.
assert_recordings_layout() {
    local dir="${SLUICE_RECORDINGS_DIR:-}" stray
    [ -n "$dir" ] || return 0
    stray="$(find "$dir" -mindepth 1 -maxdepth 1 ! -type d -printf '%f ' 2>/dev/null || true)"
    if [ -z "$stray" ]; then pass "recordings directory holds only recording directories"; else fail "recordings directory holds only recording directories" "$stray"; fi
}

# assert_problem_where NAME STATUS FILTER: a problem document with STATUS whose body passes FILTER.
assert_problem_where() {
    assert_problem "$1" "$2"
    if [ "$HTTP_STATUS" = "$2" ] && ! jq -e "$3" <<<"$HTTP_BODY" >/dev/null 2>&1; then
        fail "$1: problem says why" "jq '$3' not true on $(compact "$HTTP_BODY")"
    fi
}
