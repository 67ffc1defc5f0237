#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a node: CYCLES times, load the test consumer (which pulls in
# krg_hooks), make the PID namespace of STORM_PID the cluster namespace with
# a PID range, wait until every kind of hook has fired for the storm, then
# remove the consumer and krg_hooks.  Usage: reload_cycles.sh CYCLES STORM_PID
set -u
. /krg/tests/lib/krg.sh

cycles=$1
storm=$2
D=/sys/kernel/debug/krg_hooks_test

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# all_fired: every counter the storm drives is non-zero.
all_fired() {
	awk '$1 ~ /^(task_new|fork_post|exec_post|exit|free|signal_remote|sys_skip|sys_defer|pid_range)$/ && $2 == 0 { z = 1 }
	     END { exit z }' "$D/counts"
}

for ((i = 1; i <= cycles; i++)); do
	t0=$(now_ms)
	modprobe krg_hooks_test || die "cycle $i: modprobe krg_hooks_test failed"
	echo "$storm" >"$D/ns" || die "cycle $i: cannot set the cluster namespace"
	echo "5000 5100" >"$D/range" || die "cycle $i: cannot set the PID range"
	wait_until 60 "cycle $i: every hook fired" all_fired ||
		die "cycle $i: hooks did not fire: $(tr '\n' ' ' <"$D/counts")"
	counts=$(awk '{ printf "%s=%s ", $1, $2 }' "$D/counts")
	rmmod krg_hooks_test || die "cycle $i: rmmod krg_hooks_test failed"
	stats=$(awk '{ printf "%s=%s ", $1, $2 }' /sys/kernel/debug/kerrighed/krg_hooks/stats 2>/dev/null)
	rmmod krg_hooks || die "cycle $i: rmmod krg_hooks failed"
	! grep -q '^krg_hooks' /proc/modules || die "cycle $i: a module stayed loaded"
	echo "cycle $i: $(($(now_ms) - t0)) ms, consumer: $counts; krg_hooks: $stats"
done
