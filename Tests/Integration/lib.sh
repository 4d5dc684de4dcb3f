#!/usr/bin/env bash
# Tiny assertion helpers for the integration test scripts.  Source it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   http GET "/rooms/demo";              assert_status "get room" 200
#   assert_jq "first codec is opus" '.codecs[0].mimeType == "audio/opus"'
#   assert_jq "producer id" --arg p "$P" '.producerId == $p'
#   finish
#
# `http METHOD PATH [BODY]` sets HTTP_STATUS, HTTP_BODY, HTTP_CTYPE, HTTP_HEADERS
# (raw response headers).  BODY starting with '@' is a file (curl's convention).
# Every assert prints one line, "PASS name" or "FAIL name: why", and counts it;
# `finish` prints "<script>: N passed, M failed" and exits 1 if anything failed.
set -euo pipefail

: "${SLUICE_URL:?SLUICE_URL must be set (e.g. http://127.0.0.1:4443)}"
SLUICE_URL="${SLUICE_URL%/}"
IT_CURL_MAX_TIME="${IT_CURL_MAX_TIME:-15}"

IT_PASSED=0
IT_FAILED=0
IT_NAME="$(basename "${0%.sh}")"
IT_TMP="$(mktemp -d "${TMPDIR:-/tmp}/sluice-it.XXXXXX")"
trap 'rm -rf "$IT_TMP"' EXIT

HTTP_STATUS=""
HTTP_BODY=""
HTTP_CTYPE=""
HTTP_HEADERS=""

# ---------------------------------------------------------------- reporting

pass() {
    IT_PASSED=$((IT_PASSED + 1))
    printf 'PASS %s\n' "$1"
}

