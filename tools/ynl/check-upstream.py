#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the xmesh YNL spec against upstream's YNL tooling and the kernel.

  check-upstream.py schema ROOT   upstream's spec parser (ROOT's
                                  tools/net/ynl) reads the spec installed in
                                  ROOT's Documentation/netlink/specs/ and
                                  validates it against the schema its
                                  protocol names, found by upstream's own
                                  layout; every operation is parsed
  check-upstream.py multi-attr    every attribute xmesh.ko repeats in one
                                  message (read from kmod/*.c) is declared
                                  multi-attr in the spec, and every
                                  multi-attr one is repeated somewhere
  check-upstream.py uapi ROOT     upstream's ynl-gen-c.py makes the same
                                  UAPI header as include/uapi/linux/xmesh.h,
                                  comments aside

ROOT comes from tools/ynl/upstream-ynl. Exits 0 when the check holds, 1
with the reasons on stderr otherwise.
"""

import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SPEC = os.path.join(TOP, 'Documentation/netlink/specs/xmesh.yaml')


def ynl_dir(root):
    """Where upstream's Python library lives: pyynl/ since 6.14."""
    for sub in ('tools/net/ynl/pyynl', 'tools/net/ynl'):
        if os.path.isfile(os.path.join(root, sub, 'lib', 'nlspec.py')):
            return os.path.join(root, sub)
    raise SystemExit(f'{root}: no tools/net/ynl/lib/nlspec.py')


def load_spec():
    with open(SPEC, encoding='utf-8') as f:
        return yaml.safe_load(f)


def check_schema(root):
    sys.path.insert(0, ynl_dir(root))
    from lib.nlspec import SpecFamily  # pylint: disable=import-outside-toplevel
    spec = load_spec()
    path = os.path.join(root, 'Documentation/netlink/specs/xmesh.yaml')
    proto = spec.get('protocol', 'genetlink')
    schema = os.path.join(root, f'Documentation/netlink/{proto}.yaml')
    if not os.path.isfile(schema):
        print(f'upstream has no schema {schema}', file=sys.stderr)
        return 1
    # schema_path None: upstream finds the schema from the spec's place.
    fam = SpecFamily(path)
    want = [op['name'] for op in spec['operations']['list']]
    got = list(fam.msgs)
    if got != want:
        print(f'upstream parsed the messages {got}, the spec has {want}',
              file=sys.stderr)
        return 1
    print(f'valid against {os.path.relpath(schema, root)}; '
          f'{len(fam.ops)} operations, {len(got) - len(fam.ops)} '
          f'notification(s), {len(fam.attr_sets)} attribute sets')
    return 0


# ------------------------------------------------------------- multi-attr
LOOP = re.compile(r'^\s*(for|while|[a-z_]*for_each[a-z_]*)\b')
NEW_MSG = re.compile(r'genlmsg_put|_dump_put\(|genlmsg_new|event_new\(')
ATTR = r'XMESH_A_([A-Z0-9]+)_([A-Z0-9_]+)'


def functions(text):
    """(name, body start, body end) of each top-level function."""
    out = []
    for m in re.finditer(r'^[a-z][^\n;]*?\b(\w+)\(([^;{]*?)\)\s*\n\{',
                         text, re.M):
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == '{':
                depth += 1
            elif text[i] == '}':
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append((m.group(1), m.end(), i))
    return out


def loop_bodies(text, start, end):
    """Spans of the loop bodies in text[start:end] (braced or one line)."""
    spans = []
    lines = text[start:end].split('\n')
    pos = start
    offs = []
    for line in lines:
        offs.append(pos)
        pos += len(line) + 1
    for i, line in enumerate(lines):
        if not LOOP.match(line):
            continue
        # The header may span lines: find where its parentheses close.
        j, depth, seen = i, 0, False
        while j < len(lines):
            for ch in lines[j]:
                if ch == '(':
                    depth += 1
                    seen = True
                elif ch == ')':
                    depth -= 1
            if seen and depth == 0:
                break
            j += 1
        if j >= len(lines):
            continue
        if lines[j].rstrip().endswith('{'):
            b0 = offs[j] + lines[j].rstrip().rfind('{')
            depth, k = 0, b0
            while k < end:
                if text[k] == '{':
                    depth += 1
                elif text[k] == '}':
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            spans.append((b0, k))
        else:
            # One statement: up to the next ';' at depth 0.
            k = offs[j] + len(lines[j])
            stop = text.find(';', k)
            spans.append((k, stop))
    return spans


def repeated_attrs():
    """Attributes (set, attr) xmesh.ko repeats inside one message."""
    found = {}
    sources = sorted(glob.glob(os.path.join(TOP, 'kmod', '*.c')))
    texts = {}
    for path in sources:
        if path.endswith('netlink_gen.c'):
            continue
        with open(path, encoding='utf-8') as f:
            texts[path] = f.read()
    # Functions that put a nest, by name: a call in a loop repeats it.
    putters = {}
    for path, text in texts.items():
        for name, s, e in functions(text):
            for m in re.finditer(r'nla_nest_start(?:_noflag)?\(\s*\w+,\s*'
                                 + ATTR, text[s:e]):
                putters.setdefault(name, set()).add(m.groups())
    for path, text in texts.items():
        rel = os.path.relpath(path, TOP)
        for name, s, e in functions(text):
            for b0, b1 in loop_bodies(text, s, e):
                body = text[b0:b1]
                # A loop that builds a message per turn repeats nothing.
                if NEW_MSG.search(body):
                    continue
                where = f'{rel}:{text.count(chr(10), 0, b0) + 1} ({name})'
                # Request side: a loop over attributes picking one type.
                for m in re.finditer(r'nla_type\(\s*\w+\s*\)\s*[!=]=\s*'
                                     + ATTR, body):
                    found.setdefault(m.groups(), where)
                # Reply side: a nest started per turn, here or in a callee.
                for m in re.finditer(r'nla_nest_start(?:_noflag)?\(\s*\w+,'
                                     r'\s*' + ATTR, body):
                    found.setdefault(m.groups(), where)
                for callee, attrs in putters.items():
                    if re.search(r'\b' + callee + r'\(', body):
                        for a in attrs:
                            found.setdefault(a, where)
    return found


def check_multi_attr():
    spec = load_spec()
    multi = set()
    declared = {}
    for aset in spec['attribute-sets']:
        for attr in aset['attributes']:
            key = (aset['name'].upper().replace('-', '_'),
                   attr['name'].upper().replace('-', '_'))
            declared[key] = f'{aset["name"]}.{attr["name"]}'
            if attr.get('multi-attr'):
                multi.add(key)
    found = repeated_attrs()
    rc = 0
    for key, where in sorted(found.items()):
        name = declared.get(key, 'XMESH_A_%s_%s' % key)
        if key not in multi:
            print(f'{name}: repeated by {where} but not multi-attr',
                  file=sys.stderr)
            rc = 1
        else:
            print(f'{name}: repeated ({where}), multi-attr')
    for key in sorted(multi - set(found)):
        print(f'{declared[key]}: multi-attr, but xmesh.ko never repeats it',
              file=sys.stderr)
        rc = 1
    return rc


# ------------------------------------------------------------------- uapi
def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return [line.rstrip() for line in text.split('\n') if line.strip()]


def check_uapi(root):
    gen = os.path.join(root, 'tools/net/ynl/ynl-gen-c.py')
    if not os.path.isfile(gen):
        gen = os.path.join(root, 'tools/net/ynl/pyynl/ynl_gen_c.py')
    spec = os.path.join(root, 'Documentation/netlink/specs/xmesh.yaml')
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'xmesh.h')
        res = subprocess.run([sys.executable, gen, '--mode', 'uapi',
                              '--header', '--spec', spec, '-o', out],
                             cwd=os.path.dirname(gen), capture_output=True,
                             text=True, timeout=120, check=False)
        if res.returncode != 0:
            print(f'{gen} failed:\n{res.stdout}{res.stderr}',
                  file=sys.stderr)
            return 1
        with open(out, encoding='utf-8') as f:
            theirs = strip_comments(f.read())
    with open(os.path.join(TOP, 'include/uapi/linux/xmesh.h'),
              encoding='utf-8') as f:
        ours = strip_comments(f.read())
    if theirs != ours:
        import difflib  # pylint: disable=import-outside-toplevel
        sys.stderr.writelines(difflib.unified_diff(
            [line + '\n' for line in theirs], [line + '\n' for line in ours],
            'upstream ynl-gen-c.py', 'include/uapi/linux/xmesh.h'))
        return 1
    print(f'{len(ours)} lines equal, comments aside')
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = sys.argv[1]
    if cmd == 'schema' and len(sys.argv) == 3:
        return check_schema(sys.argv[2])
    if cmd == 'multi-attr' and len(sys.argv) == 2:
        return check_multi_attr()
    if cmd == 'uapi' and len(sys.argv) == 3:
        return check_uapi(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
