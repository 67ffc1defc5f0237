#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The linearizability checker itself (host only): its self-tests on synthetic
# histories (linearizable ones pass, stale reads and inversions fail, failed
# writes may or may not have happened, clock bounds widen intervals, a
# 12,000-operation history is checked quickly, corrupt() makes a history
# fail), and its command line on a tiny history.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(python3 ./linearizability.py --selftest 2>&1)
rc=$?
echo "$out" | grep '^#' >&2
# its TAP lines become ours
echo "$out" | grep -E '^(not )?ok ' | sed -E 's/^(not )?ok [0-9]+ /\1ok 0 selftest: /' |
	while read -r line; do
		case $line in
		"not ok "*) tap_fail "${line#not ok 0 }" ;;
		*) tap_ok "${line#ok 0 }" ;;
		esac
	done >"$tmp/tap"
n=$(grep -c '' "$tmp/tap")
tap_plan $((n + 3))
cat "$tmp/tap"
_tap_n=$n
_tap_failed=$(grep -c '^not ok' "$tmp/tap")
_tap_passed=$((n - _tap_failed))
[ "$rc" = 0 ] || _tap_failed=$((_tap_failed + 1))

printf '# t\n1 0 0 W 11 0 10 ok\n2 0 0 R 11 20 30 ok\n' >"$tmp/good"
printf '1 0 0 W 11 0 10 ok\n1 0 0 W 12 11 12 ok\n2 0 0 R 11 20 30 ok\n' >"$tmp/bad"
printf '1 offset_ns=0 bound_ns=0\n2 offset_ns=-15 bound_ns=1\n' >"$tmp/clock"
tap_check "check: linearizable history exits 0" python3 ./linearizability.py check "$tmp/good"
python3 ./linearizability.py check "$tmp/bad" >"$tmp/bad.out" 2>&1
rc=$?
cat "$tmp/bad.out" >&2
tap_check "check: stale read exits 1 and names the object" \
	test "$rc" = 1 -a -n "$(grep 'object 0: NOT linearizable' "$tmp/bad.out")"
# node 2's clock is 15 ns ahead: its read really ran at 5..15, during the first
# write and before the second: linearizable only with the clock applied
python3 ./linearizability.py check --clock "$tmp/clock" "$tmp/bad" >&2
tap_check "check --clock: aligned history is linearizable" test $? = 0
tap_exit
