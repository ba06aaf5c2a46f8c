#!/bin/bash
# Build LTTng's kernel modules for the lab VM's LTTng kernel (Debian's linux-image-6.1.0-47-amd64;
# lttng-modules 2.13.9 does not build against 6.1.0-56) without installing a kernel, headers or
# dkms on the host: the packages are only downloaded (apt-get download) and unpacked
# (dpkg-deb -x) into a private tree. The result, reused by every later run, is
#
#   ${XDG_CACHE_HOME:-~/.cache}/nettrail/lttng-vm/<kernel-pkg>_<version>+lttng-modules_<version>/
#     <kernel-pkg>_<version>_amd64.deb    the kernel: nettrail vm record --kernel-deb FILE
#     lib/modules/<release>/updates/lttng/src/**.ko   the modules (debug info stripped)
#     lib/modules/<release>/modules.*      depmod's files (libkmod's indexes) for these modules
#     build.log  versions  stamp           (stamp is written last: no stamp, no reuse)
#
# Prints the directory on stdout. Needs: apt-get (a Debian 12 mirror), gcc-12, make, libelf1,
# zlib, kmod (depmod), binutils (strip), xz-utils. Environment: NT_LTTNG_KERNEL_PKG (default
# linux-image-6.1.0-47-amd64), NT_LTTNG_JOBS (default nproc), NT_LTTNG_FORCE=1 rebuilds.
set -euo pipefail

KPKG=${NT_LTTNG_KERNEL_PKG:-linux-image-6.1.0-47-amd64}
LPKG=lttng-modules-dkms
JOBS=${NT_LTTNG_JOBS:-$(nproc)}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail/lttng-vm
KREL=${KPKG#linux-image-} # 6.1.0-47-amd64
FLAVOUR=${KREL##*-}       # amd64
ABI=${KREL%-"$FLAVOUR"}   # 6.1.0-47

die() {
	echo "lttng-modules.sh: $*" >&2
	exit 1
}

# the candidate version apt would download
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)' || true
}

for t in apt-get apt-cache dpkg-deb make gcc-12 depmod strip xz; do
	command -v "$t" > /dev/null || die "'$t' is missing (apt-get install build-essential kmod)"
done

KVER=$(candidate "$KPKG")
LVER=$(candidate "$LPKG")
if [ -z "$KVER" ] || [ -z "$LVER" ]; then
	# apt no longer knows the packages (old kernel ABIs leave the mirror, or no apt-get update):
	# a finished build in the cache still serves
	for d in "$CACHE"/"$KPKG"_*+lttng-modules_*/; do
		[ -f "$d/stamp" ] && OLD=${d%/}
	done
	if [ -n "${OLD:-}" ]; then
		echo "lttng-modules.sh: apt knows no $KPKG or $LPKG; using the cached $OLD" >&2
		echo "$OLD"
		exit 0
	fi
	die "apt knows no ${KVER:+$LPKG}${KVER:-$KPKG} (apt-get update?) and the cache has no build"
