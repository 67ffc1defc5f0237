#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""proc_nl.py - a raw generic netlink client of the "krg_proc" family, for
the tests (independent of libkrg and the krg tool, so it checks the kernel's
answers by itself).  Command and attribute numbers are read from
include/uapi/linux/krg_proc.h at run time.

  proc_nl.py status                     key=value of STATUS
  proc_nl.py ps [-n NODESET] [-u UID]   PS dump, one process a line
  proc_nl.py caps [PID]                 CAPS_GET
  proc_nl.py setcaps PID E P IE IP      CAPS_SET (numbers, 0x.. allowed)
  proc_nl.py config E P IE IP           CONFIG_SET DEFAULT_CAPS
  proc_nl.py leave NODESET [--kill]     LEAVE_CHECK
  proc_nl.py fuzz N SEED [CMD,...]      N random requests (commands from the
                                        list, default all but CONFIG_SET and
                                        LEAVE_CHECK); prints errno counts
  proc_nl.py raw [--dump] [--tail HEX] CMD [ATTR:TYPE:VALUE ...]
        CMD: name (ps, caps_get, ...) or number.  ATTR: name (pid, caps, ...)
        or number.  TYPE: u8 u16 u32 u64 s32 str nulstr bin(hex) flag, or
        len=N:HEX (an attribute header claiming N bytes before HEX).
        --tail HEX appends raw bytes after the attributes.

