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

# where_is PID: "dump=N ps=N here=H": the node this node's PS dump and
# "krg -j ps" say PID runs on, and its PID here if it runs on this node
# (has_pid), else "absent".
where_is() {
	_d=$($NL ps | grep "^pid=$1 " | tr ' ' '\n' | sed -n 's/^node=//p')
	_k=$("$KRG" -j ps | python3 -c 'import json, sys
for p in json.load(sys.stdin)["processes"]:
    if int(p["pid"]) == int(sys.argv[1]):
        print(p["node"])' "$1")
	_h=$(has_pid "$1") || _h=absent
	echo "dump=$_d ps=$_k here=$_h"
}
