# SPDX-License-Identifier: GPL-2.0
#
# Judge slab growth over module load/unload cycles (tests/modules/slab_cycles.sh
# explains the rule and its tolerance).
#   awk -v last=CYCLES -f slab-judge.awk SAMPLES
# SAMPLES has lines "S CYCLE CACHE ACTIVE_OBJS OBJSIZE OBJPERSLAB" for cycles
# 0..CYCLES (CYCLES >= 9).  Prints "GROW cache ..." for a cache that grew,
# "NEW cache ..." for one that appeared, "noise ..." lines and a total.

function sort5(k, s,   i, j, t) {
	for (i = 0; i < 5; i++) a[i] = ((k, s + i) in v) ? v[k, s + i] : 0
	for (i = 0; i < 5; i++) for (j = i + 1; j < 5; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
function med5(k, s) { sort5(k, s); return a[2] }
function range5(k, s) { sort5(k, s); return a[4] - a[0] }
$1 == "S" { v[$3, $2] = $4; names[$3] = 1; size[$3] = $5; ops[$3] = $6 }
END {
	for (k in names) {
		rise = med5(k, last - 4) - med5(k, 0)
		tol = 3 * ops[k]; if (tol < 12) tol = 12
		if (tol < 2 * range5(k, 0)) tol = 2 * range5(k, 0)
		if (rise > tol)
			printf "GROW %s %d objects (%d B each, tolerance %d)\n", k, rise, size[k], tol
		else if (rise != 0)
			printf "noise %s %+d objects (tolerance %d)\n", k, rise, tol
		if (!((k, 0) in v) && v[k, last] > 0)
			printf "NEW %s %d objects\n", k, v[k, last]
		total += rise * size[k]
	}
	printf "total %+d bytes in the median of the last 5 samples vs the first 5\n", total
}
