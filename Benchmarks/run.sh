#!/usr/bin/env bash
# Fan-out benchmark: one RTP producer fanned out to N destinations over loopback UDP.
#
# Compares, in the same run and for the same N, three forwarders:
#   c-relay    Benchmarks/c-relay/relay.c (recvmmsg/sendmmsg, the physical-limit yardstick)
#   gstreamer  gst-launch-1.0 udpsrc ! multiudpsink
#   sluice     the Sluice server, configured over its REST API
# Load: Benchmarks/c-relay/sender.c.  Destinations: Benchmarks/c-relay/receiver.c (one
# process, N sockets), which also reads the forwarder's CPU time and RSS from /proc.
# See Benchmarks/README.md for the method.  Every knob is an environment variable:
#
#   BENCH_FORWARDERS  "c-relay gstreamer sluice"
#   BENCH_N           "1 10 100"        destinations per case
#   BENCH_MODES       "max fixed"       max: sender as fast as possible; fixed: paced
#   BENCH_DURATION    5                 measured seconds per case
#   BENCH_WARMUP      1                 seconds of traffic before the window opens
#   BENCH_RATE        20000             fixed mode: input packets/s ...
#   BENCH_MAX_OUT     100000            ... capped so that N x input <= this many out/s
#   BENCH_SIZE        1200              bytes per RTP packet (header included)
#   BENCH_BURST       64                packets per sendmmsg in the sender
#   BENCH_RELAY_PORT  20000             listen port of c-relay / gstreamer
#   BENCH_RECV_BASE   21000             destinations are BASE .. BASE+N-1
#   BENCH_API_PORT    47900             Sluice HTTP port
#   BENCH_GST_BUFFER  4194304           buffer-size of udpsrc / multiudpsink (and relay)
#   BENCH_IDLE_MAX_BUSY  unset: start each case at once; N: first wait until the machine's
#                     busy CPU (all processes, /proc/stat over 1 s) is below N % of one core
#   BENCH_IDLE_TIMEOUT   600            ... waiting at most this many seconds per case
#   BENCH_OUT         Benchmarks/results/<timestamp>
#   SLUICE_BIN        default: $(swift build -c release --show-bin-path)/sluice
#   SLUICE_EXTRA_ARGS extra flags for the server (word-split)
#   CC                cc
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
C_DIR="$HERE/c-relay"
BUILD="$C_DIR/build"

BENCH_FORWARDERS="${BENCH_FORWARDERS:-c-relay gstreamer sluice}"
BENCH_N="${BENCH_N:-1 10 100}"
BENCH_MODES="${BENCH_MODES:-max fixed}"
BENCH_DURATION="${BENCH_DURATION:-5}"
BENCH_WARMUP="${BENCH_WARMUP:-1}"
BENCH_RATE="${BENCH_RATE:-20000}"
BENCH_MAX_OUT="${BENCH_MAX_OUT:-100000}"
BENCH_SIZE="${BENCH_SIZE:-1200}"
BENCH_BURST="${BENCH_BURST:-64}"
BENCH_RELAY_PORT="${BENCH_RELAY_PORT:-20000}"
BENCH_RECV_BASE="${BENCH_RECV_BASE:-21000}"
BENCH_API_PORT="${BENCH_API_PORT:-47900}"
BENCH_GST_BUFFER="${BENCH_GST_BUFFER:-4194304}"
BENCH_IDLE_MAX_BUSY="${BENCH_IDLE_MAX_BUSY:-}"
BENCH_IDLE_TIMEOUT="${BENCH_IDLE_TIMEOUT:-600}"
BENCH_OUT="${BENCH_OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)}"
CC="${CC:-cc}"

RESULTS="$BENCH_OUT/results.jsonl"
API="http://127.0.0.1:$BENCH_API_PORT"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- process bookkeeping: we only ever signal PIDs we started ---------------------
STARTED_PIDS=()

forget_pid() {
    local pid=$1 kept=() p
    for p in "${STARTED_PIDS[@]}"; do
        [[ "$p" == "$pid" ]] || kept+=("$p")
    done
    STARTED_PIDS=("${kept[@]+"${kept[@]}"}")
}

stop_pid() { # stop_pid PID: SIGTERM, up to 5 s grace, then SIGKILL
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

cleanup() {
    local p
    for p in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    sleep 0.2
    for p in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
        kill -KILL "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ---------------------------------------------------------------------
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

udp_port_busy() { # udp_port_busy FIRST LAST: prints the first bound port in range
    command -v ss >/dev/null 2>&1 || return 0
    # no early exit in awk: with pipefail, ss would die of SIGPIPE and fail the pipeline
    { ss -Hulnp 2>/dev/null || true; } | awk -v lo="$1" -v hi="$2" '{
        n = split($4, a, ":"); p = a[n] + 0
        if (!found && p >= lo && p <= hi) { found = 1; print p " (" $NF ")" }
    }'
}

tcp_port_busy() {
    command -v ss >/dev/null 2>&1 || return 0
    { ss -Htlnp 2>/dev/null || true; } | awk -v want="$1" '{
        n = split($4, a, ":"); if (!found && a[n] + 0 == want) { found = 1; print want " (" $NF ")" }
    }'
}

