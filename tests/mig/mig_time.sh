#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A process's clocks and interval timer across moves (mig_clock.c).
# The periodic one starts in a time namespace whose clocks are 100,000 s
# ahead of node 1's (unshare -T), so a move that let it read the target's
# own clocks would take them back by more than a day: after 1->2->3->1 no
# reading of CLOCK_MONOTONIC or CLOCK_BOOTTIME went back, none jumped ahead
# by more than a move took, and they are still 100,000 s ahead.  Its
# ITIMER_REAL, every 100 ms, fires again after every move with its interval,
# and never more often than its period allows (a copy left firing on a node
# would add alarms).  A one-shot ITIMER_REAL of 600 s, moved the same way
# from outside any time namespace, keeps the time it had left: neither
# reset nor disarmed.  A POSIX timer on the CPU-time clock and
# ITIMER_VIRTUAL are refused with their reasons (tests/mig/mig_ptimers.sh
# moves the others).
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 8
AHEAD_MS=100000000		# the namespace's offset, in ms

# reports_past NAME N: NAME said more than N "clock" lines.
reports_past() { [ "$(out_of "$1" | grep -c '^clock ')" -gt "$2" ]; }
# report NAME PID: PID's next "clock" line, its fields as r_<field>.
report() {
	local before line kv
	before=$(out_of "$1" | grep -c '^clock ')
	sig USR2 "$2" || return 1
	wait_until 20 "$1 to report" reports_past "$1" "$before" || return 1
	line=$(out_of "$1" | grep '^clock ' | tail -n 1)
	log "$1: $line"
	for kv in ${line#clock }; do
		[[ $kv =~ ^[a-z_]+=[-A-Za-z0-9_.]*$ ]] && declare -g "r_${kv%%=*}=${kv#*=}"
	done
}
# alarms_after N: the periodic process's alarm count went past N.
alarms_after() { report clk "$P" && [ "$r_alarms" -gt "$1" ]; }

start 1 clk unshare -T --fork --monotonic 100000 --boottime 100000 "$MD/mig_clock" periodic 100 \
	>/dev/null || die "cannot start mig_clock periodic"
P=$(ready_pid clk) && [ -n "$P" ] || die "mig_clock periodic did not start: $(out_of clk | tr '\n' ';')"
start 1 one "$MD/mig_clock" oneshot 600 >/dev/null || die "cannot start mig_clock oneshot"
Q=$(ready_pid one) && [ -n "$Q" ] || die "mig_clock oneshot did not start"
q0=$(now_ms)
report clk "$P" || die "no report from $P"
[ "$r_mono_ms" -ge "$AHEAD_MS" ] || die "unshare -T did not put $P's clocks ahead (mono_ms=$r_mono_ms)"

hops_ok=1 fired=1 max_mig=0
for hop in "1 2" "2 3" "3 1"; do
	set -- $hop
	if ! migrated "$1" "$P" "$2" || ! runs_on "$P" "$2" || ! migrated "$1" "$Q" "$2"; then
		hops_ok=0
		break
	fi
	[ "$mig_ms" -gt "$max_mig" ] && max_mig=$mig_ms
	report clk "$P" || { fired=0; break; }
	n=$r_alarms
	wait_until 20 "alarms on node $2" alarms_after "$n" && [ "$r_interval_ms" = 100 ] || fired=0
done
tap_check "periodic and one-shot timers moved 1->2->3->1" test $hops_ok = 1
tap_check "ITIMER_REAL every 100 ms fired again after each move, interval kept" test $fired = 1
report clk "$P" || die "no report from $P at the end"
tap_check "no reading of CLOCK_MONOTONIC or CLOCK_BOOTTIME went back (back=$r_back)" test "$r_back" = 0
tap_check "the clocks are still 100,000 s ahead of node 1's (mono_ms=$r_mono_ms boot_ms=$r_boot_ms)" \
	eval '[ "$r_mono_ms" -ge "$AHEAD_MS" ] && [ "$r_boot_ms" -ge "$AHEAD_MS" ]'
tap_check "no step forward longer than a move took (largest step ${r_max_step_ms} ms, slowest move ${max_mig} ms)" \
	test "$r_max_step_ms" -le $((max_mig + 3000))
allowed=$(( (r_mono_ms - r_armed_mono_ms) / 100 + 1 ))
tap_check "no more alarms than the period allows ($r_alarms of at most $allowed)" \
	test "$r_alarms" -le "$allowed"

kept() {
	report one "$Q" || return 1
	local elapsed=$(($(now_ms) - q0))
	log "one-shot: ${r_value_ms} ms left after ${elapsed} ms"
	[ "$r_value_ms" -gt 0 ] && [ "$r_value_ms" -lt 600000 ] &&
		[ "$r_value_ms" -ge $((600000 - elapsed - 2000)) ] && [ "$r_interval_ms" = 0 ]
}
tap_check "one-shot ITIMER_REAL of 600 s kept the time it had left over 1->2->3->1" kept

refusals() {
	local R V
	start 1 px "$MD/mig_clock" cputimer 600 >/dev/null && R=$(ready_pid px) && [ -n "$R" ] || return 1
	start 1 vt "$MD/mig_clock" virtual 600 >/dev/null && V=$(ready_pid vt) && [ -n "$V" ] || return 1
	refused "$R" 2 'POSIX timer 0 runs on a CPU-time clock \(-6\), which does not move' &&
		refused "$V" 2 'CPU-time interval timer' &&
		runs_on "$R" 1 && runs_on "$V" 1
}
tap_check "a CPU-time POSIX timer and ITIMER_VIRTUAL are refused with their reasons, the processes stay" refusals
tap_exit
