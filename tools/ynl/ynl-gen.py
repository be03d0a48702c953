#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the xmesh UAPI header and kernel policy tables from a YNL spec.

The YNL spec (Documentation/netlink/specs/xmesh.yaml) is the source of
truth of the generic netlink family. From it this tool writes:

  --mode uapi     the UAPI header: constants, enums of definitions,
                  attribute and command enums, multicast group names;
  --mode kernel-h the kernel header: policy and ops declarations and the
                  prototypes of the handlers the module implements;
  --mode kernel-c the kernel source: nla_policy arrays for every attribute
                  set, one request policy per operation, the genl_ops table
                  and the multicast groups.

It targets Linux 6.1, whose struct genl_ops carries one policy per command
(there are no split ops yet): the request policy of an operation is the
union of the attributes its do and dump requests accept, so the core
rejects any other attribute before a handler runs.

Only the operations named with --ops go into the ops table, so a command
can be in the UAPI before the module implements it. Names follow the
upstream YNL conventions: XMESH_A_<SET>_<ATTR>, XMESH_CMD_<OP>,
XMESH_<DEFINITION>_<ENTRY>.
"""

import argparse
import sys

import yaml

# Policy bounds that fit struct nla_policy's s16 min/max; anything wider
# goes through a struct netlink_range_validation.
S16_MIN = -(1 << 15)
S16_MAX = (1 << 15) - 1

INT_TYPES = {
    'u8': 'NLA_U8', 'u16': 'NLA_U16', 'u32': 'NLA_U32', 'u64': 'NLA_U64',
    's8': 'NLA_S8', 's16': 'NLA_S16', 's32': 'NLA_S32', 's64': 'NLA_S64',
}
BE_TYPES = {'u16': 'NLA_BE16', 'u32': 'NLA_BE32'}


class SpecError(Exception):
    pass


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


def tab_to(col, stop):
    """Tabs that move from column col to the tab stop stop."""
    return '\t' * max(1, (stop - col + 7) // 8)


def comment_lines(doc, indent=''):
    """A C comment of a spec doc string: one line, or a block."""
    text = ' '.join(doc.split())
    if len(indent) + len(text) + 6 <= 80:
        return [f'{indent}/* {text} */']
    out = [f'{indent}/*']
    line = ''
    for word in text.split():
        if line and len(indent) + 3 + len(line) + 1 + len(word) > 80:
            out.append(f'{indent} * {line}')
            line = word
        else:
            line = f'{line} {word}' if line else word
    if line:
        out.append(f'{indent} * {line}')
    out.append(f'{indent} */')
    return out


# The subset of the YNL genetlink schema this generator understands; the
# check mode rejects anything else rather than silently ignore it.
TOP_KEYS = {'name', 'protocol', 'uapi-header', 'doc', 'version',
            'definitions', 'attribute-sets', 'operations', 'mcast-groups'}
DEF_KEYS = {'type', 'name', 'value', 'doc', 'entries', 'value-start',
            'render-max'}
SET_KEYS = {'name', 'doc', 'attributes'}
ATTR_KEYS = {'name', 'type', 'doc', 'value', 'checks', 'byte-order', 'enum',
             'enum-as-flags', 'nested-attributes', 'multi-attr',
             'display-hint'}
# How upstream's tools print an attribute (and, for addresses, parse it):
# only on the types they apply to.
DISPLAY_HINTS = {'hex': None, 'mac': {'binary'}, 'uuid': {'binary'},
                 'ipv4': {'u32', 'binary'}, 'ipv6': {'binary'}}
ATTR_TYPES = set(INT_TYPES) | {'string', 'binary', 'flag', 'nest', 'pad'}
CHECK_KEYS = {'min', 'max', 'min-len', 'max-len', 'exact-len'}
OP_KEYS = {'name', 'doc', 'value', 'attribute-set', 'flags', 'do', 'dump',
           'event', 'mcgrp'}
# admin-perm: CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM);
# uns-admin-perm: CAP_NET_ADMIN over the netns' owner (GENL_UNS_ADMIN_PERM).
OP_FLAGS = {'admin-perm', 'uns-admin-perm'}
PERM_FLAGS = {'admin-perm': 'GENL_ADMIN_PERM',
              'uns-admin-perm': 'GENL_UNS_ADMIN_PERM'}
# pre: the dump's start callback (upstream YNL's name for it).
MSG_KEYS = {'request', 'reply', 'pre'}


def check_keys(what, obj, allowed):
    if not isinstance(obj, dict):
        raise SpecError(f'{what}: expected a mapping')
    unknown = set(obj) - allowed
    if unknown:
        raise SpecError(f'{what}: unknown keys {sorted(unknown)}')


def check_schema(spec):
    """Check the spec's structure: keys, types and checks we support."""
    check_keys('spec', spec, TOP_KEYS)
    for key in ('name', 'protocol'):
        if key not in spec:
            raise SpecError(f'spec: missing {key!r}')
    for d in spec.get('definitions', []):
        check_keys(f'definition {d.get("name")}', d, DEF_KEYS)
        if d.get('type') not in ('const', 'enum', 'flags'):
            raise SpecError(f'definition {d.get("name")}: bad type')
    for aset in spec.get('attribute-sets', []):
        check_keys(f'attribute-set {aset.get("name")}', aset, SET_KEYS)
        names = set()
        for attr in aset['attributes']:
            what = f'{aset["name"]}.{attr.get("name")}'
            check_keys(what, attr, ATTR_KEYS)
            if attr.get('type') not in ATTR_TYPES:
                raise SpecError(f'{what}: bad type {attr.get("type")!r}')
            check_keys(f'{what} checks', attr.get('checks', {}), CHECK_KEYS)
            if attr['name'] in names:
                raise SpecError(f'{what}: duplicate attribute')
            if not isinstance(attr.get('multi-attr', False), bool):
                raise SpecError(f'{what}: multi-attr must be true or false')
            hint = attr.get('display-hint')
            if hint is not None:
                if hint not in DISPLAY_HINTS:
                    raise SpecError(f'{what}: bad display-hint {hint!r}')
                types = DISPLAY_HINTS[hint]
                if types is not None and attr.get('type') not in types:
                    raise SpecError(f'{what}: display-hint {hint} on a '
                                    f'{attr.get("type")}')
            names.add(attr['name'])
    for op in spec.get('operations', {}).get('list', []):
        what = f'operation {op.get("name")}'
        check_keys(what, op, OP_KEYS)
        if set(op.get('flags', [])) - OP_FLAGS:
            raise SpecError(f'{what}: unknown flags')
        for kind in ('do', 'dump'):
            if kind in op:
                check_keys(f'{what} {kind}', op[kind], MSG_KEYS)
        if 'pre' in op.get('do', {}):
            raise SpecError(f'{what}: pre is supported on dump only')
        # Least privilege: every request, reads included, needs an admin
        # of the netns (a request without a flag would be open to all).
        if ('do' in op or 'dump' in op) and \
                not set(op.get('flags', [])) & set(PERM_FLAGS):
            raise SpecError(f'{what}: lacks admin-perm or uns-admin-perm')
        if len(set(op.get('flags', [])) & set(PERM_FLAGS)) > 1:
            raise SpecError(f'{what}: more than one permission flag')


