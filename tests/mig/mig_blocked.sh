#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Processes blocked in a system call while they move (mig_block.c).
# nanosleep(30 s) and FUTEX_WAIT (30 s timeout, on a word that keeps its
# value) move 1 -> 2 -> 1 while blocked, so that start and end are read on
# one clock: the call returns neither early (before 30 s) nor later than
# 30 s plus the time the moves took (an EINTR is allowed, as after a signal
# handler, if it gives the time left; the program then sleeps that).
# pause() and sigsuspend() move 1 -> 2 and are still blocked there; a
# SIGUSR1 then runs the handler once and the call returns EINTR once;
# sigsuspend's temporary mask was in force on node 2 and the old mask (with
# SIGUSR1 blocked) is back after it returned.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 8
S=30000		# ms: both moves with their checks (about 5 s each on TCG nodes) fit

NS=$(start 1 ns "$MD/mig_block" nanosleep "$S") && FX=$(start 1 fx "$MD/mig_block" futex "$S") ||
	die "cannot start the sleepers"
blocked() { has_out "$1" "^blocked "; }
wait_until 30 "nanosleep and futex to block" eval 'blocked ns && blocked fx' ||
	die "not blocked: $(out_of ns | tr '\n' ';') $(out_of fx | tr '\n' ';')"
PA=$(start 1 pa "$MD/mig_block" pause) && SS=$(start 1 ss "$MD/mig_block" sigsuspend) ||
	die "cannot start the waiters"
log "nanosleep $NS, futex $FX, pause $PA, sigsuspend $SS"

# there_and_back NAME PID: 1 -> 2 (still blocked there) -> 1; sets moved_ms.
there_and_back() {
	local name=$1 pid=$2
	moved_ms=0
	migrated 1 "$pid" 2 && runs_on "$pid" 2 || return 1
	moved_ms=$mig_ms
	if has_out "$name" '^done '; then
		log "$name returned on node 2 before the move back: $(out_of "$name" | tr '\n' ';')"
		return 1
	fi
	migrated 2 "$pid" 1 && runs_on "$pid" 1 || return 1
	moved_ms=$((moved_ms + mig_ms))
}
tap_check "nanosleep(${S} ms): moved 1->2->1 while it slept, still asleep on node 2" there_and_back ns "$NS"
ns_moved=$moved_ms
tap_check "FUTEX_WAIT (${S} ms): moved 1->2->1 while it waited, still waiting on node 2" there_and_back fx "$FX"
fx_moved=$moved_ms

# in_time NAME MOVED_MS ERRNO [FIRST_ERRNOS]: NAME's call ended with ERRNO
# after S ms at least and S + MOVED_MS + 1000 at most (read on node 1's
# clock at both ends); its first return was one of FIRST_ERRNOS (ERE) or
# EINTR, and then rem was the time left (give or take the move and the
# other node's clock: 1.5 s).
in_time() {
	local name=$1 moved=$2 want=$3 first=${4:-0} out t f fe ft rem
	wait_until $(((S + moved) / 1000 + 20)) "$name to return" has_out "$name" '^done ' || return 1
	out=$(out_of "$name")
	log "$name: $(tr '\n' ';' <<<"$out") (moves took $moved ms)"
	t=$(sed -n 's/^done elapsed_ms=\([0-9]*\) .*/\1/p' <<<"$out")
	grep -q "^done .* errno=$want\b" <<<"$out" || { log "$name: want errno=$want"; return 1; }
	[ "$t" -ge $((S - 20)) ] || { log "$name returned early: $t ms"; return 1; }
	[ "$t" -le $((S + moved + 1000)) ] || { log "$name returned late: $t ms"; return 1; }
	f=$(grep '^first ' <<<"$out")
	fe=$(sed -n 's/.* errno=\([A-Z0-9]*\) .*/\1/p' <<<"$f")
	[[ $fe =~ ^($first|EINTR)$ ]] || { log "$name: first return $fe"; return 1; }
	if [ "$fe" = EINTR ] && [[ $f == *rem_ms=* ]]; then
		ft=$(sed -n 's/.* elapsed_ms=\([0-9]*\).*/\1/p' <<<"$f")
		rem=$(sed -n 's/.* rem_ms=\([0-9]*\).*/\1/p' <<<"$f")
		[ $((ft + rem - S)) -le $((moved + 1500)) ] && [ $((ft + rem - S)) -ge -1500 ] ||
			{ log "$name: EINTR after $ft ms with $rem ms left, of $S"; return 1; }
	fi
}
tap_check "nanosleep: returned 0 after ${S} ms, neither early nor later than the moves took" \
	in_time ns "$ns_moved" 0 0
tap_check "FUTEX_WAIT: ETIMEDOUT after ${S} ms, word intact (no EAGAIN), not early, not late" \
	eval 'in_time fx "$fx_moved" ETIMEDOUT ETIMEDOUT && has_out fx "word=0x5a5a5a5a$"'

# still_blocked NAME PID: moved 1 -> 2, runs there, has not returned.
still_blocked() {
	wait_until 30 "$1 to block" blocked "$1" || return 1
	migrated 1 "$2" 2 && runs_on "$2" 2 || return 1
	! has_out "$1" '^return ' || { log "$1 returned: $(out_of "$1" | tr '\n' ';')"; return 1; }
}
# woke_once NAME PID WANT: SIGUSR1 makes NAME's call return exactly once,
# with the line WANT.
woke_once() {
	local out
	sig USR1 "$2" && wait_until 20 "$1 to return" has_out "$1" '^return ' || return 1
	out=$(out_of "$1" | grep '^return ')
	log "$1: $out"
	[ "$out" = "$3" ]
}
node2=$(nexec 2 -- uname -n)
tap_check "pause(): moved 1->2, still blocked there" still_blocked pa "$PA"
tap_check "pause(): SIGUSR1 on node 2: handler once, pause returned EINTR once" \
	woke_once pa "$PA" "return 1 rc=-1 errno=EINTR usr1=1 node=$node2 mask_usr1=0 extras=-"
tap_check "sigsuspend(): moved 1->2, still blocked there" still_blocked ss "$SS"
tap_check "sigsuspend(): SIGUSR1 (blocked, not in the temporary mask) handled once, EINTR, SIGUSR1 blocked again" \
	woke_once ss "$SS" "return 1 rc=-1 errno=EINTR usr1=1 node=$node2 mask_usr1=1 extras=-"
tap_exit