# fail NAME [WHY]
fail() {
    IT_FAILED=$((IT_FAILED + 1))
    if [ $# -ge 2 ] && [ -n "$2" ]; then
        printf 'FAIL %s: %s\n' "$1" "$2"
    else
        printf 'FAIL %s\n' "$1"
    fi
}

# The last response, shortened, for failure messages.
last_response() {
    local body="${HTTP_BODY//$'\n'/ }"
    if [ "${#body}" -gt 300 ]; then body="${body:0:300}…"; fi
    printf '%s %s [%s] %s' "${HTTP_METHOD:-?} ${HTTP_PATH:-?} →" "$HTTP_STATUS" "$HTTP_CTYPE" "$body"
}

finish() {
    printf '%s: %d passed, %d failed\n' "$IT_NAME" "$IT_PASSED" "$IT_FAILED"
    if [ "$IT_FAILED" -ne 0 ]; then exit 1; fi
    exit 0
}

# ---------------------------------------------------------------- HTTP

# http METHOD PATH [BODY|@FILE] [extra curl args...]
http() {
    local method="$1" path="$2"
    shift 2
    local args=(-sS -X "$method" --max-time "$IT_CURL_MAX_TIME"
        -o "$IT_TMP/body" -D "$IT_TMP/headers"
        -w '%{http_code}\n%{content_type}\n')
    if [ $# -ge 1 ]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$1")
        shift
    fi
    args+=("$@")
    HTTP_METHOD="$method"
    HTTP_PATH="$path"
    : >"$IT_TMP/body"
    : >"$IT_TMP/headers"
    local out rc=0
    out="$(curl "${args[@]}" "$SLUICE_URL$path" 2>"$IT_TMP/curl.err")" || rc=$?
    HTTP_STATUS="$(sed -n 1p <<<"$out")"
    HTTP_CTYPE="$(sed -n 2p <<<"$out")"
    HTTP_BODY="$(cat "$IT_TMP/body")"
    HTTP_HEADERS="$(tr -d '\r' <"$IT_TMP/headers")"
    if [ -z "$HTTP_STATUS" ] || [ "$HTTP_STATUS" = "000" ]; then
        HTTP_STATUS="000"
        HTTP_BODY="curl exit $rc: $(tr '\n' ' ' <"$IT_TMP/curl.err")"
    fi
    return 0
}

# Value of a response header of the last response (case-insensitive name).
http_header() {
    local name="$1"
    awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$name")" -F': *' '
        { k = tolower($1) }
        k == n { sub(/^[^:]*: */, ""); v = $0 }
        END { if (v != "") print v }' <<<"$HTTP_HEADERS"
}

# jq on the last body; prints the raw result ("" when the body is not JSON).
jqr() {
    jq -r "$@" <<<"$HTTP_BODY" 2>/dev/null || true
}

# ---------------------------------------------------------------- asserts

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected '$2', got '$3'"
    fi
}

# assert_ne NAME UNEXPECTED ACTUAL
assert_ne() {
    if [ "$2" != "$3" ]; then
        pass "$1"
    else
        fail "$1" "did not expect '$3'"
    fi
}

# assert_true NAME COMMAND...   (passes when the command succeeds)
assert_true() {
    local name="$1"
    shift
    if "$@" >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "command failed: $*"
    fi
}

# assert_status NAME EXPECTED_STATUS   (on the last response)
assert_status() {
    if [ "$HTTP_STATUS" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "expected HTTP $2; $(last_response)"
    fi
}

# assert_jq NAME [jq args...] FILTER   (FILTER must yield true on the last body)
#   assert_jq "producer id" --arg p "$P" '.producerId == $p'
assert_jq() {
    local name="$1"
    shift
    local filter="${!#}"
    local args=("${@:1:$#-1}")
    if jq -e "${args[@]}" "$filter" <<<"$HTTP_BODY" >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "jq '$filter' not true; $(last_response)"
    fi
}

# assert_json_ok NAME STATUS: status + JSON content type + parseable body.
assert_json_ok() {
    local name="$1" status="$2"
    if [ "$HTTP_STATUS" != "$status" ]; then
        fail "$name" "expected HTTP $status; $(last_response)"
    elif [[ "$HTTP_CTYPE" != application/json* ]]; then
        fail "$name" "expected application/json; $(last_response)"
    elif ! jq -e . <<<"$HTTP_BODY" >/dev/null 2>&1; then
        fail "$name" "body is not JSON; $(last_response)"
    else
        pass "$name"
    fi
}

# assert_problem NAME STATUS: an RFC 9457 problem document with that status.
assert_problem() {
    local name="$1" status="$2"
    if [ "$HTTP_STATUS" != "$status" ]; then
        fail "$name" "expected HTTP $status; $(last_response)"
    elif [[ "$HTTP_CTYPE" != application/problem+json* ]]; then
        fail "$name" "expected application/problem+json; $(last_response)"
    elif ! jq -e --argjson s "$status" '
            (.status == $s) and (.title | type == "string")
            and (.type | type == "string") and ((.detail // "") | type == "string")' \
            <<<"$HTTP_BODY" >/dev/null 2>&1; then
        fail "$name" "not a problem document with status $status; $(last_response)"
    else
        pass "$name"
    fi
}

# ---------------------------------------------------------------- misc

# rand_id [N]: N (32) random [a-z0-9] chars, like the mediasoup-demo scripts.
rand_id() {
    local n="${1:-32}" chars="abcdefghijklmnopqrstuvwxyz0123456789" s="" i
    for ((i = 0; i < n; i++)); do s+="${chars:RANDOM % 36:1}"; done
    printf '%s' "$s"
}

# is_int VALUE
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }

# udp_port_bound IP PORT: is a UDP socket bound to IP:PORT (or the wildcard) here?
udp_port_bound() {
    local ip="$1" port="$2"
    if command -v ss >/dev/null 2>&1; then
        if ss -Hanu "sport = :$port" 2>/dev/null | grep -q .; then return 0; fi
    fi
    python3 - "$ip" "$port" <<'EOF'
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    sys.exit(0 if e.errno == errno.EADDRINUSE else 1)
sys.exit(1)
EOF
}

# tcp_port_bound PORT: is something listening on TCP PORT here?
tcp_port_bound() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}
