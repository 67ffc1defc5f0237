#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel's modules are built with their known-answer self-tests
# (KRG_SELFTEST=1, tools/vcluster): on every node krg_comm must carry them
# (modinfo krg_selftest) and say they passed when it loads.  A module whose
# self-test fails does not load at all, which fails this too.  Skips where
# the modules are built without them (Debian's kernel).
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
tags=$(nexec 1 -- modinfo -F krg_selftest krg_comm 2>/dev/null)
if [ -z "$tags" ]; then
	case $(nexec 1 -- uname -r) in
	*-krgdbg) die "the debug kernel's krg_comm has no self-tests (KRG_SELFTEST=1 missing from the test bed's build)" ;;
	esac
	skip "krg_comm is built without self-tests (make KRG_SELFTEST=1; the debug kernel has them)"
fi
trap comm_reset EXIT

tap_plan "$NODES"
comm_reset
for n in $(all_nodes); do
	nexec "$n" -- dmesg -C
	if ! nexec "$n" --timeout 60 -- modprobe krg_comm; then
		nexec "$n" -- dmesg | grep krg_comm | sed 's/^/# /'
		tap_fail "node $n: krg_comm refused to load"
		continue
	fi
	line=$(nexec "$n" -- dmesg | grep 'krg_comm: self-tests:')
	log "node $n: $line"
	case $line in
	*"self-tests: pass"*) tap_ok "node $n: krg_comm self-tests pass ($tags)" ;;
	*) tap_fail "node $n: krg_comm self-tests did not report a pass" ;;
	esac
done
tap_exit
