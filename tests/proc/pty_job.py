#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""pty_job.py - "krg run" at a real terminal (a pseudo-terminal), run inside
a node as root.

  pty_job.py ctrlc KRG     krg run of a shell that waits on the terminal;
                           Ctrl-C typed at the terminal must end it with 130
  pty_job.py jobctl KRG    in an interactive bash on the terminal: krg run of
                           a line echoer; a typed line reaches it; Ctrl-Z
                           stops the job (bash says Stopped, the cluster
                           process is in state T); fg resumes it (a typed
                           line reaches it again); Ctrl-C ends it and $? is
                           130

Prints one "ok NAME" / "FAIL NAME: why" line per step and "pid=P" (the
cluster process); exit 0 when every step passed.  Every wait is bounded.
"""
import os
import pty
import re
import select
import signal
import sys
import time

KRG = sys.argv[2] if len(sys.argv) > 2 else "krg"
ECHOER = "echo READY $$; while read l; do echo GOT-$l; done"


class Term:
    def __init__(self, argv):
        env = dict(os.environ, PS1="PROMPT$ ", TERM="dumb")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        self.buf = ""

    def send(self, s):
        os.write(self.fd, s.encode())

    def expect(self, pattern, secs=20):
        """Wait for pattern in the output not yet consumed; the match or None."""
        end = time.monotonic() + secs
        while True:
            m = re.search(pattern, self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    return None
                if not data:
                    return None
                self.buf += data.decode(errors="replace")

    def wait(self, secs=20):
        """Exit status of the terminal's process (128+N for signal N), or None."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.expect(r"(?!x)x", 0.05)  # drain output so the child never blocks
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


failed = 0


def step(name, ok, why=""):
    global failed
    print(("ok %s" % name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)
    failed += not ok


def state_of(pid):
    """The cluster process's state letter, read from inside the environment."""
    out = os.popen("%s run -- cat /proc/%s/stat 2>/dev/null" % (KRG, pid)).read()
    return out.rsplit(")", 1)[1].split()[0] if ")" in out else "?"


def ctrlc():
    t = Term([KRG, "run", "--", "sh", "-c", ECHOER])
    m = t.expect(r"READY (\d+)")
    step("the command runs on the terminal", m is not None, repr(t.buf[-200:]))
    if not m:
        return
    print("pid=%s" % m.group(1))
    t.send("hello\n")
    step("a typed line reaches it", t.expect(r"GOT-hello") is not None, repr(t.buf[-200:]))
    t.send("\x03")
    st = t.wait()
    step("Ctrl-C ends krg run with status 130", st == 130, "status %s" % st)


def jobctl():
    t = Term(["bash", "--norc", "--noprofile", "-i"])
    step("interactive bash", t.expect(r"PROMPT\$ ") is not None, repr(t.buf[-200:]))
    t.send("%s run -- sh -c '%s'\n" % (KRG, ECHOER))
    m = t.expect(r"READY (\d+)")
    step("krg run started from bash", m is not None, repr(t.buf[-200:]))
    if not m:
        return
    pid = m.group(1)
    print("pid=%s" % pid)
    t.send("one\n")
    step("a typed line reaches it", t.expect(r"GOT-one") is not None, repr(t.buf[-200:]))
    t.send("\x1a")
    step("Ctrl-Z: bash reports the job stopped", t.expect(r"Stopped") is not None, repr(t.buf[-200:]))
    step("bash has the terminal back", t.expect(r"PROMPT\$ ") is not None, repr(t.buf[-200:]))
    st = state_of(pid)
    step("the cluster process is stopped (T)", st == "T", "state %s" % st)
    t.send("fg\n")
    t.expect(r"krg run[^\n]*\n", 10)
    t.send("two\n")
    step("fg: a typed line reaches it again", t.expect(r"GOT-two") is not None, repr(t.buf[-200:]))
    t.send("\x03")
    step("Ctrl-C ends the job", t.expect(r"PROMPT\$ ") is not None, repr(t.buf[-200:]))
    t.send("echo EXIT=$?\n")
    m = t.expect(r"EXIT=(\d+)")
    step("its status is 130", m is not None and m.group(1) == "130", m and m.group(1))
    t.send("exit\n")
    t.wait(10)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("ctrlc", "jobctl"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"ctrlc": ctrlc, "jobctl": jobctl}[sys.argv[1]]()
    sys.exit(1 if failed else 0)
