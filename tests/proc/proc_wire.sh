#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed RPCs.  Node 4 leaves (krgadm node stop) and lends its identity
# to proc_wire.py, which authenticates to node 1 with the cluster key and
# calls krg_proc's service with forged messages: well-formed controls first
# (they must work, or nothing else means anything), then bad versions, ops,
# flags, lengths, short bodies (-EBADMSG), bad fields (an error), random,
# oversized, chunked and one-way messages (an answer).  Node 1 keeps
# serving (STATUS, its cluster process seen from node 2); node 4 rejoins.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4
victim=1 peer=4
cleanup_more() {
	every_node_sees "$(expected_states online)" 2>/dev/null || rejoin "$peer" >/dev/null 2>&1
}

tap_plan 6
proc_form || die "cluster with krg_proc did not form"
pid=$(on "$victim" 'pstart sleep 1000') || die "cannot start a process on node$victim"

not_online() { ! states_of "$victim" | grep -q " $peer:online"; }
tap_check "node$peer leaves (krgadm node stop)" \
	eval 'nexec $peer --timeout 60 -- krgadm node stop >/dev/null && wait_until 20 "node$peer gone" not_online'

out=$(nexec "$peer" --timeout 400 -- python3 "$PD/proc_wire.py" "$(node_addr "$victim")" "$peer" "$pid" 2>&1)
rc=$?
sed 's/^/# /' <<<"$out"
tap_check "forged well-formed requests (controls) are served: the envelope is right" \
	eval '[ "$(grep -c "^control: .*status 0," <<<"$out")" = 2 ]'
tap_check "forged malformed and hostile requests: each refused or answered as it should" \
	eval '[ $rc = 0 ] && ! grep -q WRONG <<<"$out" && grep -q "^control again: NODE_STAT.*status 0," <<<"$out"'

serving() {
	nexec "$victim" --timeout 20 -- $NL status | grep -q 'env_state=1 ' &&
		on "$victim" "! gone $pid" && ps_lines 2 | grep -q "^pid=$pid .*node=$victim "
}
tap_check "node$victim still serves: STATUS, its process alive and listed from node 2" serving
tap_check "node$peer rejoins" rejoin "$peer"
tap_check "node$peer's processes are listed from node 1 again" \
	eval 'p=$(on $peer "pstart sleep 1000") && ps_lines 1 | grep -q "^pid=$p .*node=$peer "'
tap_exit
