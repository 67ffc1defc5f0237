#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS packaging against the Debian 6.1 headers, on the host:
#   dkms add / build -k <abi>-amd64 / remove --all of the tree's dkms.conf,
#   every module built with vermagic "<abi>-amd64 SMP preempt mod_unload
#   modversions", the dkms.conf version in modinfo, the layer dependencies in
#   the built modules, and BUILD_EXCLUSIVE_KERNEL refusing a non-6.1 kernel;
#   the test modules (tests/*/*/ with a Kbuild, never part of the package)
#   build against the package as DKMS built it (DKMS removes its build
#   directory, Module.symvers included, so the staged package's POST_BUILD
#   copies it to a scratch directory first: one build of the package, not two).
# The package is staged under a version of its own (<version>.t<pid>), so a
# kerrighed installed with `make dkms-install` is never touched, and it is
# removed again whatever happens.  Exit 0 pass, 4 skip, 1 fail.
set -e
. "$(dirname "$0")/../lib/krg.sh"

pkg=kerrighed
ver=
src=
cleanup() {
	[ -n "$ver" ] || return 0
	dkms remove "$pkg/$ver" --all >/dev/null 2>&1 || true
	rm -rf "/var/lib/dkms/$pkg/$ver"
	rmdir "/var/lib/dkms/$pkg" 2>/dev/null || true
	[ -z "$src" ] || rm -rf "$src"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || skip "dkms needs root"
command -v dkms >/dev/null || skip "dkms not installed (apt-get install dkms)"
command -v modinfo >/dev/null || skip "modinfo (kmod) not installed"
kver=$("$KRG_TOP/scripts/kabi") || skip "scripts/kabi failed (apt-get update?)"
[ -f "/usr/src/linux-headers-$kver/Makefile" ] ||
	skip "headers missing: apt-get install linux-headers-$kver"
[ -e "/lib/modules/$kver/build" ] ||
	skip "/lib/modules/$kver/build missing (reinstall linux-headers-$kver)"

base=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$KRG_TOP/dkms.conf")
[ -n "$base" ] || die "no PACKAGE_VERSION in dkms.conf"
ver=$base.t$$
src=/usr/src/$pkg-$ver
mapfile -t mods < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
	"$KRG_TOP/dkms.conf")
work=/var/lib/dkms/$pkg/$ver
kodir=$work/$kver/$(uname -m)/module

tap_plan 9

log=$(mktemp /tmp/krg-dkms.XXXXXX)
tcopy=$(mktemp -d /tmp/krg-dkms-tests.XXXXXX)
root=$(mktemp -d /tmp/krg-depmod.XXXXXX)
trap 'cleanup; rm -f "$log"; rm -rf "$root" "$tcopy"' EXIT

make -s -C "$KRG_TOP" dkms-src DEST="$src" >/dev/null
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$src/dkms.conf"
# The staged package only: keep a copy of DKMS's build directory.
printf '#!/bin/sh\nexec cp -a . "%s/"\n' "$tcopy" >"$src/krg-test-keep-build"
chmod 755 "$src/krg-test-keep-build"
echo 'POST_BUILD="krg-test-keep-build"' >>"$src/dkms.conf"

# step NAME CMD...: one TAP result; on failure show the command's output.
step() {
	local name=$1
	shift
	if "$@" >"$log" 2>&1; then
		tap_ok "$name"
	else
		sed 's/^/#   /' "$log" | tail -n 30
		make_log=$work/build/make.log
		[ ! -f "$make_log" ] || grep -i -m 20 'error\|warning' "$make_log" | sed 's/^/#   /'
		tap_fail "$name"
		return 1
	fi
}

step "dkms add $pkg/$ver" dkms add "$pkg/$ver" || tap_exit
step "dkms build $pkg/$ver -k $kver" dkms build "$pkg/$ver" -k "$kver" || tap_exit

bad=
for m in "${mods[@]}"; do
	ko=$kodir/$m.ko
	if [ ! -f "$ko" ]; then
		bad="$bad $m:missing"
		continue
	fi
	vm=$(modinfo -F vermagic "$ko" | sed 's/[[:space:]]*$//')
	[ "$vm" = "$kver SMP preempt mod_unload modversions" ] || bad="$bad $m:vermagic=[$vm]"
done
if [ -z "$bad" ] && [ "${#mods[@]}" -ge 7 ]; then
	tap_ok "${#mods[@]} modules built with vermagic '$kver SMP preempt mod_unload modversions'"
else
	log "${#mods[@]} modules in dkms.conf;$bad"
	tap_fail "every module built with vermagic '$kver SMP preempt mod_unload modversions'"
fi

bad=
for m in "${mods[@]}"; do
	[ -f "$kodir/$m.ko" ] || continue
	v=$(modinfo -F version "$kodir/$m.ko")
	[ "$v" = "$ver" ] || bad="$bad $m:$v"
done
if [ -z "$bad" ]; then
	tap_ok "modinfo version is the dkms.conf PACKAGE_VERSION ($ver)"
else
	log "versions:$bad"
	tap_fail "modinfo version is the dkms.conf PACKAGE_VERSION ($ver)"
fi

