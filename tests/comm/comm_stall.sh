#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node that was itself stalled does not blame its peers.  Node 1's QEMU is
# stopped for 3 s (vcluster pause: what an overloaded host does to a VM),
# with a 1 s failure timeout on node 1 and 10 s on the others.  When node 1
# runs again, every peer looks silent for over 3 s, but their frames wait in
# its receive queues: it must say it was stalled, judge nobody until they are
# read, and keep every peer online.  (The failure a CI run hit: node 1 of a
# debug cluster, on a host running eight QEMUs, declared the three others
# failed while they all still saw it online.)
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
others=$(seq 2 "$NODES")
trap 'comm_reset' EXIT

tap_plan 4
comm_form || die "cluster did not form"
kc 1 timeout 1000 || die "cannot set node 1's failure timeout"
for n in $others; do kc "$n" timeout 10000 || die "cannot set node$n's failure timeout"; done
nexec 1 --timeout 30 -- dmesg -C

vc pause 1 3 || die "cannot pause node 1"

stall_line() { nexec 1 --timeout 30 -- dmesg | grep "this node was stalled for"; }
wait_until 30 "node 1 to report its stall" stall_line >/dev/null
line=$(stall_line | head -n 1)
ms=$(echo "$line" | sed -n 's/.*stalled for \([0-9]*\) ms.*/\1/p')
if [ -n "$ms" ] && [ "$ms" -ge 2500 ]; then
	tap_ok "node 1 saw its own stall ($ms ms for a 3 s pause)"
else
	log "node 1: '$line'"
	tap_fail "node 1 reports its stall"
fi

# Judgement resumes two heartbeats (400 ms) after the stall: look once node
# 1's clock is 2 s past its report, so that a wrong judgement would show.
stamp=$(echo "$line" | sed -n 's/^\[ *\([0-9]*\)\..*/\1/p')
past() { [ "$(nexec 1 --timeout 30 -- cut -d. -f1 /proc/uptime)" -ge $((stamp + 2)) ]; }
[ -n "$stamp" ] && wait_until 30 "node 1's clock 2 s past the stall" past

failed=$(nexec 1 --timeout 30 -- dmesg | grep "declared failed")
[ -z "$failed" ] && SEERS=1 all_see online $others &&
	tap_ok "node 1 declared no peer failed and sees them all online" ||
	{ log "node 1: ${failed:-no failure logged}"; kc 1 nodes | sed "s/^/# node1: /"; tap_fail "no peer blamed"; }
SEERS="$others" all_see online 1 && tap_ok "every peer still sees node 1 online" ||
	tap_fail "peers see node 1 online"
out=$(kc 1 test echo 2 4096 20 2>&1) && tap_ok "calls from node 1 work after the stall" ||
	{ log "$out"; tap_fail "calls after the stall"; }
tap_exit