NODESET is a node list (1-3,5).  Errors print "error=ENAME errno=N msg=TEXT"
(TEXT: the kernel's extack message, "" if none) and exit 1.
"""
import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 5

HEADER = os.path.join(os.path.dirname(os.path.realpath(__file__)),
                      "../../include/uapi/linux/krg_proc.h")
KRG_MAX_NODES = 256

# Attribute types by name (the header's comments, the contract).
U32 = ("ENV_STATE NODE_ID PID_MIN PID_MAX INIT_PID NR_LOCAL PID PPID PGID SID NODE "
       "UID GID NR_THREADS TTY_NR").split()
U64 = "CPU_TIME_NS START_TIME_NS RSS_KB".split()
BIN = "DEFAULT_CAPS NODE_SET CMDLINE CAPS".split()


def parse_enum(text, name, prefix):
    """The members of enum NAME in order, without PREFIX: {name: value}."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    m = re.search(r"enum\s+%s\s*\{(.*?)\}" % name, text, re.S)
    if not m:
        raise SystemExit("proc_nl.py: enum %s not found in %s" % (name, HEADER))
    body = m.group(1)
    out, v = {}, -1
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            k, expr = [s.strip() for s in item.split("=", 1)]
            v = eval(expr, {}, out)  # e.g. "__KRG_PROC_CMD_MAX - 1"
        else:
            k, v = item, v + 1
        out[k] = v
    return {k[len(prefix):]: val for k, val in out.items() if k.startswith(prefix)}


TEXT = open(HEADER).read()
CMDS = parse_enum(TEXT, "krg_proc_cmd", "KRG_PROC_CMD_")
ATTRS = parse_enum(TEXT, "krg_proc_attr", "KRG_PROC_A_")
ANAME = {v: k for k, v in ATTRS.items() if not k.startswith("_") and k != "MAX"}


def nodeset(spec):
    """Node list "1-3,5" -> NODE_SET bitmap bytes (shortest that holds it)."""
    nodes = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        nodes.update(range(int(a), int(b or a) + 1))
    raw = bytearray(max(nodes) // 8 + 1 if nodes else 1)
    for n in nodes:
        raw[n // 8] |= 1 << (n % 8)
    return bytes(raw)


def attr(typ, payload, length=None):
    hdr = struct.pack("<HH", 4 + len(payload) if length is None else length, typ)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def caps_bytes(vals):
    return struct.pack("<4I", *[int(v, 0) for v in vals])


class NlError(Exception):
    def __init__(self, code, msg):
        super().__init__(code)
        self.code, self.msg = code, msg


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.s.settimeout(float(os.environ.get("PROC_NL_TIMEOUT", "30")))
        self.seq = 1
        reps = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            attr(CTRL_ATTR_FAMILY_NAME, b"krg_proc\0"), version=1)
        self.family = struct.unpack("<H", reps[0][CTRL_ATTR_FAMILY_ID][:2])[0]

    def request(self, family, cmd, body=b"", dump=False, version=1, tail=b""):
        """Send one request, return its reply messages as {attr: bytes}."""
        self.seq += 1
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        payload = struct.pack("<BBH", cmd, version, 0) + body + tail
        self.s.send(struct.pack("<IHHII", 16 + len(payload), family, flags, self.seq, 0) + payload)
        replies = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, typ, fl, seq, _ = struct.unpack_from("<IHHII", data, off)
                msg = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if typ == NLMSG_ERROR or typ == NLMSG_DONE:
                    code = struct.unpack_from("<i", msg)[0] if len(msg) >= 4 else 0
                    if code == 0:
                        return replies
                    tlv_off = 4
                    if typ == NLMSG_ERROR:
                        tlv_off += 16
                        if not fl & NLM_F_CAPPED:
                            tlv_off = 4 + struct.unpack_from("<I", msg, 4)[0]
                    text = ""
                    if fl & NLM_F_ACK_TLVS:
                        tl = parse_attrs(msg[tlv_off:])
                        if NLMSGERR_ATTR_MSG in tl:
                            text = tl[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode(errors="replace")
                        elif NLMSGERR_ATTR_MISS_TYPE in tl:
                            text = "missing attribute %d" % struct.unpack(
                                "<I", tl[NLMSGERR_ATTR_MISS_TYPE][:4])[0]
                    raise NlError(-code, text)
                replies.append(parse_attrs(msg[4:]))


def parse_attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("<HH", buf, off)
        if ln < 4:
            break
        out[typ & 0x3FFF] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def errname(code):
    """errno.errorcode says ENOTSUP for 95, the kernel's name is EOPNOTSUPP."""
    return "EOPNOTSUPP" if code == errno.EOPNOTSUPP else errno.errorcode.get(code, str(code))


def value(name, raw):
    if name in U32 and len(raw) == 4:
        return str(struct.unpack("<I", raw)[0])
    if name in U64 and len(raw) == 8:
        return str(struct.unpack("<Q", raw)[0])
    if name == "STATE" and len(raw) == 1:
        return chr(raw[0])
    if name == "COMM":
        return raw.rstrip(b"\0").decode(errors="replace")
    if name in ("CAPS", "DEFAULT_CAPS") and len(raw) == 16:
        return ",".join("0x%x" % v for v in struct.unpack("<4I", raw))
    if name == "CMDLINE":
        return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    return raw.hex()


def show(rep, order=None):
    """One line "name=value ..." of a reply, CMDLINE last (it has spaces)."""
    names = [ANAME.get(t, str(t)) for t in sorted(rep)]
    names = [n for n in names if n not in ("PAD", "CMDLINE")] + (["CMDLINE"] if "CMDLINE" in names else [])
    return " ".join("%s=%s" % (n.lower(), value(n, rep[ATTRS.get(n, -1)] if n in ATTRS else rep[int(n)]))
                    for n in names)


def raw_attr(spec):
    a, typ, val = (spec.split(":", 2) + ["", ""])[:3]
    num = int(a) if a.isdigit() else ATTRS[a.upper()]
    if typ.startswith("len="):
        return attr(num, bytes.fromhex(val), int(typ[4:]))
    pack = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q", "s32": "<i"}
    if typ in pack:
        return attr(num, struct.pack(pack[typ], int(val, 0)))
    if typ == "str":
        return attr(num, val.encode())
    if typ == "nulstr":
        return attr(num, val.encode() + b"\0")
    if typ == "bin":
        return attr(num, bytes.fromhex(val))
    if typ == "flag":
        return attr(num, b"")
    raise SystemExit("proc_nl.py: bad attribute spec %r" % spec)


def fuzz(g, n, seed, cmds):
    """n random requests: known and unknown attributes of random sizes,
    random integers, some PIDs near the interesting limits."""
    import random
    rnd = random.Random(seed)
    pids = [0, 1, 299, 300, 16383, 16384, 65535, (1 << 22) - 1, 1 << 22, 0x7FFFFFFF, 0xFFFFFFFF]
    counts = {}
    for _ in range(n):
        body = b""
        for _ in range(rnd.randrange(0, 5)):
            typ = rnd.choice(list(ANAME) + [rnd.randrange(0, 1 << 14)])
            kind = rnd.randrange(5)
            if kind == 0:
                payload = struct.pack("<I", rnd.choice(pids))
            elif kind == 1:
                payload = os.urandom(rnd.choice([0, 1, 2, 3, 5, 8, 15, 16, 17, 32, 33, 512, 4000]))
            elif kind == 2:
                payload = struct.pack("<Q", rnd.getrandbits(64))
            elif kind == 3:
                payload = bytes(rnd.choice([b"a" * 20, b"x\0", b""]))
            else:
                payload = struct.pack("<4I", *[rnd.getrandbits(32) for _ in range(4)])
            body += attr(typ, payload)
        cmd = rnd.choice(cmds)
        try:
            g.request(g.family, cmd, body, dump=rnd.random() < 0.3)
            key = "ok"
        except NlError as e:
            key = errname(e.code)
        counts[key] = counts.get(key, 0) + 1
    print("fuzz n=%d seed=%d %s" % (n, seed, " ".join("%s=%d" % kv for kv in sorted(counts.items()))))


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    g = Genl()
    op, args = argv[0], argv[1:]
    A = ATTRS
    if op == "status":
        for rep in g.request(g.family, CMDS["STATUS"]):
            print(show(rep))
    elif op == "ps":
        body = b""
        while args:
            if args[0] == "-n":
                body += attr(A["NODE_SET"], nodeset(args[1]))
            elif args[0] == "-u":
                body += attr(A["UID"], struct.pack("<I", int(args[1])))
            else:
                raise SystemExit("proc_nl.py ps: unknown option %s" % args[0])
            args = args[2:]
        for rep in g.request(g.family, CMDS["PS"], body, dump=True):
            print(show(rep))
    elif op == "caps":
        body = attr(A["PID"], struct.pack("<I", int(args[0]))) if args else b""
        for rep in g.request(g.family, CMDS["CAPS_GET"], body):
            print(show(rep))
    elif op == "setcaps":
        body = attr(A["PID"], struct.pack("<I", int(args[0]))) + attr(A["CAPS"], caps_bytes(args[1:5]))
        g.request(g.family, CMDS["CAPS_SET"], body)
        print("ok")
    elif op == "config":
        g.request(g.family, CMDS["CONFIG_SET"], attr(A["DEFAULT_CAPS"], caps_bytes(args[0:4])))
        print("ok")
    elif op == "leave":
        body = attr(A["NODE_SET"], nodeset(args[0]))
        if "--kill" in args[1:]:
            body += attr(A["KILL"], b"")
        g.request(g.family, CMDS["LEAVE_CHECK"], body)
        print("ok")
    elif op == "fuzz":
        skip = (CMDS["CONFIG_SET"], CMDS["LEAVE_CHECK"])
        cmds = ([int(c) if c.isdigit() else CMDS[c.upper()] for c in args[2].split(",")] if len(args) > 2
                else [c for c in range(0, CMDS["MAX"] + 3) if c not in skip])
        fuzz(g, int(args[0]), int(args[1]), cmds)
    elif op == "raw":
        dump, tail = False, b""
        while args and args[0].startswith("--"):
            if args[0] == "--dump":
                dump, args = True, args[1:]
            elif args[0] == "--tail":
                tail, args = bytes.fromhex(args[1]), args[2:]
            else:
                raise SystemExit("proc_nl.py raw: unknown option %s" % args[0])
        cmd = int(args[0]) if args[0].isdigit() else CMDS[args[0].upper()]
        body = b"".join(raw_attr(s) for s in args[1:])
        reps = g.request(g.family, cmd, body, dump=dump, tail=tail)
        for rep in reps:
            print(show(rep))
        print("ok replies=%d" % len(reps))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except NlError as e:
        print("error=%s errno=%d msg=%s" % (errname(e.code), e.code, e.msg))
        sys.exit(1)
    except (KeyError, IndexError) as e:
        # e.g. the family is not registered (no FAMILY_ID), a bad name
        print("error=EUSAGE errno=0 msg=%s" % e)
        sys.exit(2)
