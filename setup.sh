#!/bin/bash
# Install every Debian package nettrail needs (build, tests, benchmark), then build into build/.
# Debian 12. Run as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
PACKAGES=(
	build-essential cmake pkg-config clang-format clang libclang-rt-14-dev
	libtracefs-dev libtraceevent-dev libtracecmd-dev libsqlite3-dev
	libbabeltrace2-dev babeltrace2 libzstd-dev zlib1g-dev
	sqlite3 trace-cmd linux-perf
	xz-utils python3 python3-lttnganalyses util-linux iproute2 nftables procps time bc
	gnuplot-nox chromium python3-websocket python3-pil
	qemu-system-x86 busybox-static
	lttng-tools liblttng-ctl-dev kmod libelf1 libbpf-dev
	libgsl-dev python3-scipy
)
APT_OPTS=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${APT_OPTS[@]}" update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y --no-install-recommends \
	"${PACKAGES[@]}"
# DuckDB's C library and header (the Parquet writer of `nettrail export`) from npm into a cache
# (never installed); without them nettrail builds and export says how to get them
command -v npm > /dev/null || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" \
	install -y --no-install-recommends npm
tools/fetch-duckdb.sh > /dev/null || echo "setup: could not fetch DuckDB (export will be disabled)"
# SQLite's amalgamation, built into nettrail (CMakeLists.txt says why); without it nettrail
# builds with Debian's libsqlite3 and imports more slowly
tools/fetch-sqlite.sh > /dev/null || echo "setup: could not fetch SQLite's amalgamation (Debian's libsqlite3 is used)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
echo "built: build/nettrail"
# the lab VM's kernel (Debian's linux-image-amd64, unpacked in the cache, never installed), so
# the vm tests need no download; they fetch it themselves when the cache is empty
build/nettrail vm fetch > /dev/null || echo "setup: could not fetch the lab VM's kernel now"
# LTTng's kernel modules for the lab VM's LTTng kernel (linux-image-6.1.0-47-amd64, downloaded
# and built in the cache, never installed; several minutes the first time, then reused)
vm/lttng-modules.sh > /dev/null ||
	echo "setup: could not build LTTng's kernel modules for the lab VM (see the log it names)"
