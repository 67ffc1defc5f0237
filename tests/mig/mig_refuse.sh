#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What krg migrate must refuse, with exit 1 and one line "Error: <reason>."
# naming the reason: a process holding a pipe, one holding a terminal (a
# pty), one without CAN_MIGRATE (krg caps -e -CAN_MIGRATE), root's process
# asked by krguser, a target node that is not in the cluster, a node
# number out of range, a PID nobody has.  krguser may move its own process
# (the control).  After the refusals every process still runs on node 1
# and nowhere else, its pause() returns once for one SIGUSR1 and its pipe
# and pty work.  A process with a live child moves from its home node (its
# child stays with its home task, mig_parent.sh): on node 2, its
# waitpid(WNOHANG) still finds the child alive.
# (Multi-threaded processes move: mig_threads.sh.)
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 11

names=(pipe pty nocap root)
declare -A pid=()
for n in "${names[@]}"; do
	case $n in
	pipe|pty) opt=--$n ;;
	*) opt= ;;
	esac
	pid[$n]=$(start 1 "$n" "$MD/mig_block" $opt pause) || die "cannot start $n"
done
pid[own]=$(start 1 -u own "$MD/mig_block" pause) || die "cannot start krguser's process"
pid[child]=$(start 1 child "$MD/mig_block" --child pause) || die "cannot start the parent"
all_blocked() {
	local n
	for n in "${names[@]}" own child; do has_out "$n" '^blocked pause' || { log "$n: $(out_of "$n")"; return 1; }; done
}
wait_until 30 "every process to wait in pause()" all_blocked || die "the processes did not start"
log "PIDs: $(for n in "${names[@]}" own child; do printf '%s=%s ' "$n" "${pid[$n]}"; done)"
nexec 1 --timeout 30 -- krg caps -k "${pid[nocap]}" -e -CAN_MIGRATE || die "krg caps -e -CAN_MIGRATE failed"
gone_pid=$(nexec 1 --timeout 30 -- krg run -- sh -c 'echo $$')

tap_check "a pipe on an fd: refused, naming the pipe" refused "${pid[pipe]}" 2 'pipe|fifo'
tap_check "a terminal (pty) on an fd: refused, naming it" refused "${pid[pty]}" 2 'terminal|tty|pty|ptmx|/dev/pts'
tap_check "a live child: the parent moves from its home node 1 to 2" \
	eval 'migrated 1 "${pid[child]}" 2 && runs_on "${pid[child]}" 2'
tap_check "without CAN_MIGRATE: refused, naming the capability" refused "${pid[nocap]}" 2 'can_migrate|capabilit'
tap_check "krguser moving root's process: refused, naming the permission" \
	refused "${pid[root]}" 2 'permi|not allowed|may not|signal|own' 1 user
tap_check "target node 9, not in the cluster: refused, naming the node" refused "${pid[root]}" 9 'node|online'
tap_check "target node 100000 (out of range): refused" refused "${pid[root]}" 100000 'node|range|invalid'
tap_check "PID $gone_pid, which exited: refused, no such process" \
	refused "$gone_pid" 2 'no such process|no cluster process|not found|exist'

own_moves() {
	migrated 1 "${pid[own]}" 2 "user" && runs_on "${pid[own]}" 2
}
tap_check "krguser moving its own process to node 2: done (the control)" own_moves

# unchanged: every refused process runs on node 1 only, and one SIGUSR1
# makes its pause() return once, with what it holds intact.
unchanged() {
	local n want node1 rc=0 out all=() there
	node1=$(nexec 1 -- uname -n)
	for n in "${names[@]}"; do all+=("${pid[$n]}"); done
	all_on 1 "${all[@]}" || rc=1
	there=$(for n in 2 3; do on "$n" 'for p; do has_pid "$p" >/dev/null && echo "$p"; done' "${all[@]}"; done)
	[ -z "$there" ] || { log "on node 2 or 3 too: $there"; rc=1; }
	sig USR1 "${all[@]}" || return 1
	for n in "${names[@]}"; do
		case $n in
		pipe|pty) want="$n=ok" ;;
		*) want=- ;;
		esac
		wait_until 20 "$n to return from pause()" has_out "$n" '^return ' || { rc=1; continue; }
		out=$(out_of "$n" | grep '^return ')
		[ "$out" = "return 1 rc=-1 errno=EINTR usr1=1 node=$node1 mask_usr1=0 extras=$want" ] ||
			{ log "$n: $out"; rc=1; }
	done
	return $rc
}
tap_check "after the refusals: each still runs on node 1 only, pause() returns once, pipe/pty intact" \
	unchanged
child_alive() {
	local out want="return 1 rc=-1 errno=EINTR usr1=1 node=$(nexec 2 -- uname -n) mask_usr1=0 extras=child=ok"
	sig USR1 "${pid[child]}" &&
		wait_until 20 "the parent to return from pause()" has_out child '^return ' || return 1
	out=$(out_of child | grep '^return ')
	[ "$out" = "$want" ] && return 0
	log "child: $out; want: $want"
	return 1
}
tap_check "the moved parent on node 2: waitpid(WNOHANG) finds its child alive (child=ok)" child_alive
tap_exit
