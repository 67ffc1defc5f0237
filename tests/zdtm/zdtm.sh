#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CRIU's zdtm static tests (an external suite, built by build-zdtm into
# build/zdtm/) around live migration, in three modes per test:
#   base   started under "krg run" on node 1, checked without moving
#   1-2    moved to node 2 (krg migrate), checked there
#   1-2-1  moved to node 2 and back to node 1, checked there
# Each test runs in its own folder of the shared file system (/cluster), as
# zdtm.py runs it (root for "suid" tests, else an unprivileged uid): it
# starts, moves, gets SIGTERM and must write PASS as the last line of its
# .out file within the deadline (zdtm_node.sh, inside node 1).
#
# Results: pass; refused (krg migrate said "Error: <reason>." and the test
# still passed where it stayed: TAP "ok ... # refused: <reason>"); fail
# (anything else: no start, a move that failed otherwise, the process gone,
# no .out in time, FAIL in .out: TAP "not ok" with the evidence).
#
# Baseline failures: a test whose baseline fails is "not ok" (a test of the
# list must pass on one node under krg run; if not, the single process
# space broke it, or the test bed cannot host it and the list must say
# so), and its migrated modes, run all the same and shown in the table,
# are reported "# SKIP baseline failed": a move cannot be judged against a
# failing baseline.  A list line "NAME ~ REASON" marks a test the test bed
# is known not to host (e.g. what NFS lacks): its baseline failure is
# "# SKIP REASON" instead (and if it passes, that is noted).  So the run
# fails exactly when a baseline fails unexpectedly or a test whose
# baseline passed fails after a move.
#
# Environment: KRG_ZDTM_LIST (reduced, the default, for make check; full
# for make check-zdtm), KRG_ZDTM_JOBS (tests run at once in node 1,
# default 3), KRG_ZDTM_ONLY (space-separated names: only those of the list).
# The log ends with per-mode counts and a per-test table.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

LIST=${KRG_ZDTM_LIST:-reduced}
JOBS=${KRG_ZDTM_JOBS:-3}
CMDS=$KRG_TOP/build/zdtm/$LIST.cmds
LISTF=$KRG_TOP/tests/zdtm/$LIST.list
MODES=(base 12 121)
declare -A MODE_NAME=([base]=base [12]=1-2 [121]=1-2-1)

[ -f "$KRG_TOP/build/zdtm/build-failed" ] &&
	die "the zdtm tests did not build: $(tail -n 1 "$KRG_TOP/build/zdtm/build-failed")"
[ -f "$CMDS" ] || die "$CMDS missing: make -C tests/zdtm KRG_ZDTM_LIST=$LIST"
mig_setup 2
t_all=$(now_ms)

declare -A known=()	# NAME -> why the test bed cannot host it
while read -r n reason; do
	known[$n]=$reason
done < <(sed -n 's/^[[:space:]]*\([^#![:space:]][^[:space:]]*\)[[:space:]]*~[[:space:]]*\(.*\)$/\1 \2/p' "$LISTF")

mapfile -t lines <"$CMDS"
if [ -n "${KRG_ZDTM_ONLY:-}" ]; then
	mapfile -t lines < <(printf '%s\n' "${lines[@]}" | grep -E "^($(tr ' ' '|' <<<"$KRG_ZDTM_ONLY")) ")
