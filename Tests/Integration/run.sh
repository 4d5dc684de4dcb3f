#!/usr/bin/env bash
# Integration tests: start the real `sluice` on loopback, run every
# Tests/Integration/test_*.sh against it (SLUICE_URL in their environment), then
# schemathesis against openapi.yaml, then stop the server with SIGTERM and check
# it shut down gracefully (exit status 0 within 10 s).
#
# Builds nothing: run `swift build` first (make test / make integration do).
#
# Env knobs:
#   SLUICE_BIN          server binary (default: $(swift build --show-bin-path)/sluice)
#   IT_RTC_MIN_PORT / IT_RTC_MAX_PORT   UDP range for the server (42000-42999)
#   IT_WORKERS          --workers (2)
#   IT_ONLY             run only test scripts whose name contains this string
#   IT_SKIP_SCHEMATHESIS=1   skip the schemathesis step
#   IT_KEEP_LOG=1       keep the server log even on success
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/Tests/Integration"
cd "$ROOT"

RTC_MIN="${IT_RTC_MIN_PORT:-42000}"
RTC_MAX="${IT_RTC_MAX_PORT:-42999}"
WORKERS="${IT_WORKERS:-2}"
MAX_BODY=1048576
HEALTH_TIMEOUT=30
STOP_TIMEOUT=10
SCRIPT_TIMEOUT="${IT_SCRIPT_TIMEOUT:-300}"

if [ -n "${SLUICE_BIN:-}" ]; then
    BIN="$SLUICE_BIN"
else
    BIN="$(swift build --show-bin-path)/sluice"
fi
if [ ! -x "$BIN" ]; then
    echo "run.sh: server binary $BIN not found or not executable (run 'swift build' first)" >&2
    exit 1
fi

# The server reads SLUICE_* from the environment; the user's must not leak in.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^SLUICE_' || true)

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-integration.XXXXXX")"
LOG="$WORK/server.log"

PASSED=0
FAILED=0
FAILED_NAMES=()
SERVER_PID=""

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() {
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$1")
    if [ $# -ge 2 ]; then echo "FAIL $1: $2"; else echo "FAIL $1"; fi
}

# alive PID: running and not a zombie (an exited child not yet reaped).
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
    [ "$state" != "Z" ]
}

show_log() {
    echo "---- last 80 lines of the server log ($LOG) ----"
    tail -n 80 "$LOG" 2>/dev/null || true
    echo "---- end of server log ----"
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    if [ -n "$SERVER_PID" ] && alive "$SERVER_PID"; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$FAILED" -eq 0 ] && [ -z "${IT_KEEP_LOG:-}" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

summary_and_exit() {
    echo
    echo "==== integration summary ===="
    if [ "$FAILED" -ne 0 ]; then
        printf '  failed: %s\n' "${FAILED_NAMES[@]}"
        show_log
        echo "  (logs kept in $WORK)"
    fi
    echo "integration: $PASSED passed, $FAILED failed"
    if [ "$FAILED" -ne 0 ]; then exit 1; fi
    exit 0
}

# ------------------------------------------------------------ start the server
echo "run.sh: starting $BIN on $URL (rtc $RTC_MIN-$RTC_MAX, $WORKERS workers), log $LOG"
RECORDINGS_DIR="$WORK/recordings"
mkdir -p "$RECORDINGS_DIR"
"$BIN" --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" \
    --rtc-listen-ip 127.0.0.1 --rtc-min-port "$RTC_MIN" --rtc-max-port "$RTC_MAX" \
    --max-body-size "$MAX_BODY" --log-level info --recordings-dir "$RECORDINGS_DIR" \
    </dev/null >"$LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + HEALTH_TIMEOUT))
healthy=0
while [ "$SECONDS" -lt "$deadline" ]; do
    if ! alive "$SERVER_PID"; then
        break
    fi
    if curl -fsS --max-time 2 "$URL/healthz" >/dev/null 2>&1; then
        healthy=1
        break
    fi
    sleep 0.2
