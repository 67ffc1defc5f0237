#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tests/run on fixture suites (tests/harness/fixtures/) with a fake
# vcluster: pass/fail/skip/timeout/TAP counting, kselftest_harness.h
# programs built by lib.mk, the environment given to scripts, the console
# scan, --reuse, cluster teardown on exit and on Ctrl-C, SUITE:TEST
# selection, and the closing line.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

FIX=$KRG_TOP/tests/harness/fixtures
RUN=$KRG_TOP/tests/run
work=$(mktemp -d)
trap 'rm -rf "$work"; make -s -C "$FIX/hostmix" clean; make -s -C "$FIX/clusterenv" clean' EXIT

export FAKE_STATE=$work/state KRG_TOP_REAL=$KRG_TOP EXPECT_CLUSTER=krgfix
mkdir -p "$FAKE_STATE"
# Never touch the real cluster tool, the real logs or the real build.
RUNNER=(env KRG_TESTS_DIR="$FIX" KRG_TEST_LOGS="$work/logs" VCLUSTER="$FIX/vcluster-fake"
	KRG_TEST_CLUSTER=krgfix "$RUN" --no-build)
runner() { "${RUNNER[@]}" "$@"; }

# expect_run NAME EXPECTED_RC EXPECTED_LAST_LINE ARGS...
expect_run() {
	local name=$1 want_rc=$2 want_last=$3 rc last
	shift 3
	runner "$@" >"$work/out" 2>&1
	rc=$?
	last=$(tail -n 1 "$work/out")
	if [ "$rc" = "$want_rc" ] && [ "$last" = "$want_last" ]; then
		tap_ok "$name"
	else
		sed 's/^/#   /' "$work/out"
		log "got exit $rc and '$last'; expected exit $want_rc and '$want_last'"
		tap_fail "$name"
	fi
}

# has NAME PATTERN: the last run's output matches PATTERN (grep -E).
has() {
	if grep -qE "$2" "$work/out"; then tap_ok "$1"; else tap_fail "$1"; log "no /$2/"; fi
}

tap_plan 31

# hostmix: pass.sh pass; skip.sh skip; tap.sh ok/not ok/skip; slow.sh timeout;
# planned.sh 1 of 3 planned; harness_fixture pass/fail/skip.
expect_run "host suite counts" 1 "4 passed, 4 failed, 3 skipped" hostmix
has "TAP subtest named suite:test:desc" '^not ok [0-9]+ hostmix:tap.sh:second$'
has "timeout reported" '^not ok [0-9]+ hostmix:slow.sh # timeout after 2s$'
has "missing planned results fail" '^not ok [0-9]+ hostmix:planned.sh # only 1 of 3 planned'
has "kselftest harness program parsed" '^not ok [0-9]+ hostmix:harness_fixture:global.fails$'
if grep -q ' up ' "$FAKE_STATE/calls" 2>/dev/null; then
	tap_fail "host-only run booted no cluster"
else
	tap_ok "host-only run booted no cluster"
fi

# clusterenv: env.sh checks the environment and plants a BUG line on node 2.
: >"$FAKE_STATE/calls"
expect_run "cluster suite counts and console scan" 1 "3 passed, 2 failed, 1 skipped" clusterenv
has "console hit named and printed" '^not ok [0-9]+ console-clean node2'
has "console line shown" 'BUG: kernel NULL pointer dereference \(fixture\)'
if grep -q '^krgfix up -n 2 --smp 1$' "$FAKE_STATE/calls" && grep -q '^krgfix down' "$FAKE_STATE/calls" &&
	[ ! -e "$FAKE_STATE/krgfix.nodes" ]; then
	tap_ok "booted the 2 nodes the suite asks for and brought them down"
else
	sed 's/^/#   /' "$FAKE_STATE/calls"
	tap_fail "booted the 2 nodes the suite asks for and brought them down"
fi

# Cluster shapes: suites with the same nodes= and smp= share one cluster;
# another shape gets a cluster of its own, after the first is down, and
# per-node results name their cluster.
: >"$FAKE_STATE/calls"
runner clusterenv clusterconfig >"$work/out" 2>&1
if [ "$(grep -c ' up ' "$FAKE_STATE/calls")" = 1 ] && grep -q '^krgfix up -n 2 --smp 1$' "$FAKE_STATE/calls"; then
	tap_ok "suites of one shape share a cluster"
else
	sed 's/^/#   /' "$FAKE_STATE/calls"
	tap_fail "suites of one shape share a cluster"