busy_pct() { # machine-wide busy CPU over 1 s, in % of one core
    local a b
    a=$(head -1 /proc/stat)
    sleep 1
    b=$(head -1 /proc/stat)
    awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        busy = (y[2] + y[3] + y[4] + y[7] + y[8]) - (x[2] + x[3] + x[4] + x[7] + x[8])
        printf "%.0f", busy * 100 / hz
    }'
}

wait_for_idle() { # with BENCH_IDLE_MAX_BUSY set: wait until the machine is quiet
    [[ -n "$BENCH_IDLE_MAX_BUSY" ]] || return 0
    local start=$SECONDS busy
    while :; do
        busy=$(busy_pct)
        ((busy <= BENCH_IDLE_MAX_BUSY)) && return 0
        if ((SECONDS - start >= BENCH_IDLE_TIMEOUT)); then
            log "machine still busy (${busy}% of a core) after ${BENCH_IDLE_TIMEOUT}s; measuring anyway"
            return 0
        fi
        log "waiting for the machine to go idle: ${busy}% of a core busy (want <= ${BENCH_IDLE_MAX_BUSY}%)"
        sleep 4
    done
}

wait_for_file() { # wait_for_file PATH SECONDS
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        [[ -s "$1" ]] && return 0
        sleep 0.05
    done
    return 1
}

json_get() { # json_get FILE KEY: a top-level value of a JSON object, or empty
    python3 -c 'import json,sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2])
except Exception:
    v = None
print("" if v is None else v)' "$1" "$2"
}

num_or_null() { [[ -n "${1:-}" ]] && printf '%s' "$1" || printf 'null'; }

dest_ports() { # dest_ports N: space separated
    seq "$BENCH_RECV_BASE" $((BENCH_RECV_BASE + $1 - 1)) | tr '\n' ' '
}

gst_clients() { # gst_clients N: 127.0.0.1:p1,127.0.0.1:p2,...
    local p out=""
    for p in $(dest_ports "$1"); do out+="${out:+,}127.0.0.1:$p"; done
    printf '%s' "$out"
}

# ---- forwarders: each start_* sets FWD_PID and TARGET_PORT ------------------------
FWD_PID=""
TARGET_PORT=""

start_c_relay() { # start_c_relay LOG DEST_PORT...
    local logf=$1
    shift
    RELAY_RCVBUF="$BENCH_GST_BUFFER" "$BUILD/relay" "$BENCH_RELAY_PORT" "$@" >"$logf" 2>&1 &
    FWD_PID=$!
    STARTED_PIDS+=("$FWD_PID")
    TARGET_PORT=$BENCH_RELAY_PORT
    sleep 0.3
}

start_gstreamer() { # start_gstreamer LOG CLIENTS
    local logf=$1 clients=$2
    gst-launch-1.0 -q \
        udpsrc address=127.0.0.1 port="$BENCH_RELAY_PORT" buffer-size="$BENCH_GST_BUFFER" \
        ! multiudpsink clients="$clients" sync=false async=false buffer-size="$BENCH_GST_BUFFER" \
        >"$logf" 2>&1 &
    FWD_PID=$!
    STARTED_PIDS+=("$FWD_PID")
    TARGET_PORT=$BENCH_RELAY_PORT
    sleep 1
}

