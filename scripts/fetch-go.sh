#!/bin/sh
# Fetch Debian's Go toolchains (and their runtime sources) into a cache
# without touching the system's apt configuration.
#   scripts/fetch-go.sh 1.26 [1.24 ...]   -> prints nothing, exits 0
#   GOROOT is then $LEAKDUMP_CACHE/go-1.XX/usr/lib/go-1.XX
set -eu
CACHE=${LEAKDUMP_CACHE:-/var/cache/leakdump}
MIRROR=${LEAKDUMP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
APTDIR=$CACHE/apt
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc"

suite_of() {
	case "$1" in
	1.21|1.22|1.23) echo bookworm-backports ;;
	1.24) echo trixie ;;
	1.25) echo trixie-backports ;;
	*) echo sid ;;
	esac
}

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$APTDIR/etc/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTDIR/lists" \
		-o Dir::Cache="$APTDIR" \
		-o Dir::State::Status=/var/lib/dpkg/status \
		-o APT::Sandbox::User=root -o APT::Architecture=amd64 -o Debug::NoLocking=1 "$@"
}

need_update=0
for v in "$@"; do
	[ -x "$CACHE/go-$v/usr/lib/go-$v/bin/go" ] || need_update=1
done
[ $need_update = 1 ] || exit 0

: > "$APTDIR/etc/sources.list"
for s in bookworm-backports trixie trixie-backports sid; do
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $s main" \
		>> "$APTDIR/etc/sources.list"
done
# The bookworm keyring may not know newer suites' keys; fall back to trusted.
if ! apt_private update -qq >/dev/null 2>&1; then
	sed -i 's/signed-by=[^]]*/trusted=yes/' "$APTDIR/etc/sources.list"
	apt_private update -qq >/dev/null
fi

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