fi
LUP=${LVER%%-*} # upstream version: 2.13.9
LUP=${LUP#*:}
OUT=$CACHE/${KPKG}_${KVER}+lttng-modules_${LVER}

if [ -f "$OUT/stamp" ] && [ "${NT_LTTNG_FORCE:-0}" != 1 ]; then
	echo "$OUT"
	exit 0
fi

# an earlier, interrupted attempt is thrown away
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$OUT/work
LOG=$OUT/build.log
mkdir -p "$WORK/debs" "$WORK/root"
: > "$LOG"
echo "lttng-modules.sh: building lttng-modules $LVER for $KPKG $KVER in $OUT (log: $LOG)" >&2

fail() {
	echo "lttng-modules.sh: $* (last lines of $LOG:)" >&2
	tail -n 30 "$LOG" >&2
	exit 1
}

# 1. the packages. The headers' own dependencies: -common of the same version, linux-kbuild-6.1
#    (>= that version; any later 6.1 one works) and linux-compiler-gcc-12-x86 (only gcc-12).
HPKG=linux-headers-$KREL
CPKG=linux-headers-$ABI-common
SPKG=linux-source-${ABI%.*-*} # linux-source-6.1: the same upload as the image (6.1.170-3)
BPKG=$(apt-cache show "$HPKG=$KVER" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 |
	tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[0-9.]*\).*/\1/p')
[ -n "$BPKG" ] || BPKG=linux-kbuild-${ABI%.*-*}
(
	cd "$WORK/debs"
	# apt's sandbox user cannot write here: harmless warning, the download runs as root
	apt-get download "$KPKG=$KVER" "$HPKG=$KVER" "$CPKG=$KVER" "$BPKG" "$LPKG=$LVER" \
		"$SPKG=$KVER"
) >> "$LOG" 2>&1 || fail "apt-get download failed"
KDEB=$(ls "$WORK"/debs/"${KPKG}"_*.deb)

# 2. unpack headers, kbuild and the module source into a private root
for d in "$WORK"/debs/"$HPKG"_*.deb "$WORK"/debs/"$CPKG"_*.deb "$WORK"/debs/"$BPKG"_*.deb \
	"$WORK"/debs/"$LPKG"_*.deb; do
	dpkg-deb -x "$d" "$WORK/root" >> "$LOG" 2>&1 || fail "dpkg-deb -x $d failed"
done
HDR=$WORK/root/usr/src/$HPKG
SRC=$WORK/root/usr/src/lttng-modules-$LUP
{ [ -d "$HDR" ] && [ -d "$SRC" ]; } || fail "unexpected package layout (no $HDR or $SRC)"
# the flavour's Makefile includes the common one by its absolute path
# (include /usr/src/linux-headers-<abi>-common/Makefile); scripts and tools are relative links
sed -i "s|^include /usr/src/|include $WORK/root/usr/src/|" "$HDR/Makefile"
# a few probes need private kernel headers that linux-headers lacks: the kmem probe (kmem_kmalloc,
# kmem_cache_alloc, ...) includes mm/slab.h, the compaction probe mm/internal.h, the mount
# namespace statedump fs/mount.h. They come from linux-source (same version; 140 MB, only
# these files are kept) and go where the build looks for them, the common headers' srctree.
echo "+ $SPKG: mm/*.h fs/mount.h" >> "$LOG"
dpkg-deb --fsys-tarfile "$WORK"/debs/"$SPKG"_*.deb |
	tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | xz -dc |
	tar -x -C "$WORK" --wildcards --no-wildcards-match-slash '*/mm/*.h' '*/fs/mount.h' \
		>> "$LOG" 2>&1 || fail "cannot take the private headers from $SPKG"
SDEB=$(basename "$WORK"/debs/"$SPKG"_*.deb)
rm -f "$WORK"/debs/"$SPKG"_*.deb
cp -r "$WORK"/linux-source-*/mm "$WORK"/linux-source-*/fs "$WORK/root/usr/src/$CPKG/"

# 3. build: dkms.conf's command without the test clock plugin
echo "+ make -C $HDR M=$SRC modules CONFIG_LTTNG=m -j$JOBS" >> "$LOG"
start=$(date +%s)
make -C "$HDR" M="$SRC" modules CONFIG_LTTNG=m -j"$JOBS" >> "$LOG" 2>&1 || fail "the build failed"
echo "built in $(($(date +%s) - start)) s" >> "$LOG"

# 4. the modules, under updates/lttng/ keeping the source tree's layout (src/lttng-tracer.ko,
#    src/lib/..., src/probes/...), debug info stripped (a fraction of the size, for initrds)
MODDIR=$OUT/lib/modules/$KREL
n=0
while IFS= read -r -d '' ko; do
	rel=${ko#"$SRC"/}
	mkdir -p "$MODDIR/updates/lttng/$(dirname "$rel")"
	strip --strip-debug -o "$MODDIR/updates/lttng/$rel" "$ko"
	n=$((n + 1))
done < <(find "$SRC" -name '*.ko' -print0)
[ "$n" -gt 0 ] || fail "the build made no .ko"

# 5. depmod over these modules and the kernel's modules.builtin* / modules.order (from the
#    .deb), without the kernel's own .ko: the LTTng modules depend only on each other, and the
#    guest gets small index files that name only what it has. lttng-sessiond loads the modules
#    through libkmod, which refuses to work without them (modules.dep.bin, modules.alias.bin,
#    modules.symbols.bin, modules.builtin.bin, modules.builtin.alias.bin); insmod beforehand does
#    not replace them ("Failed to load kmod library resources", "Kernel tracer not available").
DM=$WORK/depmod
mkdir -p "$DM/lib/modules/$KREL"
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$DM" --wildcards "./lib/modules/$KREL/modules.*" \
	>> "$LOG" 2>&1 || fail "cannot unpack $KDEB"
cp -a "$MODDIR/updates" "$DM/lib/modules/$KREL/"
depmod -b "$DM" "$KREL" >> "$LOG" 2>&1 || fail "depmod failed"
cp "$DM"/lib/modules/"$KREL"/modules.* "$MODDIR/"
grep -q '^updates/lttng/src/lttng-tracer.ko:' "$MODDIR/modules.dep" || fail "depmod left out lttng-tracer"

# 6. the kernel package next to them, the record, then the stamp
mv "$KDEB" "$OUT/"
{
	echo "kernel_pkg=$KPKG"
	echo "kernel_version=$KVER"
	echo "kernel_release=$KREL"
	echo "kernel_deb=$(basename "$KDEB")"
	echo "lttng_modules_pkg=$LPKG"
	echo "lttng_modules_version=$LVER"
	for d in "$WORK"/debs/*.deb; do echo "used=$(basename "$d")"; done
	echo "used=$SDEB (mm/*.h fs/mount.h)"
	echo "modules=$n"
} > "$OUT/versions"
rm -rf "$WORK"
date -u +%FT%TZ > "$OUT/stamp"
echo "lttng-modules.sh: $n modules for $KREL in $OUT" >&2
echo "$OUT"
