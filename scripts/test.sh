#!/bin/sh
# The whole leakdump test suite, from a fresh Debian machine (as root):
# dependencies, the Go toolchains the e2e tests use, the build, then
# `make test` (unit tests, the same under ASan/UBSan, and the e2e pytest).
#   LEAKDUMP_GO_VERSIONS="1.24 1.26 1.27" scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
LEAKDUMP_GO_VERSIONS=${LEAKDUMP_GO_VERSIONS:-"1.21 1.22 1.23 1.24 1.25 1.26 1.27"}
export LEAKDUMP_GO_VERSIONS

scripts/setup-deps.sh
# shellcheck disable=SC2086
scripts/fetch-go.sh $LEAKDUMP_GO_VERSIONS
make
exec make test