# What modprobe will load first, from the DKMS-built modules.
# Only our modules: the kernel's own (libpoly1305, ...) are not layers.
deps_of() { modinfo -F depends "$kodir/$1.ko" 2>/dev/null | tr ',' '\n' | grep '^krg_' | sort | paste -sd, -; }
bad=
[ "$(deps_of krg_hooks)" = "" ] || bad="$bad krg_hooks:$(deps_of krg_hooks)"
[ "$(deps_of krg_comm)" = "" ] || bad="$bad krg_comm:$(deps_of krg_comm)"
[ "$(deps_of krg_kddm)" = "krg_comm" ] || bad="$bad krg_kddm:$(deps_of krg_kddm)"
[ "$(deps_of krg_proc)" = "krg_comm,krg_hooks,krg_kddm" ] || bad="$bad krg_proc:$(deps_of krg_proc)"
for m in krg_mm krg_fs krg_sched; do
	case ",$(deps_of $m)," in *,krg_proc,*) ;; *) bad="$bad $m:$(deps_of $m)" ;; esac
done
if [ -z "$bad" ]; then
	tap_ok "built modules depend on the layers below them"
else
	log "depends:$bad"
	tap_fail "built modules depend on the layers below them"
fi

# The order modprobe loads them in, from a scratch depmod root: nothing is
# installed on this machine.
declare -A below=(
	[krg_hooks]="" [krg_comm]="" [krg_kddm]="krg_comm"
	[krg_proc]="krg_comm krg_kddm krg_hooks"
	[krg_mm]="krg_comm krg_kddm krg_hooks krg_proc"
	[krg_fs]="krg_comm krg_kddm krg_hooks krg_proc"
	[krg_sched]="krg_comm krg_kddm krg_hooks krg_proc"
)
mkdir -p "$root/lib/modules/$kver/extra"
bad=
if cp "$kodir"/*.ko "$root/lib/modules/$kver/extra/" && depmod -b "$root" "$kver" 2>/dev/null; then
	for m in "${!below[@]}"; do
		order=$(modprobe -d "$root" -S "$kver" --show-depends "$m" 2>&1 |
			sed -n 's|^insmod .*/\([^/]*\)\.ko.*|\1|p' | paste -sd' ' -)
		log "modprobe $m: $order"
		want="${below[$m]}"
		[ "${order##* }" = "$m" ] || bad="$bad $m:not-last"
		for d in $want; do
			case " $order " in *" $d "*) ;; *) bad="$bad $m:no-$d" ;; esac
		done
		[ "$(wc -w <<<"$order")" = "$(( $(wc -w <<<"$want") + 1 ))" ] || bad="$bad $m:extra"
	done
else
	bad="depmod failed"
fi
if [ -z "$bad" ]; then
	tap_ok "modprobe loads every module after the modules below it"
else
	log "$bad"
	tap_fail "modprobe loads every module after the modules below it"
fi

# The test modules against the package: beside the copy of DKMS's build
# directory, so the tree's own modules stay those of its own build.
symvers=$tcopy/modules/Module.symvers
bad=
tdirs=$(cd "$KRG_TOP" && find tests -mindepth 3 -maxdepth 3 -name Kbuild -path 'tests/*/*/Kbuild' \
	! -path 'tests/build/*' -printf '%h\n' | sort)
[ -f "$symvers" ] || bad="$symvers missing (the staged package's POST_BUILD did not run)"
[ -n "$bad" ] || (cd "$KRG_TOP" && find tests/include $tdirs \
	\( -name '*.[ch]' -o -name Kbuild \) -type f -print0 | xargs -0 cp --parents -t "$tcopy") ||
	bad="copy failed"
for d in $tdirs; do
	[ -z "$bad" ] || break
	if ! make -s -C "/lib/modules/$kver/build" M="$tcopy/$d" KBUILD_EXTRA_SYMBOLS="$symvers" \
		modules >"$log" 2>&1; then
		sed 's/^/#   /' "$log" | tail -n 20
		bad="$bad $d:build"
		continue
	fi
	for ko in "$tcopy/$d"/*.ko; do
		case ",$(modinfo -F depends "$ko")," in *,krg_*) ;; *) bad="$bad $(basename "$ko"):depends" ;; esac
	done
done
if [ -z "$bad" ] && [ -n "$tdirs" ]; then
	tap_ok "test modules ($(echo $tdirs)) build against the package"
else
	log "test modules: ${bad:-none found}"
	tap_fail "test modules build against the package"
fi

# dkms exits 77 when BUILD_EXCLUSIVE_KERNEL rules a kernel out.
rc=0
dkms build "$pkg/$ver" -k 6.2.0-1-amd64 >"$log" 2>&1 || rc=$?
if [ "$rc" = 77 ]; then
	tap_ok "BUILD_EXCLUSIVE_KERNEL refuses a 6.2 kernel"
else
	sed 's/^/#   /' "$log" | tail -n 10
	tap_fail "BUILD_EXCLUSIVE_KERNEL refuses a 6.2 kernel (dkms exit $rc, expected 77)"
fi

rc=0
dkms remove "$pkg/$ver" --all >"$log" 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ ! -e "$work" ] && ! dkms status "$pkg/$ver" 2>/dev/null | grep -q .; then
	tap_ok "dkms remove $pkg/$ver --all leaves nothing behind"
else
	sed 's/^/#   /' "$log" | tail -n 10
	tap_fail "dkms remove $pkg/$ver --all leaves nothing behind (exit $rc)"
fi

tap_exit
