#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds every module with W=1 from a clean copy of the DKMS sources (the
# working tree's own build outputs are neither used nor touched) against
# the Debian 6.1 headers, and checks:
#   - the build succeeds and prints no warning (compiler, modpost, frame size);
#   - every module dkms.conf lists is built, with the dkms.conf version;
#   - dependencies only point down the layers of DESIGN.md, and each upper
#     module depends on the modules it must sit on;
#   - every helper of modules/compat/compat.h compiles warning-free (probe);
#   - source rules: SPDX line and pr_fmt in every module file,
#     LINUX_VERSION_CODE only in modules/compat/.
# Exit 0 pass, 4 skip, 1 fail.
set -e
. "$(dirname "$0")/../lib/krg.sh"

work=
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v make >/dev/null && command -v gcc >/dev/null || skip "make/gcc not installed"
command -v modinfo >/dev/null || skip "modinfo (kmod) not installed"
kver=$("$KRG_TOP/scripts/kabi") || skip "scripts/kabi failed (apt-get update?)"
kdir=/usr/src/linux-headers-$kver
[ -f "$kdir/Makefile" ] || skip "headers missing: apt-get install linux-headers-$kver"

work=$(mktemp -d /tmp/krg-w1.XXXXXX)
make -s -C "$KRG_TOP" dkms-src DEST="$work/src" >/dev/null
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$work/src/dkms.conf")
mapfile -t mods < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
	"$work/src/dkms.conf")

tap_plan 8

# --- the build ------------------------------------------------------------
log=$work/build.log
if make -C "$work/src/modules" KDIR="$kdir" W=1 >"$log" 2>&1; then
	tap_ok "W=1 build of all modules succeeds"
else
	sed 's/^/#   /' "$log" | tail -n 40
	tap_fail "W=1 build of all modules succeeds"
fi

# Any "warning" (gcc, modpost's WARNING: ... undefined!, -Wframe-larger-than)
# counts.  Kbuild's "Skipping BTF generation" notice is no warning: the
# headers package carries no vmlinux to take BTF from.
warnings=$(grep -i 'warning' "$log" || true)
if [ -z "$warnings" ] && grep -q 'MODPOST' "$log"; then
	tap_ok "W=1 build prints no warnings"
else
	printf '%s\n' "${warnings:-no MODPOST line: the build did not finish}" | sed 's/^/#   /' | head -n 40
	tap_fail "W=1 build prints no warnings"
fi

# --- what dkms.conf promises is what the build made ------------------------
bad=
[ "${#mods[@]}" -ge 7 ] || bad="dkms.conf lists ${#mods[@]} modules"
for m in "${mods[@]}"; do
	loc=$(sed -n "s/^BUILT_MODULE_LOCATION\[[0-9]*\]=\"\{0,1\}\(.*$m\/\)\"\{0,1\}$/\1/p" \
		"$work/src/dkms.conf")
	ko=$work/src/$loc$m.ko
	if [ ! -f "$ko" ]; then
		bad="$bad $m:missing($loc$m.ko)"
		continue
	fi
	v=$(modinfo -F version "$ko")
	[ "$v" = "$version" ] || bad="$bad $m:version=$v"
	l=$(modinfo -F license "$ko")
	[ "$l" = GPL ] || bad="$bad $m:license=$l"
	[ -n "$(modinfo -F description "$ko")" ] || bad="$bad $m:no-description"
done
if [ -z "$bad" ]; then
	tap_ok "all ${#mods[@]} modules of dkms.conf built, version $version, GPL, described"
else
	log "$bad"
	tap_fail "all modules of dkms.conf built, version $version, GPL, described"
fi

