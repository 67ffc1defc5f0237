#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""spec_check: a generic netlink family's YAML spec against its C header.

    spec_check.py SPEC.yaml HEADER.h
        prints every difference, one a line; exit 0 if they agree, 1 if
        not, 2 on bad usage (tests/uapi/specs.sh runs it on every pair:
        Documentation/netlink/X.yaml with include/uapi/linux/X.h, and the
        test modules' tests/include/X.yaml with tests/include/X.h)

A spec (the YNL genetlink-legacy subset this project writes) and the header
must name the same things with the same numbers and types:
  - the family: c-family-name's #define is the spec's name, c-version-name
    is defined; every mcast group's name is a string #define of the header;
  - definitions: a const's #define (name-prefix, default "<family>-", plus
    its name) has its value; an enum's C enum (enum-name, default
    "<family>_<name>") has its entries (name-prefix, default
    "<family>-<name>-") in order with their values, and nothing else but
    the enum-cnt-name entry, which must equal the number of entries;
  - each attribute set's enum (enum-name, default "<family>_attr"; entries
    name-prefix, default "<family>-a-") has the spec's attributes in order,
    with their values (value: where given, else the previous one + 1, the
    first 1), and nothing else but the __*_MAX / *_MAX pair; each entry's
    comment (on its line, or the comment just above it) starts with its type:
    u8 .. u64, s8 .. s64, be16/be32/be64 (byte-order: big-endian), flag,
    binary, string, nest, pad (type unused needs none);
  - the operations' enum (enum-name, default "<family>_cmd"; name-prefix,
    default "<family>-cmd-") has the spec's operations in the same way.
Names are C names of the spec's: upper case, '-' as '_'.

Python 3 standard library only: the YAML reader below takes the subset the
specs use (block mappings and sequences, flow [..] and {..} over several
lines, anchors and aliases, | and > scalars, comments) and stops with an
error on anything else, so a spec is never half read.
"""

import os
import re
import sys


class SpecError(Exception):
    pass


# ---- a YAML subset -----------------------------------------------------------

def _scalar(text, anchors):
    t = text.strip()
    if t.startswith("*"):
        if t[1:] not in anchors:
            raise SpecError("unknown alias %s" % t)
        return anchors[t[1:]]
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    if re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)", t):
        return int(t, 0)
    if t in ("true", "false"):
        return t == "true"
    if t in ("", "~", "null"):
        return None
    if t[0] in "[]{}&!%@`|>":
        raise SpecError("unsupported YAML: %r" % t)
    return t


def _scan(text):
    """Each character with the bracket depth it sits at and whether it is
    inside quotes.  A quote opens a quoted scalar only where a scalar
    starts (after "[{,:-" or at the start): in "node's" it is a letter."""
    depth, quote, prev = 0, None, None
    for c in text:
        if quote:
            if c == quote:
                quote = None
            yield c, depth, True
            continue
        if c in "\"'" and prev in (None, "[", "{", ",", ":", "-"):
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if not c.isspace():
            prev = c
        yield c, depth, quote is not None


def _strip_comment(line):
    """The line without its comment: a '#' after a blank, outside quotes."""
    for i, (c, _, quoted) in enumerate(_scan(line)):
        if c == "#" and not quoted and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _split_flow(body):
    """Split a flow collection's body at top-level commas."""
    parts, cur = [], []
    for c, depth, quoted in _scan(body):
        if c == "," and depth == 0 and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def _flow(text, anchors):
    t = text.strip()
    if t.startswith("["):
        if not t.endswith("]"):
            raise SpecError("unterminated flow sequence: %r" % t)
        return [_flow(p, anchors) for p in _split_flow(t[1:-1])]
    if t.startswith("{"):
        if not t.endswith("}"):
            raise SpecError("unterminated flow mapping: %r" % t)
        out = {}
        for p in _split_flow(t[1:-1]):
            k, sep, v = p.partition(":")
            if not sep:
                raise SpecError("flow mapping entry without ':': %r" % p)
            out[k.strip()] = _flow(v, anchors)
        return out
    return _scalar(t, anchors)


