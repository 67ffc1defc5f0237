#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# krg run at a real terminal (pty_job.py drives a pseudo-terminal in the
# node): Ctrl-C (SIGINT to the foreground process group, which is the
# cluster command's) ends it with status 130; from an interactive bash,
# Ctrl-Z stops the job (the cluster process is in state T, bash gets the
# terminal back), fg resumes it in the foreground, Ctrl-C ends it.  The
# cluster process is gone afterwards.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 3

tap_plan 14
proc_form || die "cluster with krg_proc did not form"

# run_pty NODE MODE: pty_job.py MODE in NODE, its steps as TAP results.
run_pty() {
	local n=$1 mode=$2 out line pid
	out=$(on "$n" --timeout 120 'python3 $PD/pty_job.py "$1" "$KRG"' "$mode" 2>&1)
	log "node$n $mode: $(tr '\n' ';' <<<"$out")"
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_ok "node$n $mode: ${line#ok }" ;;
		"FAIL "*) tap_fail "node$n $mode: ${line#FAIL }" ;;
		esac
	done <<<"$out"
	pid=$(sed -n 's/^pid=//p' <<<"$out")
	if [ -n "$pid" ]; then
		tap_check "node$n $mode: the cluster process $pid is in node$n's slice and gone" \
			eval 'in_slice "$pid" "$n" && on "$n" "gone $pid"'
	else
		tap_fail "node$n $mode: no cluster process started"
	fi
}
run_pty 2 ctrlc
run_pty 3 jobctl
tap_exit
