#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact hook counts with the test consumer registered for every hook: forks,
# execs, exits, frees, a SIGKILLed child, syscall skip and deferred override,
# the five remote-signal syscalls, /proc readdir and lookup, caps in sysfs,
# nothing intercepted outside the cluster PID namespace, and krg_hooks on the
# backend the kernel calls for: core iff it has the core patch (hook_events.c).
set -u
. "$(dirname "$0")/hooks_lib.sh"

tap_plan 3
hooks_run_prog 1 120 hook_events
tap_exit