def _balance(s):
    depth = 0
    for _, depth, _ in _scan(s):
        pass
    return depth


class _Reader:
    def __init__(self, text):
        self.lines = []		# (indent, text), comments and blank lines gone
        raw = text.splitlines()
        self.raw = []		# (indent, original line) for block scalars
        for line in raw:
            self.raw.append(line)
        self.anchors = {}
        self.pos = 0
        self.items = []
        i = 0
        while i < len(raw):
            line = _strip_comment(raw[i])
            if not line.strip():
                self.items.append(None)
                i += 1
                continue
            # a flow collection may go on over the next lines
            j = i
            while _balance(line) > 0 and j + 1 < len(raw):
                j += 1
                line += " " + _strip_comment(raw[j]).strip()
            if _balance(line) != 0:
                raise SpecError("line %d: unbalanced brackets" % (i + 1))
            self.items.append((len(line) - len(line.lstrip(" ")), line.strip(), i))
            self.items.extend([None] * (j - i))
            i = j + 1

    def _next(self):
        while self.pos < len(self.items) and self.items[self.pos] is None:
            self.pos += 1
        return self.items[self.pos] if self.pos < len(self.items) else None

    def _block_scalar(self, indent, style, lineno):
        out, start = [], lineno + 1
        k = start
        while k < len(self.raw):
            line = self.raw[k]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break
            out.append(line.strip())
            k += 1
        while self.pos < len(self.items) and (self.items[self.pos] is None or
                                             self.items[self.pos][2] < k):
            self.pos += 1
        return ("\n" if style.startswith("|") else " ").join(out).strip()

    def _value(self, rest, indent, lineno):
        """The value after 'key:' or '- ', given the rest of its line."""
        anchor = None
        m = re.match(r"&([\w-]+)\s*(.*)$", rest)
        if m:
            anchor, rest = m.group(1), m.group(2)
        if rest in ("|", "|-", ">", ">-"):
            val = self._block_scalar(indent, rest, lineno)
        elif rest == "":
            nxt = self._next()
            if nxt is None or nxt[0] <= indent and not (nxt[0] == indent and
                                                        nxt[1].startswith("- ")):
                val = None
            else:
                val = self.block(nxt[0])
        else:
            val = _flow(rest, self.anchors)
        if anchor:
            self.anchors[anchor] = val
        return val

    def block(self, indent):
        first = self._next()
        if first is None:
            return None
        if first[1] == "-" or first[1].startswith("- "):
            return self._seq(indent)
        return self._map(indent)

    def _map(self, indent):
        out = {}
        while True:
            it = self._next()
            if it is None or it[0] < indent:
                return out
            if it[0] > indent:
                raise SpecError("line %d: bad indentation" % (it[2] + 1))
            if it[1].startswith("- "):
                return out
            m = re.match(r"([\w.-]+):(?:\s+(.*))?$", it[1])
            if not m:
                raise SpecError("line %d: expected 'key: value': %r" % (it[2] + 1, it[1]))
            self.pos += 1
            out[m.group(1)] = self._value((m.group(2) or "").strip(), indent, it[2])

    def _seq(self, indent):
        out = []
        while True:
            it = self._next()
            if it is None or it[0] != indent or not (it[1] == "-" or it[1].startswith("- ")):
                if it is not None and it[0] > indent:
                    raise SpecError("line %d: bad indentation" % (it[2] + 1))
                return out
            rest = it[1][1:].strip()
            if re.match(r"[\w.-]+:(\s|$)", rest):
                # "- key: value" starts a mapping at the column after "- "
                col = indent + (len(it[1]) - len(rest))
                self.items[self.pos] = (col, rest, it[2])
                out.append(self._map(col))
            else:
                self.pos += 1
                out.append(self._value(rest, indent, it[2]))


def load_yaml(text):
    r = _Reader(text)
    doc = r.block(0)
    if r._next() is not None:
        raise SpecError("line %d: not read (indentation?)" % (r._next()[2] + 1))
    return doc


