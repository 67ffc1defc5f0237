#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The krg_kddm netlink interface and the test module's krg_kddm_test refuse
# what they must: the test commands from a non-root user (EPERM), malformed requests (EINVAL, or ERANGE for an
# integer out of its policy range as netlink reports it, each with an extack
# message that the client prints as "Error: ..."), unknown sets (ENOENT),
# an existing set (EEXIST); and it still accepts the limits themselves.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
KDDM_SLICE=6
trap 'destroy_sets' EXIT

# as_nobody ARGS...: kddm_client ARGS in node 1 as uid/gid 65534, no capabilities.
as_nobody() {
	nexec 1 --timeout 30 -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$KC" "$@" 2>&1
}
# rejects ERRNAME ARGS...: kddm_client ARGS (node 1) fails with ERRNAME, and
# for EINVAL the message is the kernel's own (extack).
rejects() {
	local want=$1 out
	shift
	out=$(kc 1 "$@" 2>&1)
	log "$*: $(tr '\n' ' ' <<<"$out")"
	expect_error "$want" "$out" || return 1
	if [ "$want" != EPERM ] && [ "$want" != ENOENT ] && ! grep -q ' extack=1$' <<<"$out"; then
		log "no extack message for: $*"
		return 1
	fi
}
# raw_rejects ERRNAME CMD ATTR...: a hand-built request fails with ERRNAME
# and an extack message.
raw_rejects() {
	local want=$1 out
	shift
	out=$(kc 1 raw "$@" 2>&1)
	log "raw $*: $out"
	grep -q "error=$want msg=." <<<"$out"
}

T=$KDDM_TEST_BASE
unused=$((T + KDDM_SLICE * 64 + 63))
# tests/include/krg_kddm_test.h (kddm_client raw goes to krg_kddm_test)
CMD_CREATE=1 CMD_DESTROY=2 CMD_OP=3
A_SET_ID=2 A_OBJ_SIZE=3 A_OBJ_ID=6 A_TEST_OP=7 A_COUNT=9

tap_plan 28
kddm_form || die "cluster with krg_kddm did not form"
new_set S 64 || die "cannot create a set"
kc 1 op "$S" 0 write 7 >/dev/null || die "cannot write"

out=$(as_nobody op "$S" 0 read)
log "nobody: op read: $(tr '\n' ' ' <<<"$out")"
tap_check "non-root TEST_OP: EPERM" expect_error EPERM "$out"
out=$(as_nobody create $((S + 1)) 64)
tap_check "non-root TEST_SET_CREATE: EPERM" expect_error EPERM "$out"
out=$(as_nobody destroy "$S")
tap_check "non-root TEST_SET_DESTROY: EPERM" expect_error EPERM "$out"
tap_check "the set survived the non-root destroy" test "$(read_on 1 "$S" 0)" = 7
out=$(as_nobody sets)
tap_check "non-root SET_GET dump is allowed and lists the set" \
	grep -q "set_id=$S " <<<"$out"

tap_check "unknown test op (99): ERANGE" rejects ERANGE op "$S" 0 99
tap_check "test op NONE (0): ERANGE" rejects ERANGE op "$S" 0 0
tap_check "create below the test range: ERANGE" rejects ERANGE create $((T - 1)) 64
tap_check "create above the test range: ERANGE" rejects ERANGE create $((T + KDDM_TEST_MAX)) 64
tap_check "create with object size 0: ERANGE" rejects ERANGE create "$unused" 0
tap_check "create with object size min-1: ERANGE" rejects ERANGE create "$unused" $((KDDM_OBJ_MIN - 1))
tap_check "create with object size max+1: ERANGE" rejects ERANGE create "$unused" $((KDDM_OBJ_MAX + 1))
tap_check "create with an unknown policy: ERANGE" rejects ERANGE create "$unused" 64 7
tap_check "create with an unknown on_failure: ERANGE" rejects ERANGE create "$unused" 64 id 7
tap_check "INC_LOOP with count 0: ERANGE" rejects ERANGE op "$S" 0 inc_loop - 0
tap_check "INC_LOOP with count max+1: ERANGE" rejects ERANGE op "$S" 0 inc_loop - $((KDDM_MAX_COUNT + 1))
tap_check "HOLD longer than the maximum: EINVAL" rejects EINVAL op "$S" 0 hold $((KDDM_MAX_HOLD_MS + 1))
tap_check "TEST_OP without OBJ_ID: EINVAL" \
	raw_rejects EINVAL $CMD_OP $A_SET_ID:u32:"$S" $A_TEST_OP:u32:1
tap_check "TEST_SET_CREATE with an attribute it does not take (COUNT): EINVAL" \
	raw_rejects EINVAL $CMD_CREATE $A_SET_ID:u32:"$unused" $A_OBJ_SIZE:u32:64 $A_COUNT:u32:1
tap_check "SET_ID of the wrong size (u16): EINVAL" \
	raw_rejects EINVAL $CMD_DESTROY $A_SET_ID:u16:1
tap_check "SET_GET of an unknown set: ENOENT" rejects ENOENT sets "$unused"
tap_check "TEST_OP on an unknown set: ENOENT" rejects ENOENT op "$unused" 0 read
tap_check "TEST_SET_DESTROY of an unknown set: ENOENT" rejects ENOENT destroy "$unused"
tap_check "create an existing set: EEXIST" rejects EEXIST create "$S" 64
# krg_kddm's own family kept SET_GET only (TEST_OP was its command 4).
no_test_cmd() {
	local out
	out=$(kc 1 raw @krg_kddm 4 $A_SET_ID:u32:"$S" 2>&1)
	log "raw @krg_kddm 4: $out"
	grep -q "^errno=95 error=EOPNOTSUPP" <<<"$out"
}
tap_check "krg_kddm has no test command (4: EOPNOTSUPP)" no_test_cmd
limits() {
	local id=$((T + KDDM_SLICE * 64 + 62)) out
	kc 1 destroy "$id" >/dev/null 2>&1
	kc 1 create "$id" "$KDDM_OBJ_MAX" >/dev/null || return 1
	out=$(kc 2 op "$id" 3 write 5) && out=$(kc 3 op "$id" 3 read) || { kc 1 destroy "$id"; return 1; }
	kc 1 destroy "$id" >/dev/null || return 1
	[ "$(field "$out" value)" = 5 ] && [ "$(field "$out" consistent)" = 1 ]
}
tap_check "a set of the largest object size works across nodes" limits
last_id() {
	local id=$((T + KDDM_TEST_MAX - 1))
	kc 1 destroy "$id" >/dev/null 2>&1
	kc 1 create "$id" "$KDDM_OBJ_MIN" >/dev/null && kc 1 destroy "$id" >/dev/null
}
tap_check "the last id of the test range and the smallest object size are accepted" last_id
# 7, or 8 if the over-long HOLD above was wrongly accepted (it counts +1)
agree_after() {
	local n v w
	v=$(read_on 1 "$S" 0)
	for n in $(all_nodes); do
		w=$(read_on "$n" "$S" 0)
		[ "$w" = "$v" ] || { log "node$n reads '$w', node1 '$v'"; return 1; }
	done
	[ "$v" = 7 ] || [ "$v" = 8 ]
}
tap_check "the set still works: every node reads the same value" agree_after
tap_exit