fi
[ "${#lines[@]}" -gt 0 ] || die "no test to run"
log "zdtm: ${#lines[@]} tests of $LIST.list, modes ${MODES[*]}, $JOBS at once, in $D"
tap_plan $(( ${#lines[@]} * ${#MODES[@]} ))

# report NAME: its result file turned into TAP lines and table rows.
declare -A res=()	# NAME:MODE -> pass|refused|fail
declare -A count=()	# MODE:KIND -> n
report() {
	local name=$1 f=$tmp/$1.res m kind secs detail base line
	for m in "${MODES[@]}"; do
		line=$(grep -m1 "^R $m " "$f")
		read -r _ _ kind secs detail <<<"$line"
		if [ -z "$line" ]; then
			kind=fail secs=0
			detail="no result from node 1: $(grep -v '^R ' "$f" | tail -n 3 | tr '\n' ' ')"
		fi
		res[$name:$m]=$kind
		count[$m:$kind]=$(( ${count[$m:$kind]:-0} + 1 ))
		base=${res[$name:base]}
		local tn="$name:${MODE_NAME[$m]}"
		if [ "$m" = base ] && [ "$kind" = fail ] && [ -n "${known[$name]:-}" ]; then
			tap_skip "$tn" "${known[$name]} (${secs}s: $detail)"
		elif [ "$m" = base ] && [ "$kind" != fail ] && [ -n "${known[$name]:-}" ]; then
			tap_ok "$tn # ${secs}s (listed as not hosted: ${known[$name]}; it passed)"
		elif [ "$m" != base ] && [ "$base" = fail ]; then
			tap_skip "$tn" "baseline failed; here: $kind${detail:+: $detail}"
		elif [ "$kind" = pass ]; then
			tap_ok "$tn # ${secs}s"
		elif [ "$kind" = refused ]; then
			tap_ok "$tn # refused: $detail"
		else
			tap_fail "$tn # ${secs}s: $detail"
		fi
	done
}

# Up to JOBS tests at once, each one exec in node 1 running its three modes.
declare -A job=()	# shell PID -> NAME
run_test() {	# run_test "NAME KIND ARGS..."
	local name kind
	read -r name kind args <<<"$1"
	# shellcheck disable=SC2086
	nexec 1 --timeout 600 -- bash /krg/tests/zdtm/zdtm_node.sh "$D" "$name" "$kind" \
		"$(IFS=,; echo "${MODES[*]}")" $args >"$tmp/$name.res" 2>&1
}
for line in "${lines[@]}"; do
	while [ "${#job[@]}" -ge "$JOBS" ]; do
		wait -n -p done_pid "${!job[@]}"
		report "${job[$done_pid]}"
		unset "job[$done_pid]"
	done
	run_test "$line" &
	job[$!]=${line%% *}
done
while [ "${#job[@]}" -gt 0 ]; do
	wait -n -p done_pid "${!job[@]}"
	report "${job[$done_pid]}"
	unset "job[$done_pid]"
done

# The end of the log: counts per mode, one row per test, node evidence.
{
	echo "zdtm $LIST.list: ${#lines[@]} tests in $(( ($(now_ms) - t_all) / 1000 )) s ($JOBS at once)"
	for m in "${MODES[@]}"; do
		printf '%-6s passed %3d  refused %3d  failed %3d\n' "${MODE_NAME[$m]}" \
			"${count[$m:pass]:-0}" "${count[$m:refused]:-0}" "${count[$m:fail]:-0}"
	done
	printf '%-32s %-8s %-8s %-8s %s\n' test base 1-2 1-2-1 "why (refusal or failure)"
	for line in "${lines[@]}"; do
		n=${line%% *}
		why=$(grep -v '^R [0-9a-z]* pass ' "$tmp/$n.res" | sed -n 's/^R \([0-9a-z]*\) [a-z]* [0-9]* \(.*\)/\1: \2/p' |
			head -n 1 | cut -c1-160)
		printf '%-32s %-8s %-8s %-8s %s\n' "$n" "${res[$n:base]}" "${res[$n:12]}" "${res[$n:121]}" "$why"
	done
} | sed 's/^/# /'
if [ "$_tap_failed" -gt 0 ]; then
	for n in 1 2; do
		log "node$n kernel messages of Kerrighed (last 40):"
		nexec "$n" --timeout 30 -- sh -c 'dmesg | grep -iE "krg|kerrighed|migrat|ghost" | tail -n 40' 2>&1 |
			sed "s/^/#   node$n: /"
	done
fi
tap_exit