# ---- the C header ------------------------------------------------------------

def _c_eval(expr, known):
    e = re.sub(r"/\*.*?\*/", " ", expr).strip()
    if re.fullmatch(r'"[^"]*"', e):
        return e[1:-1]

    def ident(m):
        name = m.group(0)
        if name not in known or not isinstance(known[name], int):
            raise SpecError("cannot evaluate %s in %r" % (name, expr))
        return str(known[name])
    e = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", e)
    e = re.sub(r"\b[A-Za-z_]\w*\b", ident, e)
    if not re.fullmatch(r"[\s0-9a-fA-FxX()+\-*/<>|&~]*", e):
        raise SpecError("cannot evaluate %r" % expr)
    return int(eval(e.replace("/", "//"), {"__builtins__": {}}))


class Header:
    def __init__(self, text):
        self.defines = {}
        self.values = {}		# every #define and enum constant with a value
        self.enums = {}			# name -> [(entry, value, type comment)]
        for m in re.finditer(r"^#define\s+(\w+)[ \t]+(.+?)\s*$", text, re.M):
            name, val = m.group(1), m.group(2)
            try:
                self.defines[name] = _c_eval(val, self.values)
                self.values[name] = self.defines[name]
            except SpecError:
                self.defines[name] = val
        for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\};", text, re.S):
            self.enums[m.group(1)] = self._enum(m.group(2))

    def _enum(self, body):
        entries, value, comment = [], -1, None
        tokens = re.finditer(r"/\*(.*?)\*/|(\w+)(\s*=\s*([^,]+?))?\s*(?:,|\Z)", body, re.S)
        last = None
        for t in tokens:
            if t.group(1) is not None:
                text = " ".join(t.group(1).replace("*", " ").split())
                # a comment on the line of the entry before belongs to it
                if last is not None and "\n" not in body[last[1]:t.start()]:
                    entries[-1] = entries[-1][:2] + (text,)
                    last = None
                else:
                    comment = text
                continue
            name = t.group(2)
            expr = t.group(4)
            value = _c_eval(expr, self.values) if expr else value + 1
            self.values[name] = value
            entries.append((name, value, comment))
            comment = None
            last = (name, t.end())
        return entries


# ---- the comparison --------------------------------------------------------------

def cname(s):
    return s.upper().replace("-", "_")


def _type_word(t, byte_order):
    if t in ("u16", "u32", "u64") and byte_order == "big-endian":
        return "be" + t[1:]
    return t


