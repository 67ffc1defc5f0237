#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# On every node, in parallel: the installed modules are the tree's; a module
# whose dependencies are missing refuses to load; modprobe one by one in
# dependency order works and /sys/module/*/holders and /proc/modules show
# that order; a held module refuses rmmod; rmmod in reverse order leaves
# nothing (no debugfs directory either); modprobe of the top modules pulls
# the whole chain and modprobe -r removes it; the test modules (tests/*/)
# load on top of ours and carry all the test code.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

mapfile -t order < <(krg_load_order)
[ "${#order[@]}" -gt 0 ] || die "no modules found under modules/krg_*/ (or no load order)"
log "load order: ${order[*]}"
phases=(clean installed refuse-missing-deps load-in-order refuse-held-unload unload-reverse modprobe-chain
	test-modules)
tmp=$(mktemp -d)

cleanup() {
	local n
	for ((n = 1; n <= NODES; n++)); do
		nexec "$n" --timeout 60 -- /krg/tests/modules/node_modules.sh clean "${order[@]}" >/dev/null 2>&1 &
	done
	wait
	rm -rf "$tmp"
}
trap cleanup EXIT

# One node runs its phases in sequence, stopping at the first failure.
node_run() {
	local n=$1 p
	for p in "${phases[@]}"; do
		if nexec "$n" --timeout 90 -- /krg/tests/modules/node_modules.sh "$p" "${order[@]}" \
			>"$tmp/$n.$p" 2>&1; then
			echo pass >"$tmp/$n.$p.rc"
		else
			echo fail >"$tmp/$n.$p.rc"
			# Stale modules in the node are worth reporting, and the
			# load tests still mean something with them.
			[ "$p" = installed ] || return
		fi
	done
}

tap_plan $((NODES * ${#phases[@]}))
for ((n = 1; n <= NODES; n++)); do
	node_run "$n" &
done
wait
for ((n = 1; n <= NODES; n++)); do
	for p in "${phases[@]}"; do
		if [ ! -f "$tmp/$n.$p.rc" ]; then
			tap_skip "node$n $p" "an earlier phase failed"
			continue
		fi
		sed 's/^/# /' "$tmp/$n.$p"
		if [ "$(cat "$tmp/$n.$p.rc")" = pass ]; then
			tap_ok "node$n $p"
		else
			tap_fail "node$n $p"
		fi
	done
done
tap_exit