class Family:
    def __init__(self, spec, spec_path):
        check_schema(spec)
        self.spec = spec
        self.spec_path = spec_path
        self.name = spec['name']
        if spec.get('protocol') != 'genetlink':
            raise SpecError('only genetlink families are supported')
        self.version = spec.get('version', 1)
        self.prefix = c_upper(self.name) + '_'
        self.lower = c_lower(self.name)
        self.defs = {d['name']: d for d in spec.get('definitions', [])}
        self.sets = {}
        for aset in spec.get('attribute-sets', []):
            attrs = {}
            val = 1
            for attr in aset['attributes']:
                val = attr.get('value', val)
                attr = dict(attr, _value=val)
                attrs[attr['name']] = attr
                val += 1
            self.sets[aset['name']] = dict(aset, _attrs=attrs)
        self.ops = []
        val = 1
        for op in spec.get('operations', {}).get('list', []):
            val = op.get('value', val)
            self.ops.append(dict(op, _value=val))
            val += 1
        self.mcgrps = spec.get('mcast-groups', {}).get('list', [])
        self._check()

    def _check(self):
        for sname, aset in self.sets.items():
            for attr in aset['_attrs'].values():
                nested = attr.get('nested-attributes')
                if attr['type'] == 'nest' and nested not in self.sets:
                    raise SpecError(f'{sname}.{attr["name"]}: unknown '
                                    f'nested set {nested!r}')
                enum = attr.get('enum')
                if enum is not None and enum not in self.defs:
                    raise SpecError(f'{sname}.{attr["name"]}: unknown '
                                    f'enum {enum!r}')
        for op in self.ops:
            aset = self.sets.get(op.get('attribute-set'))
            if aset is None:
                raise SpecError(f'op {op["name"]}: unknown attribute-set')
            for name in self.request_attrs(op):
                if name not in aset['_attrs']:
                    raise SpecError(f'op {op["name"]}: unknown attribute '
                                    f'{name!r}')

    # --- naming ---
    def attr_enum(self, sname, aname):
        return f'{self.prefix}A_{c_upper(sname)}_{c_upper(aname)}'

    def attr_max(self, sname):
        return f'{self.prefix}A_{c_upper(sname)}_MAX'

    def cmd_enum(self, op):
        return f'{self.prefix}CMD_{c_upper(op["name"])}'

    def set_policy(self, sname):
        return f'{self.lower}_{c_lower(sname)}_nl_policy'

    def op_policy(self, op):
        return f'{self.lower}_{c_lower(op["name"])}_nl_policy'

    def handler(self, op, kind):
        return f'{self.lower}_nl_{c_lower(op["name"])}_{kind}'

    # --- spec queries ---
    def request_attrs(self, op):
        """Attributes any request of op accepts, do and dump, in order."""
        names = []
        for kind in ('do', 'dump'):
            req = (op.get(kind) or {}).get('request') or {}
            for name in req.get('attributes', []):
                if name not in names:
                    names.append(name)
        return names

    def enum_values(self, dname):
        d = self.defs[dname]
        if d['type'] == 'flags':
            return [1 << i for i in range(len(d['entries']))]
        start = d.get('value-start', 0)
        return [start + i for i in range(len(d['entries']))]

    def nested_order(self):
        """Attribute sets, every nested set before the sets using it."""
        order, state = [], {}

        def visit(sname):
            if state.get(sname) == 'done':
                return
            if state.get(sname) == 'busy':
                raise SpecError(f'attribute set {sname!r} nests itself')
            state[sname] = 'busy'
            for attr in self.sets[sname]['_attrs'].values():
                if attr['type'] == 'nest':
                    visit(attr['nested-attributes'])
            state[sname] = 'done'
            order.append(sname)

        for sname in self.sets:
            visit(sname)
        return order