def check(spec, hdr):
    """A list of differences (empty if spec and header agree)."""
    errs = []
    fam = spec.get("name")
    if not fam:
        return ["spec has no name"]
    fname = cname(spec.get("c-family-name", fam + "-genl-name"))
    if hdr.defines.get(fname) != fam:
        errs.append("family: #define %s \"%s\" expected, header has %r"
                    % (fname, fam, hdr.defines.get(fname)))
    if "c-version-name" in spec and cname(spec["c-version-name"]) not in hdr.defines:
        errs.append("family: #define %s missing" % cname(spec["c-version-name"]))
    for g in (spec.get("mcast-groups") or {}).get("list", []):
        if g["name"] not in [v for v in hdr.defines.values() if isinstance(v, str)]:
            errs.append("mcast group %s: no #define with that name" % g["name"])

    defs = {}
    for d in spec.get("definitions", []) or []:
        defs[d["name"]] = d
        if d["type"] == "const":
            name = cname(d.get("name-prefix", fam + "-") + d["name"])
            if name not in hdr.defines:
                errs.append("const %s: #define %s missing" % (d["name"], name))
            elif hdr.defines[name] != d["value"]:
                errs.append("const %s: %s is %r, spec %r" % (d["name"], name,
                                                             hdr.defines[name], d["value"]))
        elif d["type"] == "enum":
            ename = cname(d.get("enum-name", fam + "-" + d["name"])).lower()
            prefix = d.get("name-prefix", fam + "-" + d["name"] + "-")
            want, v = [], -1
            for e in d["entries"]:
                n, v = (e["name"], e.get("value", v + 1)) if isinstance(e, dict) else (e, v + 1)
                want.append((cname(prefix + n), v, None))
            extra = [cname(d["enum-cnt-name"])] if "enum-cnt-name" in d else []
            errs += _cmp_enum("enum %s" % d["name"], ename, hdr, want, extra,
                              count=len(want) if extra else None)
        else:
            errs.append("definition %s: type %s not checked by this tool" % (d["name"], d["type"]))

    sets = spec.get("attribute-sets", []) or []
    for s in sets:
        ename = cname(s.get("enum-name", fam + "-attr")).lower()
        prefix = s.get("name-prefix", fam + "-a-")
        want, v = [], 0
        for a in s["attributes"]:
            v = a.get("value", v + 1)
            word = None if a["type"] == "unused" else _type_word(a["type"], a.get("byte-order"))
            if a.get("enum") and a["enum"] not in defs:
                errs.append("attribute %s: enum %s not defined" % (a["name"], a["enum"]))
            want.append((cname(prefix + a["name"]), v, word))
        errs += _cmp_enum("attribute set %s" % s["name"], ename, hdr, want, max_pair=True)

    ops = spec.get("operations") or {}
    ename = cname(ops.get("enum-name", fam + "-cmd")).lower()
    prefix = ops.get("name-prefix", fam + "-cmd-")
    want, v = [], 0
    names = {s["name"] for s in sets}
    for o in ops.get("list", []):
        v = o.get("value", v + 1)
        want.append((cname(prefix + o["name"]), v, None))
        if o.get("attribute-set") and o["attribute-set"] not in names:
            errs.append("operation %s: attribute set %s not defined" % (o["name"],
                                                                       o["attribute-set"]))
    errs += _cmp_enum("operations", ename, hdr, want, max_pair=True)
    return errs


def _cmp_enum(what, ename, hdr, want, extra=(), count=None, max_pair=False):
    if ename not in hdr.enums:
        return ["%s: enum %s missing from the header" % (what, ename)]
    have = list(hdr.enums[ename])
    errs = []
    if max_pair:
        # __X_MAX and X_MAX = __X_MAX - 1 close the enum
        have = [e for e in have if not e[0].startswith("__") and
                not (e[0].endswith("_MAX") and "__" + e[0] in hdr.values)]
    for name in extra:
        match = [e for e in have if e[0] == name]
        if not match:
            errs.append("%s: count entry %s missing" % (what, name))
        elif count is not None and match[0][1] != count:
            errs.append("%s: %s is %d, the spec has %d entries" % (what, name, match[0][1], count))
        have = [e for e in have if e[0] != name]
    for i in range(max(len(want), len(have))):
        w = want[i] if i < len(want) else None
        h = have[i] if i < len(have) else None
        if w is None:
            errs.append("%s: header has %s (= %d), the spec does not" % (what, h[0], h[1]))
        elif h is None:
            errs.append("%s: spec has %s (= %d), the header does not" % (what, w[0], w[1]))
        elif w[0] != h[0]:
            errs.append("%s: entry %d is %s in the spec, %s in the header" % (what, i, w[0], h[0]))
        elif w[1] != h[1]:
            errs.append("%s: %s is %d in the spec, %d in the header" % (what, w[0], w[1], h[1]))
        elif w[2] is not None:
            word = re.match(r"[a-z0-9]+", h[2] or "")
            if not word or word.group(0) != w[2]:
                errs.append("%s: %s is %s in the spec, its header comment says %r"
                            % (what, w[0], w[2], h[2]))
    return errs


def check_files(spec_path, hdr_path):
    with open(spec_path) as f:
        spec = load_yaml(f.read())
    with open(hdr_path) as f:
        hdr = Header(f.read())
    return check(spec, hdr)


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        errs = check_files(argv[1], argv[2])
    except SpecError as e:
        errs = ["cannot read: %s" % e]
    for e in errs:
        print("%s: %s" % (os.path.basename(argv[1]), e))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