start_sluice() { # start_sluice LOG: starts the server, waits for /healthz
    local logf=$1 i
    local -a extra=()
    if [[ -n "${SLUICE_EXTRA_ARGS:-}" ]]; then
        read -r -a extra <<<"$SLUICE_EXTRA_ARGS"
    fi
    "$SLUICE_BIN" --host 127.0.0.1 --port "$BENCH_API_PORT" --workers 1 \
        --rtc-min-port 45000 --rtc-max-port 45999 "${extra[@]+"${extra[@]}"}" >"$logf" 2>&1 &
    FWD_PID=$!
    STARTED_PIDS+=("$FWD_PID")
    for ((i = 0; i < 200; i++)); do
        if curl -fsS --max-time 1 "$API/healthz" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$FWD_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ---- one case ------------------------------------------------------------------------
record() { # record FORWARDER MODE N DIR STATUS NOTE
    python3 "$HERE/aggregate.py" record --forwarder "$1" --mode "$2" --n "$3" --dir "$4" \
        --status "$5" --note "$6" >>"$RESULTS"
}

run_case() { # run_case FORWARDER MODE N
    local fwd=$1 mode=$2 n=$3
    local dir="$BENCH_OUT/$fwd-$mode-$n"
    mkdir -p "$dir"
    local rate=0
    if [[ "$mode" == fixed ]]; then
        rate=$BENCH_RATE
        if ((n * rate > BENCH_MAX_OUT)); then rate=$((BENCH_MAX_OUT / n)); fi
    fi
    local before="" after="" busy note="" setup_s=""
    local load_before
    wait_for_idle
    load_before=$(cut -d' ' -f1 /proc/loadavg)
    log "$fwd, $mode, N=$n (input rate: $([[ $rate == 0 ]] && echo max || echo "$rate pkts/s"), load average $load_before)"

    busy=$(udp_port_busy "$BENCH_RECV_BASE" $((BENCH_RECV_BASE + n - 1)))
    if [[ -n "$busy" ]]; then
        record "$fwd" "$mode" "$n" "$dir" failed "destination port $busy is already bound by another process"
        return 0
    fi

    # shellcheck disable=SC2046  # the destination ports are meant to be word-split
    case "$fwd" in
        c-relay | gstreamer)
            busy=$(udp_port_busy "$BENCH_RELAY_PORT" "$BENCH_RELAY_PORT")
            if [[ -n "$busy" ]]; then
                record "$fwd" "$mode" "$n" "$dir" failed "listen port $busy is already bound"
                return 0
            fi
            # RSS "before consumers": the same forwarder with zero destinations.
            if [[ "$fwd" == c-relay ]]; then start_c_relay "$dir/fwd0.log"; else start_gstreamer "$dir/fwd0.log" ""; fi
            before=$(rss_kb "$FWD_PID")
            stop_pid "$FWD_PID"
            sleep 0.2
            if [[ "$fwd" == c-relay ]]; then
                start_c_relay "$dir/fwd.log" $(dest_ports "$n")
            else
                start_gstreamer "$dir/fwd.log" "$(gst_clients "$n")"
            fi
            if ! kill -0 "$FWD_PID" 2>/dev/null; then
                wait "$FWD_PID" 2>/dev/null || true
                forget_pid "$FWD_PID"
                record "$fwd" "$mode" "$n" "$dir" failed "$fwd exited at start: $(tail -c 300 "$dir/fwd.log" | tr '\n' ' ')"
                return 0
            fi
            after=$(rss_kb "$FWD_PID")
            ;;
        sluice)
            if [[ -z "${SLUICE_BIN:-}" || ! -x "$SLUICE_BIN" ]]; then
                record "$fwd" "$mode" "$n" "$dir" skipped "no server binary at '${SLUICE_BIN:-}' (build: swift build -c release --product sluice, or set SLUICE_BIN)"
                return 0
            fi
            busy=$(tcp_port_busy "$BENCH_API_PORT")
            if [[ -n "$busy" ]]; then
                record "$fwd" "$mode" "$n" "$dir" failed "API port $busy is already in use (set BENCH_API_PORT)"
                return 0
            fi
            if ! start_sluice "$dir/fwd.log"; then
                note="server did not answer $API/healthz: $(tail -c 300 "$dir/fwd.log" | tr '\n' ' ')"
                stop_pid "$FWD_PID"
                record "$fwd" "$mode" "$n" "$dir" failed "$note"
                return 0
            fi
            if ! python3 "$HERE/sluice_setup.py" --api "$API" --count "$n" --base-port "$BENCH_RECV_BASE" \
                --pid "$FWD_PID" >"$dir/setup.json" 2>"$dir/setup.err"; then
                note="REST setup failed: $(json_get "$dir/setup.json" error)$(tail -c 200 "$dir/setup.err" | tr '\n' ' ')"
                stop_pid "$FWD_PID"
                record "$fwd" "$mode" "$n" "$dir" failed "$note"
                return 0
            fi
            TARGET_PORT=$(json_get "$dir/setup.json" producer_port)
            before=$(json_get "$dir/setup.json" rss_before_kb)
            after=$(json_get "$dir/setup.json" rss_after_kb)
            setup_s=$(json_get "$dir/setup.json" setup_consumers_s)
            ;;
        *) die "unknown forwarder '$fwd'" ;;
    esac

    printf '{"rate_pps":%s,"rss_before_kb":%s,"rss_after_kb":%s,"target_port":%s,"load_before":%s,"setup_consumers_s":%s}\n' \
        "$rate" "$(num_or_null "$before")" "$(num_or_null "$after")" "$(num_or_null "$TARGET_PORT")" \
        "$load_before" "$(num_or_null "$setup_s")" >"$dir/meta.json"

    # Receiver first (it reads the forwarder's /proc entries), then the sender.
    rm -f "$dir/ready"
    "$BUILD/receiver" --base-port "$BENCH_RECV_BASE" --count "$n" --warmup "$BENCH_WARMUP" \
        --duration "$BENCH_DURATION" --pid "$FWD_PID" --ready-file "$dir/ready" --size "$BENCH_SIZE" \
        >"$dir/rx.json" 2>"$dir/rx.err" &
    local rx_pid=$!
    STARTED_PIDS+=("$rx_pid")
    if ! wait_for_file "$dir/ready" 5; then
        stop_pid "$rx_pid"
        stop_pid "$FWD_PID"
        record "$fwd" "$mode" "$n" "$dir" failed "receiver did not start: $(tail -c 300 "$dir/rx.err" | tr '\n' ' ')"
        return 0
    fi
    local send_s
    send_s=$(awk -v w="$BENCH_WARMUP" -v d="$BENCH_DURATION" 'BEGIN { print w + d + 1 }')
    "$BUILD/sender" --port "$TARGET_PORT" --rate "$rate" --duration "$send_s" --size "$BENCH_SIZE" \
        --burst "$BENCH_BURST" --ssrc 1111 --pt 100 >"$dir/tx.json" 2>"$dir/tx.err" &
    local tx_pid=$!
    STARTED_PIDS+=("$tx_pid")

    local rx_rc=0
    wait "$rx_pid" || rx_rc=$?
    forget_pid "$rx_pid"
    ((rx_rc == 0)) || note="receiver exited with status $rx_rc"
    if ! kill -0 "$FWD_PID" 2>/dev/null; then
        note="${note:+$note; }$fwd exited during the run: $(tail -c 300 "$dir/fwd.log" | tr '\n' ' ')"
    fi
    wait "$tx_pid" 2>/dev/null || true
    forget_pid "$tx_pid"
    stop_pid "$FWD_PID"
    if [[ "$fwd" == sluice && -n "$(json_get "$dir/rx.json" packets)" && "$(json_get "$dir/rx.json" packets)" == 0 ]]; then
        note="${note:+$note; }sluice: no packets forwarded ($(json_get "$dir/setup.json" consumers_created) consumers created over REST)"
    fi
    record "$fwd" "$mode" "$n" "$dir" ok "$note"
    sleep 0.3
}

