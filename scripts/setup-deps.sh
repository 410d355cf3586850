#!/bin/sh
# Install the Debian packages leakdump builds and tests with.
# Idempotent: skips apt when everything is already present.
set -eu
PKGS="gcc make gdb gdbserver python3 python3-dev python3-pytest python3-setuptools python3-pip \
libdw-dev libelf-dev libcmocka-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev \
lldb-19 python3-lldb-19 chromium clang-16 libfuzzer-16-dev"
# clang-16, libfuzzer-16-dev: make fuzz / fuzz-ci (tests/fuzz/).
# chromium: tests/e2e/test_html.py loads the --format html pages headless.
# lldb-19 (the LLDB adapter, leakdump_lldb.py): bookworm's default lldb (14)
# runs no Python scripts.  python3-lldb-N packages conflict with each other:
# apt replaces another one if present.
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