done
if [ "$healthy" -ne 1 ]; then
    if alive "$SERVER_PID"; then
        fail "server answers /healthz within ${HEALTH_TIMEOUT}s"
    else
        rc=0
        wait "$SERVER_PID" || rc=$?
        SERVER_PID=""
        fail "server answers /healthz within ${HEALTH_TIMEOUT}s" "server exited with status $rc"
    fi
    summary_and_exit
fi
pass "server answers /healthz on $URL"
if grep -q "127.0.0.1:$PORT" "$LOG"; then
    pass "server logs its listen URL"
else
    fail "server logs its listen URL" "no '127.0.0.1:$PORT' in the log"
fi

# ------------------------------------------------------------ test scripts
export SLUICE_URL="$URL"
export IT_RTC_MIN_PORT="$RTC_MIN" IT_RTC_MAX_PORT="$RTC_MAX" IT_MAX_BODY_SIZE="$MAX_BODY"
export SLUICE_RECORDINGS_DIR="$RECORDINGS_DIR" SLUICE_BIN="$BIN"
shopt -s nullglob
scripts=("$HERE"/test_*.sh)
shopt -u nullglob
if [ "${#scripts[@]}" -eq 0 ]; then
    fail "test scripts present" "no $HERE/test_*.sh"
fi
for script in "${scripts[@]}"; do
    name="$(basename "$script")"
    if [ -n "${IT_ONLY:-}" ] && [[ "$name" != *"$IT_ONLY"* ]]; then continue; fi
    echo
    echo "==== $name ===="
    rc=0
    timeout --kill-after=10 "$SCRIPT_TIMEOUT" bash "$script" </dev/null || rc=$?
    if [ "$rc" -eq 0 ]; then
        pass "$name"
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name" "timed out after ${SCRIPT_TIMEOUT}s"
    else
        fail "$name" "exit status $rc"
    fi
    if ! alive "$SERVER_PID"; then
        fail "server still running after $name"
        rc=0
        wait "$SERVER_PID" || rc=$?
        SERVER_PID=""
        echo "server exited with status $rc"
        summary_and_exit
    fi
done

# ------------------------------------------------------------ schemathesis
if [ -z "${IT_SKIP_SCHEMATHESIS:-}" ]; then
    echo
    echo "==== schemathesis.sh ===="
    rc=0
    bash "$HERE/schemathesis.sh" || rc=$?
    if [ "$rc" -eq 0 ]; then pass "schemathesis.sh"; else fail "schemathesis.sh" "exit status $rc"; fi
    if curl -fsS --max-time 5 "$URL/healthz" >/dev/null 2>&1; then
        pass "server healthy after schemathesis"
    else
        fail "server healthy after schemathesis"
    fi
else
    echo "SKIP schemathesis.sh (IT_SKIP_SCHEMATHESIS set)"
fi

# ------------------------------------------------------------ graceful shutdown
echo
echo "==== shutdown ===="
if alive "$SERVER_PID"; then
    kill -TERM "$SERVER_PID"
    stop_deadline=$((SECONDS + STOP_TIMEOUT))
    while alive "$SERVER_PID" && [ "$SECONDS" -lt "$stop_deadline" ]; do
        sleep 0.1
    done
    if alive "$SERVER_PID"; then
        fail "server exits within ${STOP_TIMEOUT}s of SIGTERM" "still running; sending SIGKILL"
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    else
        pass "server exits within ${STOP_TIMEOUT}s of SIGTERM"
        rc=0
        wait "$SERVER_PID" || rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "server exit status 0 after SIGTERM"
        else
            fail "server exit status 0 after SIGTERM" "status $rc"
        fi
    fi
    SERVER_PID=""
    if tcp_free=$(python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); print("ok")' "$PORT" 2>/dev/null) && [ "$tcp_free" = ok ]; then
        pass "HTTP port released after shutdown"
    else
        fail "HTTP port released after shutdown"
    fi
else
    fail "server running before shutdown"
fi

summary_and_exit
