#!/bin/sh
# Fetch Debian packages (third-party programs for the e2e tests) into a cache
# and unpack them with dpkg -x, without installing anything or touching the
# system's apt configuration (the same private apt setup as fetch-go.sh).
#   scripts/fetch-debian-program.sh NAME[/SUITE] ...
# prints, one line per argument, the unpacked root:
#   $LEAKDUMP_CACHE/debian/NAME-SUITE   (NAME-candidate without a suite)
# e.g. scripts/fetch-debian-program.sh prometheus/trixie
#   -> /var/cache/leakdump/debian/prometheus-trixie/usr/bin/prometheus
# Only the named package is fetched, not its dependencies.  Idempotent: an
# already unpacked package is not fetched again.
set -eu
. "$(dirname "$0")/apt-private.sh"
ROOTS=$CACHE/debian

[ $# -gt 0 ] || { echo "usage: $0 NAME[/SUITE]..." >&2; exit 2; }

updated=0
apt_update() {
	[ $updated = 0 ] || return 0
	apt_private_update
	updated=1
}

for arg in "$@"; do
	name=${arg%%/*}
	suite=
	case "$arg" in */*) suite=${arg#*/} ;; esac
	case "$name$suite" in
		*[!A-Za-z0-9.+-]*|'') echo "fetch-debian-program: bad name $arg" >&2; exit 2 ;;
	esac
	dest=$ROOTS/$name-${suite:-candidate}
	if [ ! -f "$dest/.unpacked" ]; then
		# Use the lists fetch-go.sh (or an earlier run) left; refresh them when
		# they are missing or when the download fails (a stale list names a
		# .deb the archive no longer has).
		ls "$APTDIR"/lists/*_Packages* >/dev/null 2>&1 || apt_update
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		if ! (cd "$tmp" && apt_private download "$arg" >/dev/null 2>&1); then
			apt_update
			rm -f "$tmp"/*.deb
			(cd "$tmp" && apt_private download "$arg" >/dev/null) || {
				echo "fetch-debian-program: cannot download $arg" >&2; exit 1; }
		fi
		rm -rf "$dest"
		mkdir -p "$dest"
		for deb in "$tmp"/*.deb; do
			dpkg -x "$deb" "$dest"
			basename "$deb" > "$dest/.deb"
		done
		rm -rf "$tmp"
		trap - EXIT
		touch "$dest/.unpacked"
	fi
	echo "$dest"
done
