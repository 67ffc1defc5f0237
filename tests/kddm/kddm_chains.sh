#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding chains stay short while ownership migrates: every node runs
# INCs on random objects among 1,000 and on one hot object at the same time,
# then each node's SET_GET is read.
#
# What the protocol guarantees (Documentation/kddm-protocol.md): requests
# follow probable-owner hints (Li & Hudak) and a request forwarded
# 2 x KRG_MAX_NODES times fails with ELOOP.  Hints form a tree rooted at the
# owner that only changes towards newer owners, so a request crosses each
# other node at most once while ownership stands still: at most NODES - 1
# forwards (KDDM_CHAIN_BOUND overrides).  We assert that bound, no failed
# operation (so no ELOOP), and that the counters agree with each other:
#   - the longest chain an operation reported (HOPS) <= the largest CHAIN_MAX;
#   - for k >= 1, operations that reported k hops <= requests served after k
#     hops (CHAIN_HIST summed over nodes): each such operation got its grant
#     from one such request;
#   - requests served (sum of CHAIN_HIST) <= requests sent (REMOTE_REQS), and
#     sum of k x CHAIN_HIST[k] <= FORWARDS (every hop is one forward);
#   - CHAIN_MAX is the last non-empty histogram bucket on every node.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
KDDM_SLICE=3
BOUND=${KDDM_CHAIN_BOUND:-$((NODES - 1))}
WIDE_OPS=${KDDM_CHAINS_WIDE_OPS:-3000}
HOT_OPS=${KDDM_CHAINS_HOT_OPS:-1500}
tmp=$(mktemp -d)
trap 'destroy_sets; rm -rf "$tmp"' EXIT

tap_plan 8
kddm_form || die "cluster with krg_kddm did not form"
new_set W 64 || die "cannot create a set"
new_set H 64 || die "cannot create a set"

# Both workloads at once on every node.
rc=0
KC_TIMEOUT=900 together "$tmp" wide loop "$W" 1000 "$WIDE_OPS" inc 7 &
wpid=$!
KC_TIMEOUT=900 together "$tmp" hot loop "$H" 1 "$HOT_OPS" inc 0 || rc=1
wait "$wpid" || rc=1
tap_check "INCs on 1000 objects and on a hot object from every node, none failed" test $rc = 0
tap_check "hot object counts every increment" \
	test "$(read_on 1 "$H" 0)" = $((NODES * HOT_OPS))

# chain_report SET NAME: log the histogram and check one set; sets gmax
# (largest CHAIN_MAX), omax (largest per-operation HOPS) and summary_ok.
chain_report() {
	local set=$1 name=$2 n line cm hist fw rr i k
	local -a tot=(0 0 0 0 0 0 0 0) ops=(0 0 0 0 0 0 0 0)
	local sfw=0 srr=0 served=0 weighted=0
	gmax=0 omax=0 summary_ok=1
	for n in $(all_nodes); do
		line=$(kc "$n" sets "$set")
		cm=$(field "$line" chain_max)
		hist=$(field "$line" chain_hist)
		fw=$(field "$line" forwards)
		rr=$(field "$line" remote_reqs)
		log "$name node$n: chain_max=$cm chain_hist=$hist forwards=$fw remote_reqs=$rr"
		[ -n "$cm" ] && [ -n "$hist" ] || { log "$name node$n: no chain statistics"; summary_ok=0; continue; }
		[ "$cm" -gt "$gmax" ] && gmax=$cm
		sfw=$((sfw + fw))
		srr=$((srr + rr))
		i=0
		local last=0
		for k in ${hist//,/ }; do
			tot[i]=$((tot[i] + k))
			[ "$k" -gt 0 ] && last=$i
			i=$((i + 1))
		done
		if [ "$cm" -lt 7 ] && [ "$last" != "$cm" ] && [ "$hist" != 0,0,0,0,0,0,0,0 ]; then
			log "$name node$n: CHAIN_MAX $cm but the last non-empty bucket is $last"
			summary_ok=0
		fi
	done
	for n in $(all_nodes); do
		i=0
		for k in $(field "$(cat "$tmp/$name.$n")" hops_hist | tr ',' ' '); do
			ops[i]=$((ops[i] + k))
			i=$((i + 1))
		done
		k=$(field "$(cat "$tmp/$name.$n")" max_hops)
		[ "${k:-0}" -gt "$omax" ] && omax=$k
	done
	for i in 0 1 2 3 4 5 6 7; do
		served=$((served + tot[i]))
		weighted=$((weighted + i * tot[i]))
		if [ "$i" -ge 1 ] && [ "${ops[i]}" -gt "${tot[i]}" ]; then
			log "$name: ${ops[i]} operations reported $i hops, only ${tot[i]} requests were served after $i hops"
			summary_ok=0
		fi
	done
	log "$name: requests served after 0..7+ hops (all nodes): ${tot[*]}"
	log "$name: operations by reported hops:                   ${ops[*]}"
	log "$name: served=$served remote_reqs=$srr sum(k*hist)=$weighted forwards=$sfw"
	[ "$served" -gt 0 ] || { log "$name: no remote request served at all"; summary_ok=0; }
	[ "$served" -le "$srr" ] || { log "$name: more requests served than sent"; summary_ok=0; }
	[ "$weighted" -le "$sfw" ] || { log "$name: more hops than forwards"; summary_ok=0; }
}
chain_report "$W" wide
wmax=$gmax womax=$omax w_ok=$summary_ok
chain_report "$H" hot
hmax=$gmax homax=$omax h_ok=$summary_ok
tap_check "1000 objects: CHAIN_MAX ${wmax:-?} <= $BOUND on every node" test "${wmax:-99}" -le "$BOUND"
tap_check "hot object: CHAIN_MAX ${hmax:-?} <= $BOUND on every node" test "${hmax:-99}" -le "$BOUND"
tap_check "per-operation HOPS (max ${womax:-?}, ${homax:-?}) <= CHAIN_MAX (${wmax:-?}, ${hmax:-?})" \
	test "${womax:-99}" -le "${wmax:-0}" -a "${homax:-99}" -le "${hmax:-0}"
tap_check "1000 objects: histogram, FORWARDS, REMOTE_REQS and HOPS agree" test "$w_ok" = 1
tap_check "hot object: histogram, FORWARDS, REMOTE_REQS and HOPS agree" test "$h_ok" = 1
tap_check "no unexpected messages" \
	test "$(( $(cluster_sum "$W" unexpected) + $(cluster_sum "$H" unexpected) ))" = 0
tap_exit