fi
: >"$FAKE_STATE/calls"
expect_run "suites of another shape: a cluster each, counted" 1 "5 passed, 2 failed, 1 skipped" clusterenv clustersmp
if [ "$(grep -E '^krgfix (up|down)' "$FAKE_STATE/calls" | sed 's/ *$//' | uniq | tr '\n' '|')" = \
	"krgfix down|krgfix up -n 2 --smp 1|krgfix down|krgfix up -n 1 --smp 2 --no-build|krgfix down|" ] &&
	grep -qE '^not ok [0-9]+ console-clean node2 2x1' "$work/out" &&
	grep -qE '^ok [0-9]+ console-clean node1 1x2' "$work/out" && grep -qE '^ok [0-9]+ clustersmp:shape.sh' "$work/out"; then
	tap_ok "one cluster after the other, results named by cluster"
else
	sed 's/^/#   /' "$FAKE_STATE/calls" "$work/out"
	tap_fail "one cluster after the other, results named by cluster"
fi

# shared_fs=1: the cluster gets "vcluster shared-fs" once, before the first
# suite that asks (clustershared checks it has it), not before the others.
: >"$FAKE_STATE/calls"
expect_run "shared_fs=1: the suite runs with the shared file system" 0 "3 passed, 0 failed, 0 skipped" clustershared
# With a suite before it in the same cluster: that one runs without it.
: >"$FAKE_STATE/calls"
runner clusterenv clustershared >"$work/out" 2>&1
first_exec=$(grep -n '^krgfix exec' "$FAKE_STATE/calls" | head -n 1 | cut -d: -f1)
sfs=$(grep -n '^krgfix shared-fs' "$FAKE_STATE/calls" | cut -d: -f1)
if [ "$(wc -w <<<"$sfs")" = 1 ] && [ -n "$first_exec" ] && [ "$first_exec" -lt "$sfs" ] &&
	grep -qE '^ok [0-9]+ clustershared:sfs.sh' "$work/out"; then
	tap_ok "shared-fs asked once, when the first suite that needs it comes"
else
	sed 's/^/#   /' "$FAKE_STATE/calls" "$work/out"
	tap_fail "shared-fs asked once, when the first suite that needs it comes"
fi

# --reuse: an old BUG line from before the run is not this run's failure,
# and the cluster is neither booted nor stopped.
VCLUSTER_NAME=dev "$FIX/vcluster-fake" up -n 2 >/dev/null
echo "BUG: old, before this run" >>"$FAKE_STATE/dev.log1"
: >"$FAKE_STATE/calls"
EXPECT_CLUSTER=dev EXPECT_NODES=2 expect_run "--reuse counts only this run's console" 1 \
	"3 passed, 2 failed, 1 skipped" --reuse dev clusterenv
if ! grep -qE '^dev (up|down)' "$FAKE_STATE/calls" && [ -e "$FAKE_STATE/dev.nodes" ]; then
	tap_ok "--reuse neither boots nor stops the cluster"
else
	tap_fail "--reuse neither boots nor stops the cluster"
fi

# Interrupted in the middle of a test: the cluster still goes down, one
# closing line.  (SIGTERM: bash starts background jobs with SIGINT ignored,
# so Ctrl-C cannot be simulated from here; both signals take the same path.)
: >"$FAKE_STATE/calls"
rm -f "$FAKE_STATE/slow.started"
"${RUNNER[@]}" clusterslow >"$work/out" 2>&1 &
rpid=$!
if wait_until 20 "the slow fixture to start" test -e "$FAKE_STATE/slow.started"; then
	kill -TERM "$rpid"
fi
t0=$(now_ms)
wait "$rpid"
rc=$?
if [ "$rc" -ne 0 ] && [ $(($(now_ms) - t0)) -lt 15000 ] &&
	tail -n 1 "$work/out" | grep -qE '^[0-9]+ passed, [1-9][0-9]* failed, [0-9]+ skipped$' &&
	grep -q '^krgfix down' "$FAKE_STATE/calls"; then
	tap_ok "interrupt: cluster down, failure counted, closing line"
else
	sed 's/^/#   /' "$work/out"
	tap_fail "interrupt: cluster down, failure counted, closing line (rc $rc)"
fi
if wait_until 10 "the interrupted test's process to go" bash -c '! pgrep -x -f "sleep 50"'; then
	tap_ok "interrupt: the running test was killed"
else
	tap_fail "interrupt: the running test was killed"
fi

# A suite's config file is checked against the nodes' kernel configuration.
if [ -r "/usr/src/linux-headers-$("$KRG_TOP/scripts/kabi" 2>/dev/null)/.config" ]; then
	expect_run "config option missing from the kernel fails the suite" 1 \
		"3 passed, 1 failed, 0 skipped" clusterconfig
