#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Under a fork storm, new PIDs of the cluster PID namespace stay in the range
# the consumer sets while an ordinary PID namespace is untouched (pid_range.c).
set -u
. "$(dirname "$0")/hooks_lib.sh"

tap_plan 3
hooks_run_prog 1 240 pid_range 1500
tap_exit
