#!/bin/sh
# leakdump benchmark (not a test): leak-dump (in GDB, and the `leakdump`
# command line without a debugger) vs Delve on N parked goroutines.
#   bench/run.sh [N ...]            default: 100000 1000000
# Environment:
#   GO_VERSION=1.26                 Go toolchain for the fixture (scripts/fetch-go.sh)
#   BENCH_RUNS=3                    timed runs per measurement (best is reported)
#   BENCH_TIMEOUT=600               seconds, per leak-dump/gdb command
#   BENCH_DELVE_TIMEOUT=600         seconds, per Delve run (a timeout is reported)
#   BENCH_DELVE_REPEAT_UNDER=60     repeat Delve only while a run is faster than this
#   BENCH_MAX_RSS_MB=16000          kill a measured command whose RSS passes this
#   BENCH_NO_MAKE=1                 do not run `make` first
#   BENCH_PROVE=1                   leaky fixture (-leak); also time leak-dump --prove
#   BENCH_HEAP_MB=2048              the fixture also keeps this much reachable heap
#   BENCH_IO=4000                   the fixture also has this many goroutines in
#                                   IO wait, each on a unix socket of its own
#                                   (two descriptors each: mind ulimit -n)
#   BENCH_SKIP_DELVE=1              do not run Delve
#   BENCH_SKIP_API=1                do not time the Python API (bench/api_iter.py:
#                                   iterate s.goroutines() over the core, with and
#                                   without g.frames[0])
#   BENCH_LLDB=lldb-19              LLDB timed beside GDB, live and on the core
#                                   (rows live-lldb, core-lldb); skipped when absent
#   BENCH_SKIP_LLDB=1               do not run LLDB
#   BENCH_SKIP_CLI=1                do not time the command line (leakdump
#                                   core/pid, no debugger) beside GDB
#   BENCH_JSON=path                 results file (default bench/results/latest.json)
#   BENCH_BASELINE=dir              another built checkout (e.g. a git worktree of
#                                   the previous commit): its leak-dump is timed on
#                                   the same fixture and core, rows "MODE@base"; and its dumps of each
#                                   core (text, go, json) are compared byte for
#                                   byte with this checkout's
# The leak-verdict benchmark of the README:
#   BENCH_PROVE=1 BENCH_HEAP_MB=2048 BENCH_SKIP_DELVE=1 \
#   BENCH_JSON=bench/results/prove.json bench/run.sh 1000000
# Writes bench/results/latest.json; logs and the (deleted-at-exit) core go
# to bench/.work/.  Needs gdb, /usr/bin/time, /usr/bin/python3, apt-get.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
WORK=$BENCH/.work
CACHE=${LEAKDUMP_CACHE:-/var/cache/leakdump}
GO_VERSION=${GO_VERSION:-1.26}
mkdir -p "$WORK" "$BENCH/results"

PY=
cleanup() {
	# Never leave a fixture running or a multi-GB core behind.
	if [ -n "$PY" ] && kill -0 "$PY" 2>/dev/null; then
		kill -TERM "$PY" 2>/dev/null || true
		wait "$PY" 2>/dev/null || true
	fi
	if [ -s "$WORK/fixture.pid" ]; then
		pid=$(cat "$WORK/fixture.pid")
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		rm -f "$WORK/fixture.pid"
	fi
	rm -rf "$WORK/cores"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in gdb /usr/bin/time /usr/bin/python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing" >&2; exit 1; }
done

if [ "${BENCH_NO_MAKE:-0}" != 1 ]; then
	make -s -C "$ROOT" >&2
fi
"$ROOT/scripts/fetch-go.sh" "$GO_VERSION"
GO=$CACHE/go-$GO_VERSION/usr/lib/go-$GO_VERSION/bin/go
DLV=$("$BENCH/fetch-delve.sh")

(
	cd "$BENCH/many"
	env GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on GOENV=off GOWORK=off \
		GOPROXY=off CGO_ENABLED=0 GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" \
		"$GO" build -o "$WORK/many" .
)

LLDB=
if [ "${BENCH_SKIP_LLDB:-0}" != 1 ]; then
	LLDB=$(command -v "${BENCH_LLDB:-lldb-19}" || true)
	[ -n "$LLDB" ] || echo "bench: ${BENCH_LLDB:-lldb-19} not installed: no LLDB rows" >&2
fi

[ $# -gt 0 ] || set -- 100000 1000000
API_ITER=$BENCH/api_iter.py
[ "${BENCH_SKIP_API:-0}" != 1 ] || API_ITER=
/usr/bin/python3 "$BENCH/bench.py" \
	--many "$WORK/many" --dlv "$DLV" --gdbinit "$ROOT/gdbinit" \
	--timed "$BENCH/timed.py" --work "$WORK" \
	--json "${BENCH_JSON:-$BENCH/results/latest.json}" \
	--go-version "$("$GO" version | awk '{print $3}')" \
	--runs "${BENCH_RUNS:-3}" --timeout "${BENCH_TIMEOUT:-600}" \
	--delve-timeout "${BENCH_DELVE_TIMEOUT:-600}" \
	--delve-repeat-under "${BENCH_DELVE_REPEAT_UNDER:-60}" \
	--max-rss-mb "${BENCH_MAX_RSS_MB:-16000}" \
	--heap-mb "${BENCH_HEAP_MB:-0}" --io "${BENCH_IO:-0}" \
	${BENCH_BASELINE:+--baseline "$BENCH_BASELINE"} \
	${LLDB:+--lldb "$LLDB"} \
	${BENCH_PROVE:+--prove} ${BENCH_SKIP_DELVE:+--skip-delve} \
	${API_ITER:+--api-iter "$API_ITER"} \
	${BENCH_SKIP_CLI:+--skip-cli} \
	"$@" &
# In the background so that INT/TERM reach the traps at once; the driver
# kills what it started on TERM, and cleanup() makes sure of it.
PY=$!
wait "$PY"
