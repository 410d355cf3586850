#!/bin/sh
# Install the Debian packages leakdump builds and tests with.
# Idempotent: skips apt when everything is already present.
set -eu
PKGS="gcc make gdb gdbserver python3 python3-dev python3-pytest python3-setuptools \
libdw-dev libelf-dev libcmocka-dev clang-16 libfuzzer-16-dev"
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