else
	tap_skip "config option missing from the kernel fails the suite" "no kernel headers .config"
fi

# The slab growth rule of tests/modules/slab_cycles.sh on synthetic samples:
# SLUB-like noise (bimodal, whole-slab swings) passes; a leak of 2 objects a
# cycle in a 8-per-slab cache, of 1 a cycle in a 5-per-slab cache, and a
# cache that appears, fail.
slab_samples() {	# slab_samples LEAK(0|1)
	local c
	for ((c = 0; c <= 20; c++)); do
		echo "S $c radix_tree_node $((c % 3 ? 336 : 300)) 576 14"
		echo "S $c kmalloc-96 $(( (c * 7) % 5 == 0 ? 2740 : 2856 + (c % 2) * 42 )) 96 42"
		echo "S $c kmalloc-16 $((c ? 1354 : 1294)) 16 256"
		echo "S $c big $((100 + $1 * 2 * c)) 4096 8"
		echo "S $c mid $((50 + $1 * c)) 1024 5"
		[ "$1" = 1 ] && [ "$c" = 20 ] && echo "S $c leftover 3 64 64"
	done
	return 0
}
slab_samples 0 | awk -v last=20 -f "$KRG_TOP/tests/lib/slab-judge.awk" >"$work/judge"
if grep -qE '^(GROW|NEW)' "$work/judge"; then
	sed 's/^/#   /' "$work/judge"; tap_fail "slab judge: noise alone passes"
else
	tap_ok "slab judge: noise alone passes"
fi
slab_samples 1 | awk -v last=20 -f "$KRG_TOP/tests/lib/slab-judge.awk" >"$work/judge"
if [ "$(grep -cE '^GROW (big|mid) |^NEW leftover ' "$work/judge")" = 3 ] &&
	[ "$(grep -cE '^(GROW|NEW)' "$work/judge")" = 3 ]; then
	tap_ok "slab judge: small leaks and a new cache fail"
else
	sed 's/^/#   /' "$work/judge"; tap_fail "slab judge: small leaks and a new cache fail"
fi

# All good: exit 0.  Unknown suite: usage error.
expect_run "all passing: exit 0" 0 "1 passed, 0 failed, 0 skipped" hostgood
expect_run "unknown suite is an error" 2 "tests/run: no suite 'nosuch' (no tests/nosuch/Makefile)" nosuch
runner --list hostmix >"$work/out" 2>&1
has "--list shows tests" '^  hostmix:slow.sh \(script\)$'

# SUITE:TEST: only the named tests (".sh" may be left out), in the suite's
# order; a whole suite named as well wins; an unknown test is an error.
expect_run "SUITE:TEST runs only those tests" 1 "2 passed, 1 failed, 1 skipped" hostmix:tap.sh hostmix:pass
if grep -qE 'hostmix:(harness_fixture|skip|slow|planned)' "$work/out" ||
	[ "$(sed -nE 's/^ok ([0-9]+) hostmix:(pass.sh|tap.sh:first).*/\1/p' "$work/out" | tr '\n' ' ')" != "1 2 " ]; then
	sed 's/^/#   /' "$work/out"
	tap_fail "SUITE:TEST: nothing else ran, suite order kept"
else
	tap_ok "SUITE:TEST: nothing else ran, suite order kept"
fi
expect_run "SUITE and SUITE:TEST: the whole suite runs" 1 "4 passed, 4 failed, 3 skipped" hostmix:skip hostmix
expect_run "unknown test is an error" 2 \
	"tests/run: suite 'hostmix' has no test 'nosuch'; its tests: harness_fixture pass.sh skip.sh tap.sh slow.sh planned.sh" \
	hostmix:nosuch
# A cluster suite's C program alone: the cluster boots, env.sh (which plants
# a console BUG line) does not run.
: >"$FAKE_STATE/calls"
expect_run "SUITE:TEST of a cluster suite" 1 "3 passed, 1 failed, 1 skipped" clusterenv:harness_fixture
runner --list hostmix:slow hostgood >"$work/out" 2>&1
if [ "$(grep -c '^  ' "$work/out")" = 2 ] && grep -q '^  hostmix:slow.sh (script)$' "$work/out" &&
	grep -q '^  hostgood:ok.sh (script)$' "$work/out"; then
	tap_ok "--list SUITE:TEST lists only that test"
else
	sed 's/^/#   /' "$work/out"
	tap_fail "--list SUITE:TEST lists only that test"
fi
tap_exit
