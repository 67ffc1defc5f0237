#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20 load/unload cycles of every project module on node 1 leave no growth in
# /proc/slabinfo.
#
# How growth is judged (see node_modules.sh slab:N for the sampling): after
# two warm-up cycles, the active objects of every slab cache are sampled
# after each cycle, with drop_caches and a per-cache "shrink" first so that
# SLUB's per-CPU slabs do not hide free objects.  Even so, SLUB's counts
# move by whole slabs from sample to sample: measured on stock 6.1 nodes,
# single samples swing by up to ~2.6 slabs (radix_tree_node 300<->336 with
# 14 objects per slab, kmalloc-96 2740..2898 with 42 per slab) while the
# median of 5 samples moved by at most 36 objects (radix_tree_node) and
# usually 0.  So a cache fails when the median of its last 5 samples exceeds
# the median of its first 5 by more than the larger of 3 slabs' worth of
# objects, twice the spread of its first 5 samples (its own noise) and 12.
# A leak of L objects per cycle raises that median by 16*L (and the first
# spread by only 4*L), so this catches any leak of >= 1 object per cycle in
# caches of <= 5 objects per slab (>= 700 B objects), >= 2 per cycle at
# 8-10 per slab (4 KiB, 2 KiB objects) and >= 12 per cycle for kmalloc-64;
# tiny-object leaks of a few objects per cycle in kmalloc-8..32 are below
# the noise.  A cache that
# exists only after the cycles (a module's kmem_cache not destroyed) fails
# outright.  A control run proves the sampling and the rule catch a real
# leak in this kernel: 10 tmpfs files a cycle must be flagged.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

CYCLES=20
mapfile -t order < <(krg_load_order)
[ "${#order[@]}" -gt 0 ] || die "no modules found under modules/krg_*/ (or no load order)"
tmp=$(mktemp -d)
trap 'nexec 1 --timeout 60 -- /krg/tests/modules/node_modules.sh clean "${order[@]}" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

tap_plan 4
t0=$(now_ms)
if nexec 1 --timeout 220 -- /krg/tests/modules/node_modules.sh clean "${order[@]}" >"$tmp/out" 2>&1 &&
	nexec 1 --timeout 220 -- /krg/tests/modules/node_modules.sh "slab:$CYCLES" "${order[@]}" \
		>"$tmp/out" 2>&1 && [ "$(awk '$1 == "S" { c = $2 } END { print c }' "$tmp/out")" = "$CYCLES" ]; then
	tap_ok "node1: $CYCLES load/unload cycles of all modules ($(( ($(now_ms) - t0) / 1000 )) s)"
else
	grep -v '^S ' "$tmp/out" | tail -n 20 | sed 's/^/# /'
	tap_fail "node1: $CYCLES load/unload cycles of all modules"
	tap_skip "no slab cache grows" "the cycles did not complete"
	tap_skip "no slab cache left behind" "the cycles did not complete"
	tap_skip "control: a known leak is flagged" "the cycles did not complete"
	tap_exit
fi

awk -v last="$CYCLES" -f "$KRG_TOP/tests/lib/slab-judge.awk" "$tmp/out" >"$tmp/verdict"
sed 's/^/# /' "$tmp/verdict"
if grep -q '^GROW' "$tmp/verdict"; then
	tap_fail "no slab cache grows over $CYCLES cycles"
else
	tap_ok "no slab cache grows over $CYCLES cycles"
fi
if grep -q '^NEW' "$tmp/verdict"; then
	tap_fail "no slab cache left behind"
else
	tap_ok "no slab cache left behind"
fi

# Control: the same sampling, with a known leak instead of module cycles.
if nexec 1 --timeout 120 -- /krg/tests/modules/node_modules.sh "slab-control:$CYCLES" "${order[@]}" \
	>"$tmp/control" 2>&1; then
	awk -v last="$CYCLES" -f "$KRG_TOP/tests/lib/slab-judge.awk" "$tmp/control" >"$tmp/cverdict"
fi
if grep -q '^GROW shmem_inode_cache ' "$tmp/cverdict" 2>/dev/null; then
	tap_ok "control: a known leak (10 tmpfs files a cycle) is flagged: $(grep '^GROW shmem' "$tmp/cverdict")"
else
	grep -v '^S ' "$tmp/control" | tail -n 5 | sed 's/^/# /'
	sed 's/^/# /' "$tmp/cverdict" 2>/dev/null
	tap_fail "control: a known leak (10 tmpfs files a cycle) is flagged"
fi
tap_exit
