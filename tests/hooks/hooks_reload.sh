#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20 modprobe/rmmod cycles of krg_hooks + the test consumer (every hook
# registered and firing) during a fork/exec/exit storm on 2 vCPUs: no crash,
# no kernel warning, every syscall result of the storm legal, modules gone.
#
# Meant for nodes with 2 vCPUs ("smp=2" in settings; vcluster up --smp 2).
# On a 1-vCPU node it still runs (preemption races remain) and says so.
set -u
. "$(dirname "$0")/hooks_lib.sh"

CYCLES=${HOOKS_RELOAD_CYCLES:-20}
storm_pid=

cleanup() {
	if [ -n "$storm_pid" ]; then
		nexec 1 -- touch /tmp/hooks_storm.stop >/dev/null 2>&1
		wait "$storm_pid" 2>/dev/null
	fi
}
trap cleanup EXIT

ncpu=$(nexec 1 -- nproc) || die "cannot reach node 1"
[ "$ncpu" -ge 2 ] || log "node 1 has only $ncpu vCPU: running on it anyway (the test is meant for 2)"

tap_plan 5
hooks_node_setup 1 || die "cannot reset the hook modules"
nexec 1 -- rm -f /tmp/hooks_storm.pid /tmp/hooks_storm.stop
mark=$(hooks_klog_mark 1)

# The storm: one worker per vCPU (at least 2), bounded by its own deadline.
nexec 1 --timeout 900 -- "$HOOKS_DIR/hook_storm" /tmp/hooks_storm.pid \
	/tmp/hooks_storm.stop 840 $((ncpu > 2 ? ncpu : 2)) >"${TMPDIR:-/tmp}/hooks_storm.$$" 2>&1 &
storm_pid=$!
wait_until 60 "the storm started" nexec 1 -- test -s /tmp/hooks_storm.pid ||
	die "the storm did not start"
ns_pid=$(nexec 1 -- cat /tmp/hooks_storm.pid)

nexec 1 --timeout 840 -- /krg/tests/hooks/reload_cycles.sh "$CYCLES" "$ns_pid" 2>&1 |
	sed 's/^/# /'
tap_check "$CYCLES load/unload cycles during the storm" [ "${PIPESTATUS[0]}" -eq 0 ]

nexec 1 -- touch /tmp/hooks_storm.stop
wait "$storm_pid"
rc=$?
storm_pid=
sed 's/^/# /' "${TMPDIR:-/tmp}/hooks_storm.$$"
rm -f "${TMPDIR:-/tmp}/hooks_storm.$$"
tap_check "the storm saw only legal results" [ "$rc" -eq 0 ]
tap_check "no hook module left loaded" nexec 1 -- sh -c '! grep -q "^krg_hooks" /proc/modules'
tap_check "no kernel warning" hooks_klog_clean 1 "$mark"
tap_check "node still answers" nexec 1 -- true
tap_exit
