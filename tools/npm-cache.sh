# shellcheck shell=bash
# Sourced by tools/fetch-*.sh: the cache they fill from the npm registry, nothing installed.
# Each fetch builds its files in a temporary directory of the cache (removed on exit) and
# moves it into place whole, its stamp written last, so a directory with a stamp is complete.
NT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# need_tools TOOL...: die naming the first one missing and the Debian package that has it
need_tools() {
	local t pkg
	for t; do
		command -v "$t" > /dev/null && continue
		pkg=$t
		[ "$t" != sha256sum ] || pkg=coreutils
		die "'$t' is missing (apt-get install $pkg)"
	done
}

# fetch_tmp NAME: a temporary directory in the cache for NAME, removed on exit, in $tmp
fetch_tmp() {
	mkdir -p "$NT_CACHE"
	tmp=$(mktemp -d "$NT_CACHE/$1-fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
}

# put_in_place FROM DIR: FROM becomes DIR (replacing what was there), then its stamp
put_in_place() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	mv "$1" "$2"
	date -u +%FT%TZ > "$2/stamp"
}
