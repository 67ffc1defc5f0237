# SPDX-License-Identifier: GPL-2.0
#
# Shared by the host scripts of tests/hooks: run one of this directory's
# programs in node 1 with the test consumer (and so krg_hooks) loaded, and
# check the node's kernel log for trouble afterwards.
. "$KRG_TOP/tests/lib/krg.sh"

HOOKS_DIR=/krg/tests/hooks
KLOG_PATTERN='BUG:|WARNING:|Oops|general protection|RCU stall|rcu_sched self-detected|refcount_t:|list_add corruption|list_del corruption|Call Trace|hung_task|blocked for more than'

# hooks_node_setup NODE: debugfs mounted, no hooks module loaded.
hooks_node_setup() {
	nexec "$1" -- sh -c 'mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug;
		rmmod krg_hooks_test 2>/dev/null; rmmod krg_hooks 2>/dev/null;
		! grep -q "^krg_hooks" /proc/modules'
}

# hooks_unload NODE: remove the consumer and krg_hooks; fails if either stays.
hooks_unload() {
	nexec "$1" -- sh -c 'rmmod krg_hooks_test; rmmod krg_hooks; ! grep -q "^krg_hooks" /proc/modules'
}

# hooks_klog_mark NODE: prints the current number of kernel log lines.
hooks_klog_mark() {
	nexec "$1" -- sh -c 'dmesg | wc -l'
}

# hooks_klog_clean NODE MARK: no warning in the kernel log since MARK.
hooks_klog_clean() {
	local bad
	bad=$(nexec "$1" -- dmesg | tail -n +"$(($2 + 1))" | grep -E "$KLOG_PATTERN")
	if [ -n "$bad" ]; then
		printf '# kernel log:\n%s\n' "$bad" | sed 's/^/# /'
		return 1
	fi
	return 0
}

# hooks_run_prog NODE TIMEOUT PROG ARGS...: load the consumer, run PROG in the
# node (its TAP lines become comments), unload, check the kernel log.
hooks_run_prog() {
	local node=$1 t=$2 prog=$3 mark rc
	shift 3
	hooks_node_setup "$node" || die "node $node: cannot reset the hook modules"
	mark=$(hooks_klog_mark "$node")
	nexec "$node" -- modprobe krg_hooks_test || die "modprobe krg_hooks_test failed"
	nexec "$node" --timeout "$t" -- "$HOOKS_DIR/$prog" "$@" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	tap_check "$prog passed in node $node" [ "$rc" -eq 0 ]
	tap_check "consumer and krg_hooks unload" hooks_unload "$node"
	tap_check "no kernel warning" hooks_klog_clean "$node" "$mark"
}
