#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A parent that stays on node 1 and its child moved to node 2
# (mig_family.c): the moved child's getppid() is still the parent; when it
# exits with status 7 there, the parent's waitpid() says exited 7 and its
# SIGCHLD handler got CLD_EXITED, status 7, from the child's PID; a second
# child, moved and killed by SIGTERM on node 2, is seen signaled 15
# (CLD_KILLED).  And "krg run" (its parent outside the cluster, on node 1)
# exits with the status 7 of its command that moved to node 2.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 5
node2=$(nexec 2 -- uname -n)

# child_says NAME PATTERN: NAME's child said a line matching PATTERN (ERE).
child_says() { sfs_read "$D/$1.child.out" | grep -Eq "$2"; }
# family NAME: starts mig_family; sets parent and child (PIDs).
family() {
	parent=$(start 1 "$1" "$MD/mig_family" "$D/$1.child.out") || return 1
	wait_until 30 "$1's child to start" child_says "$1" "^child pid=" || return 1
	child=$(out_of "$1" | sed -n 's/^parent pid=[0-9]* child=\([0-9]*\)$/\1/p')
	log "$1: parent $parent, child $child"
	[ -n "$child" ]
}

family fam1 || die "mig_family did not start"
P1=$parent C1=$child
tap_check "child $C1 of a parent on node 1 moved 1->2: krg migrate exits 0, runs on node 2" \
	eval 'migrated 1 "$C1" 2 && runs_on "$C1" 2'
ppid_kept() {
	sig USR2 "$C1" && wait_until 20 "the child to report from node 2" \
		child_says fam1 "^child pid=$C1 ppid=[0-9]+ node=$node2$" || return 1
	log "child: $(sfs_read "$D/fam1.child.out" | tr '\n' ';')"
	child_says fam1 "^child pid=$C1 ppid=$P1 node=$node2$"
}
tap_check "moved child: getppid() is still $P1, its parent on node 1" ppid_kept
# parent_saw NAME LINE...: NAME's parent printed exactly these lines after its first.
parent_saw() {
	local name=$1 got want
	shift
	wait_until 30 "$name's parent to return from waitpid" has_out "$name" '^sigchld ' || return 1
	got=$(out_of "$name" | tail -n +2)
	want=$(printf '%s\n' "$@")
	[ "$got" = "$want" ] && return 0
	log "$name's parent printed: $(tr '\n' ';' <<<"$got") want: $(tr '\n' ';' <<<"$want")"
	return 1
}
tap_check "child exits 7 on node 2: the parent's waitpid says exited 7, SIGCHLD CLD_EXITED status 7" \
	eval 'sig USR1 "$C1" && parent_saw fam1 "waited pid=$C1 exited=7" \
		"sigchld code=CLD_EXITED status=7 pid=$C1 count=1"'

family fam2 || die "the second mig_family did not start"
C2=$child
tap_check "second child moved 1->2 and killed by SIGTERM there: waitpid signaled 15, CLD_KILLED" \
	eval 'migrated 1 "$C2" 2 && runs_on "$C2" 2 && sig TERM "$C2" &&
		parent_saw fam2 "waited pid=$C2 signaled=15" "sigchld code=CLD_KILLED status=15 pid=$C2 count=1"'

# krg run's own status, written by the shell that ran it on node 1.
krg_run_status() {
	local p
	# the inner shell's $0 is mig_block, $1 the folder
	on 1 'setsid sh -c "MIG_LOG=\$1/krgrun.out $KRG run -- \"\$0\" --exit 7 pause </dev/null \
		>>\"\$1/krgrun.stdout\" 2>&1; echo status=\$? >\"\$1/krgrun.status\"" "$1" "$2" \
		</dev/null >/dev/null 2>&1 &' "$MD/mig_block" "$D" || return 1
	wait_until 30 "krg run's command to start" has_out krgrun '^blocked pause' || return 1
	p=$(out_of krgrun | sed -n 's/^ready pid=\([0-9]*\) .*/\1/p')
	migrated 1 "$p" 2 && runs_on "$p" 2 && sig USR1 "$p" || return 1
	wait_until 30 "krg run to exit" eval 'sfs_read "$D/krgrun.status" | grep -q status=' || return 1
	log "krg run: $(sfs_read "$D/krgrun.status"); its command: $(out_of krgrun | tr '\n' ';')"
	[ "$(sfs_read "$D/krgrun.status")" = status=7 ] && has_out krgrun "^return 1 .* node=$node2 "
}
tap_check "krg run on node 1 exits 7 when its command, moved to node 2, exits 7" krg_run_status
tap_exit
