#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-only: every generic netlink family's YAML spec agrees with its C
# header (spec_check.py: family name, constants, enums, attributes with
# their numbers and types, commands), for the production families
# (Documentation/netlink/X.yaml, include/uapi/linux/X.h) and the test
# modules' (tests/include/X.yaml, X.h).  A uapi header that declares a
# family without a spec is a skip.  Then deliberately broken copies of one
# pair must each be caught, with the difference named.
set -u
. "${KRG_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/krg.sh"

CHECK="python3 $KRG_TOP/tests/uapi/spec_check.py"
tmp=$(mktemp -d /tmp/krg-specs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pairs=()
for s in "$KRG_TOP"/Documentation/netlink/*.yaml; do
	[ -e "$s" ] && pairs+=("$s $KRG_TOP/include/uapi/linux/$(basename "${s%.yaml}").h")
done
for s in "$KRG_TOP"/tests/include/*.yaml; do
	[ -e "$s" ] && pairs+=("$s ${s%.yaml}.h")
done
orphans=()
for h in "$KRG_TOP"/include/uapi/linux/*.h; do
	grep -q '#define[[:space:]]*[A-Z_]*_GENL_NAME[[:space:]]' "$h" || continue
	[ -e "$KRG_TOP/Documentation/netlink/$(basename "${h%.h}").yaml" ] || orphans+=("$h")
done

# broken NAME FILE SED-EXPR EXPECT: a copy of the krg_comm pair with FILE
# (spec or header) edited by SED-EXPR must fail, naming EXPECT.
SPEC=$KRG_TOP/Documentation/netlink/krg_comm.yaml
HDR=$KRG_TOP/include/uapi/linux/krg_comm.h
broken() {
	local name=$1 which=$2 expr=$3 expect=$4 out rc
	cp "$SPEC" "$tmp/s.yaml"
	cp "$HDR" "$tmp/h.h"
	case $which in
	spec) sed -i -e "$expr" "$tmp/s.yaml"; cmp -s "$SPEC" "$tmp/s.yaml" ;;
	header) sed -i -e "$expr" "$tmp/h.h"; cmp -s "$HDR" "$tmp/h.h" ;;
	esac && { log "$name: the edit changed nothing"; return 1; }
	out=$($CHECK "$tmp/s.yaml" "$tmp/h.h" 2>&1)
	rc=$?
	log "$name: exit $rc: $(head -n 3 <<<"$out" | tr '\n' ' ')"
	[ "$rc" = 1 ] && grep -qF -- "$expect" <<<"$out"
}

tap_plan $(( ${#pairs[@]} + ${#orphans[@]} + 9 ))
for p in "${pairs[@]}"; do
	read -r s h <<<"$p"
	if [ ! -e "$h" ]; then
		tap_fail "${s#"$KRG_TOP"/}: no header ${h#"$KRG_TOP"/}"
		continue
	fi
	out=$($CHECK "$s" "$h" 2>&1)
	rc=$?
	[ -z "$out" ] || sed 's/^/# /' <<<"$out"
	[ "$rc" = 0 ] && tap_ok "${s#"$KRG_TOP"/} agrees with ${h#"$KRG_TOP"/}" ||
		tap_fail "${s#"$KRG_TOP"/} agrees with ${h#"$KRG_TOP"/}"
done
for h in "${orphans[@]}"; do
	tap_skip "${h#"$KRG_TOP"/} has a spec" "no Documentation/netlink/$(basename "${h%.h}").yaml yet"
done

tap_check "caught: two attributes swapped in the header" broken swap header \
	'/KRG_COMM_A_TX_FRAMES,/{h;d};/KRG_COMM_A_TX_BYTES,/G' "entry 19 is KRG_COMM_A_TX_FRAMES in the spec"
tap_check "caught: an attribute's type changed in the header" broken type header \
	's|KRG_COMM_A_PORT,\t\t/\* u16|KRG_COMM_A_PORT,\t\t/* u32|' "KRG_COMM_A_PORT is u16 in the spec"
tap_check "caught: a command missing from the header" broken cmd header \
	'/KRG_COMM_CMD_NODE_GET,/d' "entry 7 is KRG_COMM_CMD_NODE_GET in the spec"
tap_check "caught: an attribute only in the spec" broken extra spec \
	's/^      - { name: dropped, type: u64 }$/&\n      - { name: extra, type: u32 }/' \
	"spec has KRG_COMM_A_EXTRA (= 27), the header does not"
tap_check "caught: an enum entry renamed in the spec" broken enum spec \
	's/absent, present, online, leaving, failed/absent, present, online, leavin, failed/' \
	"KRG_NODE_LEAVIN in the spec"
tap_check "caught: a constant's value changed in the header" broken const header \
	's/#define KRG_COMM_DEFAULT_PORT\t7227/#define KRG_COMM_DEFAULT_PORT\t7228/' \
	"const default-port: KRG_COMM_DEFAULT_PORT is 7228, spec 7227"
tap_check "caught: the family name changed in the header" broken family header \
	's/#define KRG_COMM_GENL_NAME\t"krg_comm"/#define KRG_COMM_GENL_NAME\t"krg_com"/' \
	'family: #define KRG_COMM_GENL_NAME "krg_comm" expected'
tap_check "caught: a spec the reader cannot take (bad indentation)" broken indent spec \
	's/^      - { name: self, type: flag }/       - { name: self, type: flag }/' "cannot read"
tap_check "caught: an attribute numbered in the spec" broken value spec \
	's/^      - { name: pad, type: pad }/      - { name: pad, type: pad, value: 2 }/' \
	"KRG_COMM_A_PAD is 2 in the spec, 1 in the header"
tap_exit