# --- layering ------------------------------------------------------------
# allowed[m]: what m may depend on (strictly lower layers, DESIGN.md);
# required[m]: what m must depend on (the modules it sits on).
declare -A allowed=(
	[krg_hooks]="" [krg_comm]="" [krg_kddm]="krg_comm"
	[krg_proc]="krg_kddm krg_comm krg_hooks"
	[krg_mm]="krg_proc krg_kddm krg_comm krg_hooks"
	[krg_fs]="krg_proc krg_kddm krg_comm krg_hooks"
	[krg_sched]="krg_proc krg_kddm krg_comm krg_hooks"
)
declare -A required=(
	[krg_hooks]="" [krg_comm]="" [krg_kddm]="krg_comm"
	[krg_proc]="krg_kddm krg_comm krg_hooks"
	[krg_mm]="krg_proc" [krg_fs]="krg_proc" [krg_sched]="krg_proc"
)
bad=
for m in "${!allowed[@]}"; do
	ko=$work/src/modules/$m/$m.ko
	[ -f "$ko" ] || { bad="$bad $m:missing"; continue; }
	deps=" $(modinfo -F depends "$ko" | tr ',' ' ') "
	for d in $deps; do
		case $d in krg_*) ;; *) continue ;; esac	# the kernel's own modules
		case " ${allowed[$m]} " in *" $d "*) ;; *) bad="$bad $m->$d(not-allowed)" ;; esac
	done
	for d in ${required[$m]}; do
		case "$deps" in *" $d "*) ;; *) bad="$bad $m->$d(missing)" ;; esac
	done
	log "$m depends:$deps"
done
if [ -z "$bad" ]; then
	tap_ok "module dependencies follow the layers"
else
	log "$bad"
	tap_fail "module dependencies follow the layers"
fi

# Each module exports its ABI function; upper modules call the lower ones'.
bad=
for m in "${mods[@]}"; do
	grep -q "[[:space:]]${m}_abi[[:space:]]" "$work/src/modules/Module.symvers" 2>/dev/null ||
		bad="$bad ${m}_abi"
done
if [ -z "$bad" ]; then
	tap_ok "every module exports krg_<x>_abi"
else
	log "not exported:$bad"
	tap_fail "every module exports krg_<x>_abi"
fi

# --- compat.h helpers compile against these headers --------------------------
cp -r "$KRG_TOP/tests/build/compat_probe" "$work/probe"
plog=$work/probe.log
if make -C "$kdir" M="$work/probe" KRG_MODULES="$work/src/modules" W=1 modules \
	>"$plog" 2>&1 && [ -f "$work/probe/compat_probe.ko" ] && ! grep -qi warning "$plog"; then
	tap_ok "every compat.h helper builds warning-free (compat_probe)"
else
	grep -i -B2 -A4 'warning\|error' "$plog" | head -n 40 | sed 's/^/#   /'
	tap_fail "every compat.h helper builds warning-free (compat_probe)"
fi

# --- source rules ------------------------------------------------------------
cd "$KRG_TOP"
bad=
while IFS= read -r f; do
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier:' || bad="$bad $f:no-SPDX"
	case $f in
	*.c)
		# pr_fmt must be defined before the first #include.
		first=$(grep -n -m1 -E '^#[[:space:]]*(include|define[[:space:]]+pr_fmt)' "$f" || true)
		case $first in *pr_fmt*) ;; *) bad="$bad $f:no-pr_fmt-before-includes" ;; esac
		;;
	esac
done < <(find modules include/krg -name '*.[chS]' ! -name '*.mod.c' -type f | sort)
if [ -z "$bad" ]; then
	tap_ok "every module source has an SPDX line and .c files define pr_fmt first"
else
	log "$bad"
	tap_fail "every module source has an SPDX line and .c files define pr_fmt first"
fi

lvc=$(grep -rl 'LINUX_VERSION_CODE' modules include tools --include='*.[ch]' 2>/dev/null |
	grep -v '^modules/compat/' || true)
if [ -z "$lvc" ]; then
	tap_ok "LINUX_VERSION_CODE appears only in modules/compat/"
else
	log "LINUX_VERSION_CODE in: $lvc"
	tap_fail "LINUX_VERSION_CODE appears only in modules/compat/"
fi

tap_exit
