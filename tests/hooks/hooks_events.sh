#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact hook counts with the test consumer registered for every hook: forks,
# execs, exits, frees, a SIGKILLed child, syscall skip and deferred override,
# the five remote-signal syscalls, /proc readdir and lookup, children whose
# parent is "on another node" (core patch: exit taken over, reported by the
# wait hook), caps in sysfs, nothing intercepted outside the cluster PID
# namespace, and krg_hooks on the backend the kernel calls for: core iff it
# has the core patch (hook_events.c).  Then "krgadm check" shows the backend
# and every hook's state.
set -u
. "$(dirname "$0")/hooks_lib.sh"

# krgadm_check_hooks: with the consumer loaded (no cluster namespace set),
# "krgadm check -j" (run without krg_comm: it then exits 2) has the backend
# row and one row per hook, each "ready" and used by krg_hooks_test, the
# core-only ones unavailable on stock.
krgadm_check_hooks() {
	local core=0 json
	nexec 1 -- grep -qw krg_core_hooks_register /proc/kallsyms && core=1
	# Exit code 2 (degraded) here: krg_comm is not loaded.
	json=$(nexec 1 -- krgadm check -j)
	[ -n "$json" ] || { log "krgadm check printed nothing"; return 1; }
	CORE=$core python3 -c '
import json, os, sys
core = os.environ["CORE"] == "1"
rows = {r["check"]: r for r in json.load(sys.stdin)["checks"]}
bad = []
def want(name, status, detail):
    r = rows.get(name)
    if not r or r["status"] != status or r["detail"] != detail:
        bad.append("%s: want %s / %s, got %s" % (name, status, detail, r))
want("hooks backend", "core" if core else "stock",
     "core patch entry points" if core else "stock kernel: tracepoints, kprobe, ftrace")
stock = {"task_new": "tracepoint", "fork_post": "tracepoint", "exec_post": "tracepoint",
         "exit": "tracepoint", "free": "tracepoint", "signal_remote": "sys_enter",
         "syscall": "sys_enter", "pid_range": "kprobe", "proc_readdir": "ftrace",
         "proc_lookup": "ftrace"}
core_only = ["fork_pre", "anon_fault", "notify_parent", "wait"]
via_core = ["pid_range", "proc_readdir", "proc_lookup"]
for h, mech in stock.items():
    want("hook " + h, "ready", ("core" if core and h in via_core else mech) +
         ", consumer krg_hooks_test")
for h in core_only:
    if core:
        want("hook " + h, "ready", "core, consumer krg_hooks_test")
    else:
        want("hook " + h, "unavailable", "none")
n = sum(1 for k in rows if k.startswith("hook "))
if n != len(stock) + len(core_only):
    bad.append("%d hook rows" % n)
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)
' <<<"$json"
}

tap_plan 5
hooks_run_prog 1 120 hook_events
hooks_node_setup 1 && nexec 1 -- modprobe krg_hooks_test || die "modprobe krg_hooks_test failed"
tap_check "krgadm check shows the backend and every hook" krgadm_check_hooks
tap_check "consumer and krg_hooks unload after krgadm check" hooks_unload 1
tap_exit
