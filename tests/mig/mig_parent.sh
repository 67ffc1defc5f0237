#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A parent that moves while its children stay (mig_parent.c): wait4,
# waitpid and waitid (WNOHANG, WNOWAIT, WUNTRACED, WCONTINUED, P_PID,
# P_ALL, rusage), SIGCHLD with its si_code and status, and ECHILD, as on
# one machine.  The program runs twice on node 1: once without moving, and
# that run must print the expected lines; once moved 1->2 while blocked in
# waitpid() (from home: its four children stay with its home task), 2->3 (on
# from a node that is not its home), a move refused while a child it
# forked on node 3 lives there (only the home node keeps a moved process's
# children), then 3->1 while it is blocked in waitpid() for its last child
# (home again: that child is its own again, and its exit ends the wait).
# Both runs must print the same lines.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 6

expected='step A waiting for c0
step A waitpid(c0): c0 exited 3
step sigchld CLD_EXITED c0 status=3
step B waitpid(c1, WUNTRACED): c1 stopped 19
step sigchld CLD_STOPPED c1 status=19
step B waitpid(c1, WCONTINUED): c1 continued
step sigchld CLD_CONTINUED c1 status=18
step C waitid(c2, WNOHANG): none - status=0 signo=0
step C waitid(c2, WNOWAIT): c2 CLD_KILLED status=15 signo=17
step sigchld CLD_KILLED c2 status=15
step C waitid(P_ALL): c2 CLD_KILLED status=15 signo=17
step D forked c4
step E waitpid(-1): c4 exited 7
step sigchld CLD_EXITED c4 status=7
step F wait4(-1): c1 exited 4
step F rusage plausible
step sigchld CLD_EXITED c1 status=4
step G waiting for c3
step G waitpid(c3): c3 exited 6
step sigchld CLD_EXITED c3 status=6
step G wait() again: No child processes'

# paused NAME N: NAME said "pause N".
paused() { has_out "$1" "^pause $2\$"; }
# go NAME PID N: once NAME paused at N, let it go on.
go() { wait_until 30 "$1 to pause at $3" paused "$1" "$3" && sig USR1 "$2"; }
# steps_are NAME TEXT: once NAME is done, its step lines are TEXT.
steps_are() {
	local got
	wait_until 60 "$1 to finish" has_out "$1" '^done$' || { log "$1: $(out_of "$1" | tr '\n' ';')"; return 1; }
	got=$(out_of "$1" | grep '^step ')
	[ "$got" = "$2" ] && return 0
	diff <(echo "$2") <(echo "$got") | sed 's/^/#   /'
	return 1
}

stays() {
	local p
	start 1 ref "$MD/mig_parent" >/dev/null && p=$(ready_pid ref) || return 1
	wait_until 30 "ref to wait for c0" has_out ref '^step A waiting' &&
		sig USR1 "$(out_of ref | sed -n 's/^ready .* children=\([0-9]*\),.*/\1/p')" &&
		go ref "$p" 2 && go ref "$p" 3 &&
		wait_until 30 "ref to wait for c3" has_out ref '^step G waiting' &&
		sig USR1 "$(out_of ref | sed -n 's/^ready .* children=.*,//p')" && steps_are ref "$expected"
}
tap_check "a parent that stays on node 1: waits and SIGCHLDs as expected" stays

start 1 mov "$MD/mig_parent" >/dev/null && P=$(ready_pid mov) || die "mig_parent did not start"
kids=$(out_of mov | sed -n 's/^ready .* children=//p' | tr ',' ' ')
log "parent $P, children $kids"
c0=${kids%% *} c3=${kids##* }
tap_check "moved 1->2 while blocked in waitpid(c0); its children stay on node 1" \
	eval 'wait_until 30 "the parent to wait for c0" has_out mov "^step A waiting" && migrated 1 "$P" 2 &&
		runs_on "$P" 2 && all_on 1 $kids && sig USR1 "$c0"'
tap_check "moved on 2->3 after steps A-C (waits at its home task)" \
	eval 'wait_until 30 "the parent to pause" paused mov 2 && migrated 1 "$P" 3 && runs_on "$P" 3 &&
		sig USR1 "$P"'
tap_check "with a child it forked on node 3, a move is refused: children on a node not its home" \
	eval 'wait_until 30 "the parent to pause" paused mov 3 &&
		refused "$P" 1 "has children on a node that is not its home" && runs_on "$P" 3 && sig USR1 "$P"'
tap_check "moved home 3->1 while blocked in waitpid(c3), after steps E-F (its own child and one at home)" \
	eval 'wait_until 30 "the parent to wait for c3" has_out mov "^step G waiting" && migrated 3 "$P" 1 &&
		runs_on "$P" 1 && sig USR1 "$c3"'
tap_check "the parent that moved saw what the one that stayed saw" steps_are mov "$expected"
tap_exit
