# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of comm_events.sh: the notifier observer (krg_comm_nt) and
# krg_comm's debugfs view of membership events.  Source after
# tests/comm/lib.sh.

NT=/sys/kernel/debug/krg_comm_nt
EV=/sys/kernel/debug/kerrighed/krg_comm/events
SM=/sys/kernel/debug/kerrighed/krg_comm/state_machines
FF=/sys/kernel/debug/fail_function

debugfs_mount() {
	nexec "$1" -- sh -c 'mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug'
}

# nt_log N: the observer's log on node N ("seq prio event node"), in call order.
nt_log() { nexec "$1" -- cat "$NT/log" | sort -n; }

# events_field N NODE WHICH EVENT: a count of krg_comm's "events" file on
# node N for NODE (WHICH: recorded | delivered; EVENT: up leaving down failed).
events_field() {
	nexec "$1" -- cat "$EV" | awk -v n="$2" -v w="$3" -v e="$4" '
		$1 == "node" && $2 == n {
			for (i = 1; i <= NF; i++) {
				if ($i == "recorded" || $i == "delivered")
					part = $i
				else if (part == w && $i == e)
					print $(i + 1)
			}
		}'
}

# events_quiet N: node N has no event waiting for delivery.
events_quiet() {
	nexec "$1" -- cat "$EV" | awk '$1 == "node" && $6 != 0 { busy = 1 } END { exit busy }'
}

# counts_snapshot N: "NODE EVENT RECORDED DELIVERED" lines for every node.
counts_snapshot() {
	local n e
	for n in $(all_nodes); do
		for e in up leaving down failed; do
			echo "$n $e $(events_field "$1" "$n" recorded "$e") $(events_field "$1" "$n" delivered "$e")"
		done
	done
}

# fail_allocs N PERCENT: krg_comm's buffer allocations on node N fail with
# probability PERCENT (0: injection off).  Quiet: verbose reports would
# print call traces on the console, which the harness counts as failures.
fail_allocs() {
	local n=$1 p=$2
	if [ "$p" = 0 ]; then
		nexec "$n" -- sh -c "echo > $FF/inject"
		return
	fi
	nexec "$n" -- sh -c "echo 0 > $FF/verbose && echo 1 > $FF/interval &&
		echo -1 > $FF/times && echo $p > $FF/probability &&
		{ [ -d $FF/comm_buf_alloc ] || echo comm_buf_alloc > $FF/inject; }"
}

# word_check: reads "event" lines of one node, in order, from stdin and
# checks that they follow the membership state machine of the notifiers:
#   out --up--> in --leaving--> leaving --down--> out
#   in --failed--> out, leaving --failed--> out
# $1: the state before the first line (in | out).  Prints the final state
# ("in", "leaving" or "out"), or "bad: ..." and fails.
word_check() {
	awk -v s="$1" '
		{
			e = $1
			if (e == "up" && s == "out") s = "in"
			else if (e == "leaving" && s == "in") s = "leaving"
			else if (e == "down" && s == "leaving") s = "out"
			else if (e == "failed" && (s == "in" || s == "leaving")) s = "out"
			else { print "bad: " e " in state " s " (event " NR ")"; bad = 1; exit 1 }
		}
		END { if (!bad) print s }'
}
