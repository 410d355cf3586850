#!/bin/sh
# leakdump demo: on a fresh Debian machine (as root) install what is needed,
# build leakdump and the leaky-editor example, start the example, show its
# goroutines with `leak-dump`, and stop it again.
#   scripts/demo.sh            (GO_VERSION=1.26 by default)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
GO_VERSION=${GO_VERSION:-1.26}
CACHE=${LEAKDUMP_CACHE:-/var/cache/leakdump}
WORK=${LEAKDUMP_DEMO_WORK:-${TMPDIR:-/tmp}/leakdump-demo}

scripts/setup-deps.sh
scripts/fetch-go.sh "$GO_VERSION"
make

GO=$CACHE/go-$GO_VERSION/usr/lib/go-$GO_VERSION/bin/go
mkdir -p "$WORK"
(
	cd examples/leaky-editor
	env GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on GOENV=off GOWORK=off \
		GOPROXY=off CGO_ENABLED=0 GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" \
		"$GO" build -o "$WORK/leaky-editor" .
)

ready=$WORK/leaky-editor.ready
rm -f "$ready"
"$WORK/leaky-editor" -ready "$ready" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT INT TERM

i=0
while [ ! -e "$ready" ]; do
	kill -0 "$pid" 2>/dev/null || { echo "demo: leaky-editor exited early" >&2; exit 1; }
	i=$((i + 1))
	[ $i -le 300 ] || { echo "demo: leaky-editor not ready after 30s" >&2; exit 1; }
	sleep 0.1
done

# quiet.gdb (read before the attach) keeps GDB's own chatter out.
echo "== gdb -nx -batch -ix quiet.gdb -x gdbinit -p $pid -ex leak-dump"
timeout 300 gdb -nx -batch -ix "$ROOT/quiet.gdb" -x "$ROOT/gdbinit" -p "$pid" -ex leak-dump

echo
echo "== gdb -nx -batch -ix quiet.gdb -x gdbinit -p $pid -ex 'leak-dump --prove'   (which of them can never wake)"
timeout 300 gdb -nx -batch -ix "$ROOT/quiet.gdb" -x "$ROOT/gdbinit" -p "$pid" -ex 'leak-dump --prove'
