#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Linearizability checker for KDDM test objects used as registers.

  linearizability.py check [--clock FILE] [--slack-ns N] [--initial V] HISTORY...
  linearizability.py corrupt [--clock FILE] [--slack-ns N] OUT HISTORY...
  linearizability.py --selftest

Histories are the files "kddm_client history" writes, one line per operation:
    NODE PROC OBJ R|W VALUE INVOKE_NS COMPLETE_NS ok|ERRNAME
('#' lines are comments).  Each object is a register with initial value 0
(--initial), checked on its own: linearizability is compositional (Herlihy &
Wing), so a history is linearizable iff each object's sub-history is.

The search is Wing & Gong's, with Lowe's memoization ("Testing for
linearizability", 2017; Knossos' "wgl"): walk the calls in time order,
linearize a call whenever the register allows it, skip to the next call
otherwise, backtrack when a return is reached whose call was not
linearized, and never explore a (set of linearized operations, register
value) pair twice.

One reduction keeps wide windows of concurrent operations (e.g. after
clock widening) tractable: a read whose call is reached before any pending
return, and whose value is the register's current value, is linearized at
once and that choice is never revisited.  This loses no solution: in any
linearization of the remaining operations the read can be moved to the
front (no pending operation must precede it, since none has returned
before it was called; reads do not change the register, so every other
operation sees the same values).  So if the configuration with the read
linearized has no solution, neither has the one without it.

Failed operations (Jepsen's :info):
  - a failed read returns nothing: it is left out;
  - a failed write may or may not have taken effect: it has no return, so
    it may be linearized anywhere after its call, or never.

Clocks (--clock): each node's times are on its own CLOCK_MONOTONIC_RAW.  The
file has lines "NODE offset_ns=THETA bound_ns=DELTA" (kddm_clock probe
output against the reference node; the reference node has "offset_ns=0
bound_ns=0"), one per measurement, typically one before and one after the
workload.  The true offset of NODE was within THETA +- DELTA at each
measurement; assuming the offset moves monotonically between measurements
(clocks ticking at constant, possibly different, rates), it stayed within
[min(THETA - DELTA), max(THETA + DELTA)] over all of them.  Every operation
of NODE is then widened to [invoke + lo - slack, complete + hi + slack] on
the reference time line.  Widening only lengthens intervals: every
linearization of the true history is still a linearization of the widened
one, so this can hide a violation but never report a false one.

Exit status: 0 linearizable, 1 not linearizable, 2 bad input.
"""

import io
import random
import sys
import time

INF = float("inf")


class Op:
    __slots__ = ("node", "proc", "obj", "kind", "value", "inv", "comp", "status", "line", "id")

    def __init__(self, node, proc, obj, kind, value, inv, comp, status, line=""):
        self.node, self.proc, self.obj = node, proc, obj
        self.kind, self.value = kind, value
        self.inv, self.comp, self.status = inv, comp, status
        self.line = line
        self.id = 0

    def __repr__(self):
        return "%s(%s) node%s [%s, %s] %s" % (self.kind, self.value, self.node, self.inv,
                                               self.comp, self.status)


class InputError(Exception):
    pass


def parse_history(lines, name="history"):
    ops = []
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split()
        if len(f) != 8 or f[3] not in ("R", "W"):
            raise InputError("%s:%d: malformed line: %s" % (name, no, line))
        try:
            value = None if f[4] == "-" else int(f[4])
            op = Op(int(f[0]), int(f[1]), int(f[2]), f[3], value, int(f[5]), int(f[6]),
                    f[7], line)
        except ValueError:
            raise InputError("%s:%d: malformed number: %s" % (name, no, line))
        if op.comp < op.inv:
            raise InputError("%s:%d: completes before it starts: %s" % (name, no, line))
        if op.status == "ok" and op.value is None:
            raise InputError("%s:%d: successful operation without a value" % (name, no))
        ops.append(op)
    return ops


def parse_clock(lines, name="clock"):
    """{node: (lo, hi)} envelope of every measurement of each node."""
    env = {}
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split()
        try:
            node = int(f[0])
            kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
            theta, delta = int(kv["offset_ns"]), int(kv["bound_ns"])
        except (ValueError, KeyError, IndexError):
            raise InputError("%s:%d: expected 'NODE offset_ns=N bound_ns=N': %s" % (name, no, line))
        if delta < 0:
            raise InputError("%s:%d: negative bound" % (name, no))
        lo, hi = theta - delta, theta + delta
        if node in env:
            lo, hi = min(lo, env[node][0]), max(hi, env[node][1])
        env[node] = (lo, hi)
    return env


def align(ops, clock, slack=0):
    """Put every operation on the reference time line, widened (see top)."""
    if clock is None:
        if slack:
            for op in ops:
                op.inv, op.comp = op.inv - slack, op.comp + slack
        return ops
    for op in ops:
        if op.node not in clock:
            raise InputError("no clock measurement for node %d" % op.node)
        lo, hi = clock[op.node]
        op.inv, op.comp = op.inv + lo - slack, op.comp + hi + slack
    return ops


class Entry:
    __slots__ = ("op", "call", "match", "prev", "next")

    def __init__(self, op, call):
        self.op, self.call = op, call
        self.match = self.prev = self.next = None


def check_register(ops, initial=0):
    """WGL search for one register.  Returns (True, None) or (False, info)."""
    # Failed reads never happened; failed writes have no return.
    todo = [op for op in ops if not (op.kind == "R" and op.status != "ok")]
    events = []
    for i, op in enumerate(todo):
        op.id = i
        call = Entry(op, True)
        events.append((op.inv, 0, i, call))
        if op.status == "ok":
            ret = Entry(op, False)
            call.match = ret
            events.append((op.comp, 1, i, ret))
    # Ties: calls before returns, so operations that touch count as
    # concurrent (the permissive reading).
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    head = Entry(None, False)
    prev = head
    for e in events:
        ent = e[3]
        prev.next, ent.prev = ent, prev
        prev = ent
    remaining = sum(1 for op in todo if op.status == "ok")
    # Reads not linearized yet, by value (for the write pruning below),
    # valid only if no two writes store the same value (nor the initial one).
    written = [op.value for op in todo if op.kind == "W"]
    unique = len(set(written)) == len(written) and initial not in written
    waiting = {}
    for op in todo:
        if op.kind == "R":
            waiting[op.value] = waiting.get(op.value, 0) + 1

    def lift(ent):
        ent.prev.next = ent.next
        if ent.next:
            ent.next.prev = ent.prev
        m = ent.match
        if m:
            m.prev.next = m.next
            if m.next:
                m.next.prev = m.prev

    def unlift(ent):
        m = ent.match
        if m:
            m.prev.next = m
            if m.next:
                m.next.prev = m
        ent.prev.next = ent
        if ent.next:
            ent.next.prev = ent

    state, linearized = initial, 0
    stack, cache = [], set()
    deepest, stuck_at = -1, None
    ent = head.next
    while remaining:
        if ent is None:		# impossible: a pending return lies ahead
            raise AssertionError("ran off the list with %d returns pending" % remaining)
        if ent.call:
            op = ent.op
            if op.kind == "W":
                ok, new = not (unique and waiting.get(state)), op.value
            else:
                ok, new = op.value == state, state
            if not ok:
                ent = ent.next
                continue
            lin = linearized | (1 << op.id)
            key = (lin, new)
            # A read that can take effect now is linearized now, and
            # never tried later (see the note below): "forced".
            forced = op.kind == "R"
            if key not in cache:
                cache.add(key)
                stack.append((ent, state, forced))
                state, linearized = new, lin
                if op.kind == "R":
                    waiting[op.value] -= 1
                lift(ent)
                if ent.match:
                    remaining -= 1
                ent = head.next
                continue
            if not forced:
                ent = ent.next
                continue
            # forced read into a configuration already explored: dead end
        elif len(stack) > deepest:
            deepest, stuck_at = len(stack), (ent.op, state)
        # Backtrack: undo the last choice and try the next call after it.
        while True:
            if not stack:
                return False, {"linearized": max(deepest, 0), "stuck_at": stuck_at,
                               "ops": len(todo)}
            prev, state, forced = stack.pop()
            linearized &= ~(1 << prev.op.id)
            if prev.op.kind == "R":
                waiting[prev.op.value] += 1
            unlift(prev)
            if prev.match:
                remaining += 1
            if not forced:
                break
        ent = prev.next
    return True, None


def check(ops, initial=0, out=sys.stdout, quiet=False):
    """Check every object; print a report; True if all are linearizable."""
    by_obj = {}
    for op in ops:
        by_obj.setdefault(op.obj, []).append(op)
    bad = 0
    t0 = time.monotonic()
    for obj in sorted(by_obj):
        ok, info = check_register(by_obj[obj], initial)
        if not ok:
            bad += 1
            op, state = info["stuck_at"]
            out.write("object %d: NOT linearizable (%d operations; at most %d linearized; "
                      "no linearization lets this operation return: %s, register %s)\n"
                      % (obj, info["ops"], info.get("linearized", 0), op.line or op, state))
    if not quiet:
        out.write("%d operations on %d objects checked in %.2f s: %s\n"
                  % (len(ops), len(by_obj), time.monotonic() - t0,
                     "linearizable" if not bad else "%d object(s) NOT linearizable" % bad))
    return bad == 0


def corrupt(ops, rng=None):
    """Make one successful read definitely stale; return a description.

    A read R is given the value of a write W1 such that W1 completes before
    a write W2 of another value starts, and W2 completes before R starts
    (on the widened time line): R must be linearized after W2, W2 after W1,
    and values are unique, so no linearization exists.  If there is no such
    pair, R is given the initial value (0) and a write that completes before
    R starts is required instead.
    """
    rng = rng or random.Random(1)
    by_obj = {}
    for op in ops:
        if op.status == "ok":
            by_obj.setdefault(op.obj, []).append(op)
    candidates = []
    for obj, lst in by_obj.items():
        writes = sorted((o for o in lst if o.kind == "W"), key=lambda o: o.comp)
        for r in (o for o in lst if o.kind == "R"):
            before = [w for w in writes if w.comp < r.inv]
            if not before:
                continue
            # latest-starting write completed before r, and a write before it
            w2 = max(before, key=lambda w: w.inv)
            older = [w for w in before if w.comp < w2.inv and w.value != w2.value]
            if older:
                candidates.append((r, older[-1].value, "write %s" % older[-1].line))
            elif r.value != 0:
                candidates.append((r, 0, "initial value (after write %s)" % w2.line))
    if not candidates:
        return None
    r, v, why = rng.choice(candidates)
    old = r.line
    r.value = v
    f = r.line.split()
    f[4] = str(v)
    r.line = " ".join(f)
    return "read %s changed to stale value %d: %s" % (old, v, why)


def load(paths, clock_path=None, slack=0):
    ops = []
    for p in paths:
        with open(p) as f:
            ops += parse_history(f, p)
    clock = None
    if clock_path:
        with open(clock_path) as f:
            clock = parse_clock(f, clock_path)
    return align(ops, clock, slack)


def write_history(ops, path):
    """Write ops as history lines, with their original (unaligned) times."""
    with open(path, "w") as f:
        f.write("# corrupted copy\n")
        for op in ops:
            f.write(op.line + "\n")


# ---------------------------------------------------------------- self-tests

def _h(text):
    return parse_history(text.strip().splitlines())


def _simulate(nproc, nops, nobj, wpct, seed, max_dur=50, gap=20):
    """A linearizable history: each process's operations take effect at a
    random instant inside their interval, in real-time order."""
    rng = random.Random(seed)
    t = [rng.randrange(10) for _ in range(nproc)]
    counter = [0] * nproc
    pending = []
    for p in range(nproc):
        for _ in range(nops // nproc):
            inv = t[p] + rng.randrange(1, gap)
            comp = inv + rng.randrange(1, max_dur)
            lin = rng.uniform(inv, comp)
            obj = rng.randrange(nobj)
            if rng.randrange(100) < wpct:
                counter[p] += 1
                kind, value = "W", (p + 1) << 40 | counter[p]
            else:
                kind, value = "R", None
            pending.append([lin, p, obj, kind, value, inv, comp])
            t[p] = comp
    pending.sort()
    reg = {}
    lines = []
    for lin, p, obj, kind, value, inv, comp in pending:
        if kind == "W":
            reg[obj] = value
        else:
            value = reg.get(obj, 0)
        lines.append("%d 0 %d %s %d %d %d ok" % (p + 1, obj, kind, value, inv, comp))
    return parse_history(lines)


def selftest():
    results = []

    def case(name, fn):
        try:
            ok = fn()
        except Exception as e:	# a crash is a failure of the case
            ok = False
            name += " (%r)" % e
        results.append(ok)
        print("%s %d %s" % ("ok" if ok else "not ok", len(results), name))

    def lin(text, **kw):
        return check(_h(text), quiet=True, out=io.StringIO(), **kw)

    print("TAP version 13")
    print("1..16")
    case("sequential history is linearizable", lambda: lin("""
        1 0 0 W 11 0 1 ok
        2 0 0 R 11 2 3 ok
        1 0 0 W 12 4 5 ok
        2 0 0 R 12 6 7 ok"""))
    case("initial value read before any write", lambda: lin("""
        2 0 0 R 0 0 1 ok
        1 0 0 W 11 2 3 ok"""))
    case("stale read after a completed write is rejected", lambda: not lin("""
        1 0 0 W 11 0 1 ok
        1 0 0 W 12 2 3 ok
        2 0 0 R 11 4 5 ok"""))
    case("initial value after a completed write is rejected", lambda: not lin("""
        1 0 0 W 11 0 1 ok
        2 0 0 R 0 2 3 ok"""))
    case("reads overlapping a write see old then new", lambda: lin("""
        1 0 0 W 11 0 10 ok
        2 0 0 R 0 1 2 ok
        3 0 0 R 11 3 4 ok"""))
    case("new-then-old inversion during a write is rejected", lambda: not lin("""
        1 0 0 W 11 0 10 ok
        2 0 0 R 11 1 2 ok
        3 0 0 R 0 3 4 ok"""))
    case("concurrent writes may take effect in either order", lambda: lin("""
        1 0 0 W 11 0 10 ok
        2 0 0 W 22 0 10 ok
        3 0 0 R 22 11 12 ok
        3 0 0 R 22 13 14 ok"""))
    case("a value never written is rejected", lambda: not lin("""
        1 0 0 W 11 0 1 ok
        2 0 0 R 99 2 3 ok"""))
    case("a failed write may have happened", lambda: lin("""
        1 0 0 W 11 0 1 ok
        1 0 0 W 12 2 3 ETIMEDOUT
        2 0 0 R 12 5 6 ok"""))
    case("a failed write may not have happened", lambda: lin("""
        1 0 0 W 11 0 1 ok
        1 0 0 W 12 2 3 EIO
        2 0 0 R 11 5 6 ok"""))
    case("a failed write cannot be undone", lambda: not lin("""
        1 0 0 W 11 0 1 ok
        1 0 0 W 12 2 3 EIO
        2 0 0 R 12 5 6 ok
        2 0 0 R 11 7 8 ok"""))
    case("failed reads are ignored", lambda: lin("""
        1 0 0 W 11 0 1 ok
        2 0 0 R - 2 3 EIO
        2 0 0 R 11 4 5 ok"""))
    case("objects are independent", lambda: lin("""
        1 0 0 W 11 0 1 ok
        1 0 1 W 21 2 3 ok
        2 0 1 R 21 4 5 ok
        2 0 0 R 11 6 7 ok""") and not lin("""
        1 0 0 W 11 0 1 ok
        1 0 1 W 21 2 3 ok
        2 0 1 R 11 4 5 ok"""))

    def clock_widening():
        # node 2's clock runs 100 behind node 1's (offset +100 +- 5): the read
        # at node-2 time 60..61 really happened at 160..161, after the write.
        text = """
            1 0 0 W 11 100 110 ok
            2 0 0 R 11 60 61 ok"""
        raw = not lin(text)		# without alignment it looks impossible
        clock = parse_clock(["1 offset_ns=0 bound_ns=0", "2 offset_ns=100 bound_ns=5",
                             "2 offset_ns=98 bound_ns=5"])
        aligned = check(align(_h(text), clock), quiet=True, out=io.StringIO())
        lo, hi = clock[2]
        return raw and aligned and (lo, hi) == (93, 105)
    case("clock offsets and bounds are applied (envelope of measurements)", clock_widening)

    def big():
        ops = _simulate(nproc=4, nops=12000, nobj=4, wpct=30, seed=7)
        t0 = time.monotonic()
        ok = check(ops, quiet=True, out=io.StringIO())
        dt = time.monotonic() - t0
        print("# 12000 simulated operations on 4 objects checked in %.2f s" % dt)
        return ok and dt < 60
    case("a simulated linearizable history of 12000 ops passes quickly", big)

    def corrupted():
        ops = _simulate(nproc=4, nops=4000, nobj=2, wpct=30, seed=11)
        what = corrupt(ops)
        print("# %s" % what)
        return what is not None and not check(ops, quiet=True, out=io.StringIO())
    case("corrupt() makes a simulated history non-linearizable", corrupted)

    print("# %d/%d self-tests passed" % (sum(results), len(results)))
    return 0 if all(results) else 1


def main(argv):
    if argv[1:2] == ["--selftest"]:
        return selftest()
    if len(argv) < 2 or argv[1] not in ("check", "corrupt"):
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    clock_path, slack, initial = None, 0, 0
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if not args:
            sys.stderr.write("missing value for %s\n" % opt)
            return 2
        if opt == "--clock":
            clock_path = args.pop(0)
        elif opt == "--slack-ns":
            slack = int(args.pop(0))
        elif opt == "--initial":
            initial = int(args.pop(0))
        else:
            sys.stderr.write("unknown option %s\n" % opt)
            return 2
    try:
        if cmd == "check":
            if not args:
                sys.stderr.write("no history given\n")
                return 2
            ops = load(args, clock_path, slack)
            return 0 if check(ops, initial) else 1
        if len(args) < 2:
            sys.stderr.write("corrupt needs OUT and at least one HISTORY\n")
            return 2
        out, paths = args[0], args[1:]
        ops = load(paths, clock_path, slack)
        what = corrupt(ops)
        if what is None:
            sys.stderr.write("no read can be made definitely stale in this history\n")
            return 1
        write_history(ops, out)
        print(what)
        return 0
    except (InputError, OSError) as e:
        sys.stderr.write("Error: %s.\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
