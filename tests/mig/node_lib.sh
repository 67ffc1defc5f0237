# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the migration suite that run INSIDE a node (sourced by lib.sh's
# "on N SCRIPT"; POSIX sh), on top of tests/proc's (pstart, as_user, env_procs,
# gone, ...).

. /krg/tests/proc/node_lib.sh

# has_pid PID: a process of this node's cluster environment, not a zombie,
# has the cluster PID PID; prints its PID on the node.  Read from the node's
# side (/proc/<pid>/status NSpid), independent of krg_proc's views.
has_pid() {
	for _h in $(env_procs); do
		_ns=$(sed -n 's/^NSpid:.*[[:space:]]\([0-9][0-9]*\)$/\1/p' "/proc/$_h/status" 2>/dev/null)
		[ "$_ns" = "$1" ] || continue
		[ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$_h/status")" = Z ] && continue
		echo "$_h"
		return 0
	done
	return 1
}
