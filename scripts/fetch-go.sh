#!/bin/sh
# Fetch Debian's Go toolchains (and their runtime sources) into a cache
# without touching the system's apt configuration.
#   scripts/fetch-go.sh 1.26 [1.24 ...]   -> prints nothing, exits 0
#   GOROOT is then $LEAKDUMP_CACHE/go-1.XX/usr/lib/go-1.XX
set -eu
. "$(dirname "$0")/apt-private.sh"

suite_of() {
	case "$1" in
	1.21|1.22|1.23) echo bookworm-backports ;;
	1.24) echo trixie ;;
	1.25) echo trixie-backports ;;
	*) echo sid ;;
	esac
}

need_update=0
for v in "$@"; do
	[ -x "$CACHE/go-$v/usr/lib/go-$v/bin/go" ] || need_update=1
done
[ $need_update = 1 ] || exit 0

apt_private_update

for v in "$@"; do
	dest=$CACHE/go-$v
	[ -x "$dest/usr/lib/go-$v/bin/go" ] && continue
	suite=$(suite_of "$v")
	tmp=$(mktemp -d)
	(cd "$tmp" && apt_private download -t "$suite" \
		"golang-$v-go" "golang-$v-src" >/dev/null)
	mkdir -p "$dest"
	for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$dest"; done
	rm -rf "$tmp"
	[ -x "$dest/usr/lib/go-$v/bin/go" ] || { echo "fetch-go: go $v not found" >&2; exit 1; }
done
