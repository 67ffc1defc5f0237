#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node asked to leave while it runs cluster processes: "krgadm nodes del
# -n 4" from node 1 refuses, its message names them, nothing changes (node 4
# online, its processes alive); LEAVE_CHECK answers EBUSY the same way.
# Node 3 with no cluster process leaves at once.  With --kill, node 4's
# processes are killed and it leaves; they are gone from every view.  Both
# nodes rejoin.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4
busy=4 idle=3
cleanup_more() {
	if ! every_node_sees "$(expected_states online)" 2>/dev/null; then
		rejoin "$busy" >/dev/null 2>&1
		rejoin "$idle" >/dev/null 2>&1
	fi
}

tap_plan 9
proc_form || die "cluster with krg_proc did not form"
proc_clean
pids=$(on "$busy" 'for i in 1 2 3; do pstart sleep 904$i; done' | tr '\n' ' ')
log "node$busy runs $pids"
[ "$(wc -w <<<"$pids")" = 3 ] || die "cannot start processes on node$busy"

online_on_1() { states_of 1 | grep -q " $1:online"; }
names_one() {	# names_one TEXT: TEXT names one of the PIDs
	local p
	for p in $pids; do grep -q "\b$p\b" <<<"$1" && return 0; done
	return 1
}
out=$(nexec 1 --timeout 60 -- krgadm nodes del -n "$busy" 2>&1)
rc=$?
log "krgadm nodes del -n $busy: rc=$rc: $out"
tap_check "krgadm nodes del -n $busy refuses while it runs cluster processes" test "$rc" != 0
tap_check "... and its message names them" names_one "$out"
tap_check "... and nothing changed: node$busy online, its processes alive" \
	eval 'online_on_1 $busy && on $busy "! gone $pids" && on $busy "\$KRG run -- kill -0 $pids"'
out=$(nexec 1 --timeout 30 -- $NL leave "$busy" 2>&1)
log "LEAVE_CHECK $busy: $out"
tap_check "LEAVE_CHECK of node$busy: EBUSY naming a process" \
	eval 'grep -q "^error=EBUSY " <<<"$out" && names_one "$out"'

tap_check "krgadm nodes del -n $idle (no cluster process) succeeds" \
	eval 'nexec 1 --timeout 60 -- krgadm nodes del -n $idle && wait_until 20 "node$idle gone" eval "! online_on_1 $idle"'

t0=$(now_ms)
out=$(nexec 1 --timeout 60 -- krgadm nodes del -n "$busy" --kill 2>&1)
rc=$?
log "krgadm nodes del -n $busy --kill: rc=$rc in $(($(now_ms) - t0)) ms: $out"
tap_check "krgadm nodes del -n $busy --kill succeeds, node$busy leaves" \
	eval '[ $rc = 0 ] && wait_until 20 "node$busy gone" eval "! online_on_1 $busy"'
gone_everywhere() {
	local p
	ps_lines 1 | grep -q "node=$busy " && { log "PS dump still lists node$busy"; return 1; }
	on 1 "gone $pids" && on 2 "gone $pids" || return 1
	for p in $pids; do
		on 1 '$KRG run -- ls /proc' | grep -qx "$p" && { log "/proc lists $p"; return 1; }
	done
	return 0
}
tap_check "its processes are gone from node 1's and node 2's views" gone_everywhere
tap_check "node$idle rejoins" rejoin "$idle"
tap_check "node$busy rejoins" rejoin "$busy"
tap_exit