# ---- main ----------------------------------------------------------------------------
command -v "$CC" >/dev/null 2>&1 || die "no C compiler ($CC)"
command -v python3 >/dev/null 2>&1 || die "python3 is required for the REST setup and the tables"
mkdir -p "$BUILD" "$BENCH_OUT"
: >"$RESULTS"

log "building the C tools with $CC -O2"
for prog in relay sender receiver; do
    "$CC" -O2 -Wall -Wextra -o "$BUILD/$prog" "$C_DIR/$prog.c"
done

if [[ " $BENCH_FORWARDERS " == *" gstreamer "* ]] && ! command -v gst-launch-1.0 >/dev/null 2>&1; then
    log "gst-launch-1.0 not found: apt-get install -y gstreamer1.0-tools gstreamer1.0-plugins-good; skipping gstreamer"
    BENCH_FORWARDERS="${BENCH_FORWARDERS//gstreamer/}"
fi

if [[ " $BENCH_FORWARDERS " == *" sluice "* && -z "${SLUICE_BIN:-}" ]]; then
    if command -v swift >/dev/null 2>&1; then
        SLUICE_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path 2>/dev/null)/sluice" || SLUICE_BIN=""
    fi
fi
SLUICE_BIN="${SLUICE_BIN:-}"

{
    echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host:        $(nproc) vCPU, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r)"
    echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
    echo "forwarders:  $BENCH_FORWARDERS"
    echo "N:           $BENCH_N; modes: $BENCH_MODES; ${BENCH_WARMUP}s warm-up + ${BENCH_DURATION}s measured per case"
    echo "packets:     $BENCH_SIZE bytes; fixed mode $BENCH_RATE pkts/s in, capped at $BENCH_MAX_OUT pkts/s out"
    if command -v gst-launch-1.0 >/dev/null 2>&1; then echo "gstreamer:   $(gst-launch-1.0 --version | sed -n 2p)"; fi
    echo "sluice:      ${SLUICE_BIN:-(none)} (built $(date -u -r "${SLUICE_BIN:-/nonexistent}" +%Y-%m-%dT%H:%MZ 2>/dev/null || echo '?'); repo HEAD now $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
} | tee "$BENCH_OUT/environment.txt" >&2

for mode in $BENCH_MODES; do
    for n in $BENCH_N; do
        for fwd in $BENCH_FORWARDERS; do
            run_case "$fwd" "$mode" "$n"
        done
    done
done

python3 "$HERE/aggregate.py" table "$RESULTS" | tee "$BENCH_OUT/table.md"
log "results: $BENCH_OUT (results.jsonl, table.md, per-case logs)"
