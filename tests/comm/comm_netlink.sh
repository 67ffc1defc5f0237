#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The krg_comm netlink family (and the test module's krg_comm_test):
# unprivileged users may read but every mutating operation fails with EPERM;
# malformed requests fail with EINVAL and an extack message saying why; the
# production family has no test command.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
trap 'comm_reset' EXIT

tap_plan 5
comm_reset
comm_start 1 || die "cannot start krg_comm on node 1"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
bad=0
# CLUSTER_SET PEER_SET PEER_DEL NODE_ADD NODE_DEL, and krg_comm_test's RUN,
# each well formed.
while read -r req; do
	out=$(nexec 1 --timeout 30 -- $NOBODY "$KC" raw $req 2>&1)
	case $out in
	errno=1\ *) ;;
	*) bad=1; log "as nobody: raw $req: $out" ;;
	esac
done <<'EOF2'
2 7:u32:1000
3 3:u32:2 4:u32:33565194
4 3:u32:2
5 3:u32:1
6 3:u32:1
@krg_comm_test 1 2:u32:1 3:u32:1
EOF2
for args in "add 1" "timeout 1000"; do
	out=$(nexec 1 --timeout 30 -- $NOBODY "$KC" $args 2>&1)
	case $out in
	*"Operation not permitted"*) ;;
	*) bad=1; log "as nobody: krgcomm $args: $out" ;;
	esac
done
[ $bad = 0 ] && tap_ok "non-root: every mutating operation gets EPERM" ||
	tap_fail "non-root mutating operations"

out=$(nexec 1 --timeout 30 -- $NOBODY "$KC" nodes 2>&1) && echo "$out" | grep -q "^1 present" &&
	tap_ok "non-root can read the node list" || { log "$out"; tap_fail "non-root read"; }

# raw [@FAMILY] CMD ATTR:TYPE:VALUE...; every one must be refused with EINVAL
# (ERANGE) + message.  Numbers from include/uapi/linux/krg_comm.h and
# tests/include/krg_comm_test.h.
bad=0
while read -r what req; do
	out=$(kc 1 raw $req 2>&1)
	case $out in
	"errno=22 msg="?* | "errno=34 msg="?*) ;;
	*) bad=1; log "$what: $out" ;;
	esac
done <<'EOF2'
timeout-below-minimum 2 7:u32:5
timeout-above-maximum 2 7:u32:30001
node-id-out-of-range 5 3:u32:999
unknown-attribute 5 200:u32:1
attribute-not-for-this-op 5 2:u32:16
attribute-beyond-the-last 5 27:u32:1
key-too-short 2 6:bin:00112233445566778899aabbccddeeff00112233445566778899aabbccddee
node-set-too-long 5 13:bin:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
node-set-empty 5 13:bin:00
peer-set-missing-address 3 3:u32:2
u32-too-short 5 3:u16:1
test-op-invalid @krg_comm_test 1 2:u32:99 3:u32:1
test-op-missing @krg_comm_test 1 5:u32:99 3:u32:1
no-node-given 5
EOF2
[ $bad = 0 ] && tap_ok "malformed requests: EINVAL/ERANGE with an extack message" ||
	tap_fail "malformed requests"

# TEST_RUN (10) was krg_comm's until the test service left for its module.
out=$(kc 1 raw 10 2>&1)
case $out in
"errno=95 msg="*) tap_ok "krg_comm has no test command (10: EOPNOTSUPP)" ;;
*) log "$out"; tap_fail "krg_comm has no test command" ;;
esac

out=$(kc 1 raw 2 2:u32:2 2>&1)
case $out in
"errno=16 msg="?*) tap_ok "identity change while configured: EBUSY with a message" ;;
*) log "$out"; tap_fail "identity change" ;;
esac
tap_exit