# --------------------------------------------------------------- UAPI header
def gen_uapi(fam):
    guard = f'_UAPI_LINUX_{c_upper(fam.name)}_H'
    out = [
        '/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) '
        'OR BSD-3-Clause) */',
        '/* Do not edit directly, auto-generated from: */',
        f'/*\t{fam.spec_path} */',
        '/* YNL-GEN uapi header */',
        '',
        f'#ifndef {guard}',
        f'#define {guard}',
        '',
        f'#define {fam.prefix}FAMILY_NAME\t"{fam.name}"',
        f'#define {fam.prefix}FAMILY_VERSION\t{fam.version}',
        '',
    ]
    consts = [d for d in fam.defs.values() if d['type'] == 'const']
    heads = [f'#define {fam.prefix}{c_upper(d["name"])}' for d in consts]
    stop = (max(map(len, heads), default=0) // 8 + 1) * 8
    for head, d in zip(heads, consts):
        out.append(head + tab_to(len(head), stop) + str(d['value']))
    if consts:
        out.append('')
    for d in fam.defs.values():
        if d['type'] not in ('enum', 'flags'):
            continue
        if 'doc' in d:
            out += comment_lines(d['doc'])
        ename = f'{fam.lower}_{c_lower(d["name"])}'
        eprefix = f'{fam.prefix}{c_upper(d["name"])}_'
        out.append(f'enum {ename} {{')
        values = fam.enum_values(d['name'])
        for i, entry in enumerate(d['entries']):
            ent = entry['name'] if isinstance(entry, dict) else entry
            line = f'\t{eprefix}{c_upper(ent)}'
            if d['type'] == 'flags' or (i == 0 and values[0] != 0):
                line += f' = {values[i]}'
            out.append(line + ',')
        out += ['};', '']
    for sname, aset in fam.sets.items():
        out.append('enum {')
        first = True
        for attr in aset['_attrs'].values():
            line = '\t' + fam.attr_enum(sname, attr['name'])
            if first:
                line += f' = {attr["_value"]}'
                first = False
            out.append(line + ',')
        mx = fam.attr_max(sname)
        out += ['', f'\t__{mx},', f'\t{mx} = (__{mx} - 1)', '};', '']
    out.append('enum {')
    for i, op in enumerate(fam.ops):
        line = '\t' + fam.cmd_enum(op)
        if i == 0:
            line += f' = {op["_value"]}'
        out.append(line + ',')
    mx = f'{fam.prefix}CMD_MAX'
    out += ['', f'\t__{mx},', f'\t{mx} = (__{mx} - 1)', '};', '']
    for grp in fam.mcgrps:
        out.append(f'#define {fam.prefix}MCGRP_{c_upper(grp["name"])}\t'
                   f'"{grp["name"]}"')
    if fam.mcgrps:
        out.append('')
    out.append(f'#endif /* {guard} */')
    return '\n'.join(out) + '\n'


# ------------------------------------------------------------ kernel policy
class PolicyWriter:
    def __init__(self, fam):
        self.fam = fam
        self.ranges = []        # (name, min, max) for wide range checks

    def int_policy(self, sname, attr):
        fam = self.fam
        typ = attr['type']
        if attr.get('byte-order') == 'big-endian':
            if typ not in BE_TYPES:
                raise SpecError(f'{attr["name"]}: no big-endian {typ}')
            nla = BE_TYPES[typ]
        else:
            nla = INT_TYPES[typ]
        checks = attr.get('checks', {})
        lo, hi = checks.get('min'), checks.get('max')
        enum = attr.get('enum')
        if enum is not None:
            values = fam.enum_values(enum)
            if attr.get('enum-as-flags') or fam.defs[enum]['type'] == 'flags':
                mask = 0
                for v in values:
                    mask |= v
                return f'NLA_POLICY_MASK({nla}, 0x{mask:x})'
            if values != list(range(values[0], values[-1] + 1)):
                raise SpecError(f'{attr["name"]}: sparse enum {enum}')
            lo = values[0] if lo is None else max(lo, values[0])
            hi = values[-1] if hi is None else min(hi, values[-1])
            if lo == 0:
                lo = None
        if lo is None and hi is None:
            return f'{{ .type = {nla}, }}'
        fits = all(v is None or S16_MIN <= v <= S16_MAX for v in (lo, hi))
        if fits:
            if hi is None:
                return f'NLA_POLICY_MIN({nla}, {lo})'
            if lo is None:
                return f'NLA_POLICY_MAX({nla}, {hi})'
            return f'NLA_POLICY_RANGE({nla}, {lo}, {hi})'
        if typ.startswith('s'):
            raise SpecError(f'{attr["name"]}: wide signed range unsupported')
        name = (f'{fam.lower}_{c_lower(sname)}_'
                f'{c_lower(attr["name"])}_range')
        if (name, lo, hi) not in self.ranges:
            self.ranges.append((name, lo, hi))
        return f'NLA_POLICY_FULL_RANGE({nla}, &{name})'

    def attr_policy(self, sname, attr):
        typ = attr['type']
        checks = attr.get('checks', {})
        if typ in INT_TYPES:
            return self.int_policy(sname, attr)
        if typ == 'string':
            if 'max-len' in checks:
                return (f'{{ .type = NLA_NUL_STRING, '
                        f'.len = {checks["max-len"]}, }}')
            return '{ .type = NLA_NUL_STRING, }'
        if typ == 'binary':
            if 'exact-len' in checks:
                return f'NLA_POLICY_EXACT_LEN({checks["exact-len"]})'
            lo, hi = checks.get('min-len'), checks.get('max-len')
            if lo is not None and hi is not None:
                return f'NLA_POLICY_RANGE(NLA_BINARY, {lo}, {hi})'
            if lo is not None:
                return f'NLA_POLICY_MIN_LEN({lo})'
            if hi is not None:
                return f'{{ .type = NLA_BINARY, .len = {hi}, }}'
            return '{ .type = NLA_BINARY, }'
        if typ == 'flag':
            return '{ .type = NLA_FLAG, }'
        if typ == 'nest':
            nested = self.fam.set_policy(attr['nested-attributes'])
            return f'NLA_POLICY_NESTED({nested})'
        if typ == 'pad':
            # Padding only appears in replies; a request carrying it is bad.
            return '{ .type = NLA_REJECT, }'
        raise SpecError(f'{attr["name"]}: unsupported type {typ!r}')

    def entries(self, sname, names):
        aset = self.fam.sets[sname]
        out = []
        for name in names:
            attr = aset['_attrs'][name]
            out.append(f'\t[{self.fam.attr_enum(sname, name)}] = '
                       f'{self.attr_policy(sname, attr)},')
        return out


def kernel_ops(fam, names):
    ops = []
    by_name = {op['name']: op for op in fam.ops}
    for name in names:
        if name not in by_name:
            raise SpecError(f'--ops: no operation {name!r} in the spec')
        op = by_name[name]
        if 'event' in op or not (op.get('do') or op.get('dump')):
            raise SpecError(f'--ops: {name!r} is a notification')
        ops.append(op)
    return ops


def op_maxattr(fam, op):
    aset = fam.sets[op['attribute-set']]['_attrs']
    names = fam.request_attrs(op)
    if not names:
        return None
    return max(names, key=lambda n: aset[n]['_value'])


def policy_size(fam, op):
    last = op_maxattr(fam, op)
    return fam.attr_enum(op['attribute-set'], last) + ' + 1'


def gen_kernel_h(fam, ops):
    guard = f'_{c_upper(fam.name)}_NETLINK_GEN_H'
    out = [
        '/* SPDX-License-Identifier: GPL-2.0 */',
        '/* Do not edit directly, auto-generated from: */',
        f'/*\t{fam.spec_path} */',
        '/* by tools/ynl/ynl-gen.py */',
        '',
        f'#ifndef {guard}',
        f'#define {guard}',
        '',
        '#include <net/genetlink.h>',
        '#include <net/netlink.h>',
        '',
        f'#include <linux/{fam.name}.h>',
        '',
        '/* Policies of the attribute sets, for nested attributes. */',
    ]
    for sname in fam.nested_order():
        out.append(f'extern const struct nla_policy '
                   f'{fam.set_policy(sname)}[{fam.attr_max(sname)} + 1];')
    out += ['', '/* Request policies of the operations. */']
    for op in ops:
        if op_maxattr(fam, op) is None:
            continue
        out.append(f'extern const struct nla_policy '
                   f'{fam.op_policy(op)}[{policy_size(fam, op)}];')
    out += ['', '/* Handlers, implemented by the module. */']
    for op in ops:
        if op.get('do'):
            out += c_proto(f'int {fam.handler(op, "doit")}',
                           ['struct sk_buff *skb', 'struct genl_info *info'])
        if op.get('dump'):
            out += c_proto(f'int {fam.handler(op, "dumpit")}',
                           ['struct sk_buff *skb',
                            'struct netlink_callback *cb'])
        if op.get('dump', {}).get('pre'):
            out += c_proto(f'int {c_lower(op["dump"]["pre"])}',
                           ['struct netlink_callback *cb'])
    out += ['', f'extern const struct genl_ops {fam.lower}_nl_ops[{len(ops)}];']
    if fam.mcgrps:
        out += ['', 'enum {']
        for grp in fam.mcgrps:
            out.append(f'\t{fam.prefix}NLGRP_{c_upper(grp["name"])},')
        out += ['};', '',
                f'extern const struct genl_multicast_group '
                f'{fam.lower}_nl_mcgrps[{len(fam.mcgrps)}];']
    out += ['', f'#endif /* {guard} */']
    return '\n'.join(out) + '\n'


def c_proto(head, args):
    """A prototype on one line, or wrapped under its open parenthesis."""
    line = f'{head}({", ".join(args)});'
    if len(line) <= 80:
        return [line]
    col = len(head) + 1
    pad = '\t' * (col // 8) + ' ' * (col % 8)
    out = [f'{head}({args[0]},']
    for i, arg in enumerate(args[1:], 1):
        out.append(pad + arg + (');' if i == len(args) - 1 else ','))
    return out


def gen_kernel_c(fam, ops):
    pw = PolicyWriter(fam)
    body = []
    for sname in fam.nested_order():
        aset = fam.sets[sname]
        body.append(f'const struct nla_policy '
                    f'{fam.set_policy(sname)}[{fam.attr_max(sname)} + 1] = {{')
        body += pw.entries(sname, list(aset['_attrs']))
        body += ['};', '']
    for op in ops:
        names = fam.request_attrs(op)
        if not names:
            continue
        kinds = ' and '.join(k for k in ('do', 'dump') if op.get(k))
        body.append(f'/* {c_upper(op["name"])} - {kinds} */')
        body.append(f'const struct nla_policy '
                    f'{fam.op_policy(op)}[{policy_size(fam, op)}] = {{')
        body += pw.entries(op['attribute-set'], names)
        body += ['};', '']
    body.append(f'const struct genl_ops {fam.lower}_nl_ops[{len(ops)}] = {{')
    for op in ops:
        body += ['\t{', f'\t\t.cmd\t\t= {fam.cmd_enum(op)},']
        if op.get('do'):
            body.append(f'\t\t.doit\t\t= {fam.handler(op, "doit")},')
        if op.get('dump', {}).get('pre'):
            body.append(f'\t\t.start\t\t= {c_lower(op["dump"]["pre"])},')
        if op.get('dump'):
            body.append(f'\t\t.dumpit\t\t= {fam.handler(op, "dumpit")},')
        last = op_maxattr(fam, op)
        if last is not None:
            body.append(f'\t\t.policy\t\t= {fam.op_policy(op)},')
            body.append(f'\t\t.maxattr\t= '
                        f'{fam.attr_enum(op["attribute-set"], last)},')
        for flag in op.get('flags', []):
            body.append(f'\t\t.flags\t\t= {PERM_FLAGS[flag]},')
        body.append('\t},')
    body += ['};']
    if fam.mcgrps:
        body += ['', f'const struct genl_multicast_group '
                 f'{fam.lower}_nl_mcgrps[{len(fam.mcgrps)}] = {{']
        for grp in fam.mcgrps:
            body.append(f'\t[{fam.prefix}NLGRP_{c_upper(grp["name"])}] = '
                        f'{{ .name = {fam.prefix}MCGRP_{c_upper(grp["name"])}, }},')
        body += ['};']
    head = [
        '// SPDX-License-Identifier: GPL-2.0',
        '/* Do not edit directly, auto-generated from: */',
        f'/*\t{fam.spec_path} */',
        '/* by tools/ynl/ynl-gen.py */',
        '',
        '#include "netlink_gen.h"',
        '',
    ]
    if pw.ranges:
        # 6.1's struct nla_policy points at a non-const range.
        for name, lo, hi in pw.ranges:
            head.append(f'static struct netlink_range_validation {name} = {{')
            if lo is not None:
                head.append(f'\t.min = {lo}ULL,')
            if hi is not None:
                head.append(f'\t.max = {hi}ULL,')
            head += ['};', '']
    return '\n'.join(head + body) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', required=True, help='YNL spec (YAML)')
    ap.add_argument('--spec-name', help='spec path written into the output')
    ap.add_argument('--mode', required=True,
                    choices=['uapi', 'kernel-h', 'kernel-c', 'check'])
    ap.add_argument('--ops', default='',
                    help='comma-separated operations the module implements')
    ap.add_argument('-o', '--output', help='output file (default stdout)')
    args = ap.parse_args()

    try:
        with open(args.spec, encoding='utf-8') as f:
            spec = yaml.safe_load(f)
        fam = Family(spec, args.spec_name or args.spec)
        ops = kernel_ops(fam, [o for o in args.ops.split(',') if o])
        if args.mode == 'uapi':
            text = gen_uapi(fam)
        elif args.mode == 'kernel-h':
            text = gen_kernel_h(fam, ops)
        elif args.mode == 'kernel-c':
            text = gen_kernel_c(fam, ops)
        else:
            text = ''
    except (OSError, yaml.YAMLError, SpecError, KeyError, TypeError) as e:
        print(f'ynl-gen: {args.spec}: {type(e).__name__}: {e}',
              file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
