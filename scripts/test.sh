#!/bin/sh
# The whole leakdump test suite, from a fresh Debian machine (as root):
# dependencies, the Go toolchains the e2e tests use, the build, then
# `make test` (unit tests, the same under ASan/UBSan, and the e2e pytest).
#   LEAKDUMP_GO_VERSIONS="1.24 1.26 1.27" scripts/test.sh
# (default: every release in the go-versions file)
set -eu
cd "$(dirname "$0")/.."
LEAKDUMP_GO_VERSIONS=${LEAKDUMP_GO_VERSIONS:-$(sed '/^#/d' go-versions | xargs)}
export LEAKDUMP_GO_VERSIONS

scripts/setup-deps.sh
# shellcheck disable=SC2086
scripts/fetch-go.sh $LEAKDUMP_GO_VERSIONS
make
exec make test
