#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every operation of the xmesh family through upstream's YNL CLI.

  ynl_cli.py ROOT

ROOT is a kernel tree with upstream's tools/net/ynl and the xmesh spec in
its Documentation/netlink/specs/ (tools/ynl/upstream-ynl makes it). Each
request is one run of upstream's cli.py (its main(), with --spec, --json
and --output-json on its command line), each reply its output; the
replies are checked against what was set. The first run and the refused
requests run cli.py as a program of its own; the others run its main() in
this process, since a Python start costs seconds in the emulated VM. Covers
every do and dump of the spec and the event notification, a peer with two
key slots read back as two, and batches of routes in one request; replies
are fed back as requests (route-get's dump deletes the routes it lists,
tenant-get's reply updates the tenant). Runs in the test VM as root with
xmesh.ko loaded. Prints TAP.
"""

import contextlib
import importlib.util
import io
import ipaddress
import json
import os
import subprocess
import sys
import time

DEV = 'xmynl0'
CLI_TIMEOUT = 120


class Fail(Exception):
    pass


class Cli:
    def __init__(self, root):
        for sub in ('tools/net/ynl/pyynl/cli.py', 'tools/net/ynl/cli.py'):
            path = os.path.join(root, sub)
            if os.path.isfile(path):
                self.cli = path
                break
        else:
            raise Fail(f'{root}: no tools/net/ynl cli.py')
        self.spec = os.path.join(root, 'Documentation/netlink/specs/xmesh.yaml')
        lib = os.path.join(os.path.dirname(self.cli), 'lib', 'ynl.py')
        with open(lib, encoding='utf-8') as f:
            src = f.read()
        # Newer libraries parse addresses of attributes with an ipv4/ipv6
        # display hint; 6.12's takes only integers and hex.
        self.parses_addresses = '_from_string' in src
        # 6.12's library loses track of a --do whose own notification
        # arrives before the ack (it then reads op.attr_set of None).
        self.ntf_on_do_breaks = 'attr_space=op.attr_set' in src
        self.runs = self.programs = 0
        self.seconds = 0.0
        # cli.py imports its library as "lib", from its own directory.
        sys.path.insert(0, os.path.dirname(self.cli))
        mod = importlib.util.spec_from_file_location('ynl_cli_main', self.cli)
        self.main = importlib.util.module_from_spec(mod)
        mod.loader.exec_module(self.main)

    def run(self, args, schema=False, program=False):
        """Run cli.py; returns (exit status, stdout, stderr)."""
        argv = [self.cli, '--spec', self.spec]
        if not schema:
            # Validated against the schema by the first run (--list-ops)
            # and by suite 13-ynl; the others skip the slow jsonschema.
            argv.append('--no-schema')
        argv += args
        start = time.monotonic()
        if program:
            res = subprocess.run([sys.executable] + argv, capture_output=True,
                                 text=True, timeout=CLI_TIMEOUT, check=False)
            rc, out, err = res.returncode, res.stdout, res.stderr
        else:
            rc, out, err = self.run_main(argv)
        self.runs += 1
        self.programs += program
        self.seconds += time.monotonic() - start
        return rc, out, err

    def run_main(self, argv):
        """cli.py's main() with argv, as its own process would run it."""
        out, err = io.StringIO(), io.StringIO()
        saved = sys.argv
        sys.argv = argv
        rc = 0
        try:
            with contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                self.main.main()
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else int(e.code is not None)
        finally:
            sys.argv = saved
        return rc, out.getvalue(), err.getvalue()

    def call(self, kind, op, attrs, extra=()):
        """One --do or --dump; the decoded reply (None when there is none)."""
        args = [f'--{kind}', op, '--json', json.dumps(attrs), '--output-json']
        rc, out, err = self.run(args + list(extra))
        if rc != 0:
            raise Fail(f'cli.py --{kind} {op} {json.dumps(attrs)}: exit {rc}\n'
                       f'{out}{err}')
        lines = [line for line in out.split('\n') if line.strip()]
        if not lines:
            raise Fail(f'cli.py --{kind} {op}: no output\n{err}')
        return [json.loads(line) for line in lines]

    def do(self, op, attrs):
        return self.call('do', op, attrs)[0]

    def dump(self, op, attrs):
        return self.call('dump', op, attrs)[0]

    def error(self, op, attrs, program=False):
        """A --do the kernel refuses: the CLI's message."""
        rc, out, err = self.run(['--do', op, '--json', json.dumps(attrs)],
                                program=program)
        if rc == 0:
            raise Fail(f'cli.py --do {op} {json.dumps(attrs)} succeeded:\n{out}')
        return out + err

    # Addresses in requests: what this version of the library parses.
    def v4(self, addr):
        return addr if self.parses_addresses else \
            int(ipaddress.IPv4Address(addr))

    def v6(self, addr):
        return addr if self.parses_addresses else \
            ipaddress.IPv6Address(addr).packed.hex()

    def as_request(self, obj):
        """A reply's prefixes/endpoints as a request of this library."""
        out = dict(obj)
        for key in ('dst-ipv4', 'remote-ipv4'):
            if key in out:
                out[key] = self.v4(out[key])
        for key in ('dst-ipv6', 'remote-ipv6'):
            if key in out:
                out[key] = self.v6(out[key])
        return out


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, desc, fn):
        self.n += 1
        try:
            fn()
        except Exception as e:  # pylint: disable=broad-except
            self.failed += 1
            print(f'not ok {self.n} {desc}')
            for line in f'{type(e).__name__}: {e}'.split('\n')[:40]:
                print(f'# {line}')
            return False
        print(f'ok {self.n} {desc}')
        return True


def expect(cond, what):
    if not cond:
        raise Fail(what)


def subscribed(group_id):
    """Netlink sockets that joined generic netlink group group_id."""
    socks = set()
    with open('/proc/net/netlink', encoding='ascii') as f:
        for line in f.readlines()[1:]:
            sk, eth, _pid, groups = line.split()[:4]
            if eth == '16' and int(groups, 16) >> (group_id - 1) & 1:
                socks.add(sk)
    return socks


def listen_while(cli, action):
    """Run action while "cli.py --subscribe events" listens; its output."""
    # The families the library read from the kernel: a module global in
    # 6.12, a class attribute later.
    lib = sys.modules['lib.ynl']
    fams = getattr(lib.GenlProtocol, 'genl_family_name_to_id', None) or \
        getattr(lib, 'genl_family_name_to_id')
    gid = fams['xmesh']['mcast']['events']
    expect(gid <= 32, f'group id {gid}: /proc/net/netlink shows 32 only')
    before = subscribed(gid)
    argv = [sys.executable, cli.cli, '--spec', cli.spec, '--no-schema',
            '--subscribe', 'events', '--sleep', '30', '--output-json']
    with subprocess.Popen(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            for _ in range(120):
                if subscribed(gid) - before or proc.poll() is not None:
                    break
                time.sleep(0.5)
            expect(subscribed(gid) - before, 'the listener never subscribed')
            action()
            out, err = proc.communicate(timeout=CLI_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    cli.runs += 1
    cli.programs += 1
    expect(proc.returncode == 0, f'listener exit {proc.returncode}\n{out}{err}')
    return [json.loads(line) for line in out.split('\n') if line.strip()]


def key(seed):
    return bytes((seed + i) & 0xff for i in range(32)).hex()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    cli = Cli(sys.argv[1])
    tap = Tap()
    subprocess.run(['ip', 'link', 'del', DEV], capture_output=True, check=False)
    subprocess.run(['ip', 'link', 'add', DEV, 'type', 'xmesh'], check=True)
    try:
        run_tests(cli, tap)
    finally:
        subprocess.run(['ip', 'link', 'del', DEV], check=False)
    print(f'# {cli.runs} runs of {os.path.relpath(cli.cli, sys.argv[1])} '
          f'({cli.programs} as programs) in {cli.seconds:.1f} s; '
          f'addresses given as '
          f'{"strings" if cli.parses_addresses else "integers and hex"}')
    print(f'1..{tap.n}')
    return 1 if tap.failed else 0


# pylint: disable=too-many-statements
def run_tests(cli, tap):
    state = {}

    def list_ops():
        rc, out, err = cli.run(['--list-ops'], schema=True, program=True)
        expect(rc == 0, f'--list-ops: exit {rc}\n{out}{err}')
        want = {'dev-get': {'do', 'dump'}, 'dev-set': {'do'},
                'peer-new': {'do'}, 'peer-set': {'do'}, 'peer-del': {'do'},
                'peer-get': {'do', 'dump'}, 'key-new': {'do'},
                'key-swap': {'do'}, 'key-del': {'do'}, 'route-new': {'do'},
                'route-del': {'do'}, 'route-get': {'dump'},
                'nexthop-new': {'do'}, 'nexthop-del': {'do'},
                'nexthop-get': {'dump'}, 'tenant-new': {'do'},
                'tenant-set': {'do'}, 'tenant-del': {'do'},
                'tenant-get': {'do', 'dump'}}
        got = {}
        for line in out.split('\n'):
            if '[' in line:
                name, modes = line.split('[', 1)
                got[name.strip()] = {m.strip() for m in
                                     modes.rstrip(' ]').split(',')}
        expect(got == want, f'--list-ops gave {got}')
    tap.check('the CLI validates the spec against upstream\'s schema and '
              'lists every operation with its do/dump', list_ops)

    def dev_get():
        rep = cli.do('dev-get', {'ifname': DEV})
        expect(rep['ifname'] == DEV and rep['ifindex'] > 0, rep)
        expect(set(rep) >= {'listen-port', 'node-id', 'mtu', 'flags',
                            'generation', 'stats'}, rep)
        expect(rep['stats']['rx-packets'] == 0, rep)
        state['ifindex'] = rep['ifindex']
    if not tap.check('dev-get do by ifname', dev_get):
        return
    ifx = state['ifindex']

    def dev_set():
        rep = cli.do('dev-set', {'ifindex': ifx, 'listen-port': 51999,
                                 'node-id': 10, 'mtu': 1400,
                                 'flags': ['relay']})
        expect(rep is None, rep)
        rep = cli.do('dev-get', {'ifindex': ifx})
        got = {k: rep[k] for k in ('listen-port', 'node-id', 'mtu', 'flags')}
        expect(got == {'listen-port': 51999, 'node-id': 10, 'mtu': 1400,
                       'flags': ['relay']}, got)
    tap.check('dev-set do: port, node id, mtu and flags read back by dev-get',
              dev_set)

    def dev_dump():
        reps = cli.dump('dev-get', {})
        mine = [r for r in reps if r['ifindex'] == ifx]
        expect(len(mine) == 1 and mine[0]['ifname'] == DEV, reps)
    tap.check('dev-get dump lists the device', dev_dump)

    def peer_get(node):
        return cli.do('peer-get', {'ifindex': ifx, 'peer': {'node-id': node}})

    def peer_new():
        cli.do('peer-new', {'ifindex': ifx, 'peer': {
            'node-id': 2, 'remote-ipv4': cli.v4('192.0.2.2'),
            'remote-port': 51830}})
        cli.do('peer-new', {'ifname': DEV, 'peer': {'node-id': 3}})
        peer = peer_get(2)['peer']
        expect(peer['node-id'] == 2 and peer['remote-port'] == 51830, peer)
        expect(peer['remote-ipv4'] in ('192.0.2.2',
                                       int(ipaddress.IPv4Address('192.0.2.2'))),
               peer)
    tap.check('peer-new do; peer-get do reads the IPv4 endpoint back',
              peer_new)

    def peer_set():
        # Round trip: the peer as peer-get gave it, endpoint changed.
        peer = cli.as_request(peer_get(2)['peer'])
        peer.pop('stats', None)
        del peer['remote-ipv4']
        peer['remote-ipv6'] = cli.v6('fd00::2')
        peer['remote-port'] = 51831
        cli.do('peer-set', {'ifindex': ifx, 'peer': peer})
        got = peer_get(2)['peer']
        expect(got.get('remote-ipv6') in ('fd00::2', cli.v6('fd00::2')), got)
        expect(got['remote-port'] == 51831 and 'remote-ipv4' not in got, got)
    tap.check('peer-set do with peer-get\'s reply: the IPv6 endpoint reads back',
              peer_set)

    def key_new():
        for slot, idx, seed in (('primary', 100, 1), ('secondary', 101, 2)):
            cli.do('key-new', {'ifindex': ifx, 'peer': {
                'node-id': 2, 'keyconf': {
                    'slot': slot, 'local-index': idx,
                    'remote-index': idx + 100, 'encrypt-key': key(seed),
                    'decrypt-key': key(seed + 64), 'rekey-after': 1000}}})
        kcs = peer_get(2)['peer']['keyconf']
        expect(isinstance(kcs, list) and len(kcs) == 2,
               f'keyconf is not a list of two: {kcs}')
        got = sorted((k['slot'], k['local-index'], k['remote-index'],
                      k['rekey-after']) for k in kcs)
        expect(got == [('primary', 100, 200, 1000),
                       ('secondary', 101, 201, 1000)], got)
        expect(all('encrypt-key' not in k and 'decrypt-key' not in k
                   for k in kcs), kcs)
    tap.check('key-new do in both slots; peer-get reads two key slots back '
              'as two', key_new)

    def key_swap():
        cli.do('key-swap', {'ifindex': ifx, 'peer': {'node-id': 2}})
        kcs = peer_get(2)['peer']['keyconf']
        got = sorted((k['slot'], k['local-index']) for k in kcs)
        expect(got == [('primary', 101), ('secondary', 100)], got)
    tap.check('key-swap do: the slots read back swapped', key_swap)

    def key_del():
        cli.do('key-del', {'ifindex': ifx, 'peer': {
            'node-id': 2, 'keyconf': {'slot': 'secondary'}}})
        kcs = peer_get(2)['peer']['keyconf']
        expect(isinstance(kcs, list) and len(kcs) == 1 and
               kcs[0]['slot'] == 'primary' and kcs[0]['local-index'] == 101,
               kcs)
        msg = cli.error('key-del', {'ifindex': ifx, 'peer': {
            'node-id': 2, 'keyconf': {'slot': 'secondary'}}}, program=True)
        expect('key slot is empty' in msg, msg)
    tap.check('key-del do: one slot left, a list of one; an empty slot is '
              'refused with the kernel\'s message', key_del)

    def dumped(op, nest, ident):
        """The objects of a dump, by id; each reply names the device."""
        reps = cli.dump(op, {'ifindex': ifx})
        expect(all(r['ifindex'] == ifx for r in reps), reps)
        return {r[nest][ident]: r[nest] for r in reps}

    def peer_dump():
        peers = dumped('peer-get', 'peer', 'node-id')
        expect(sorted(peers) == [2, 3], peers)
        expect(len(peers[2]['keyconf']) == 1, peers)
    tap.check('peer-get dump lists both peers', peer_dump)

    routes = [('10.1.0.0', 16, 2), ('10.2.0.0', 24, 3), ('10.3.3.0', 24, 2),
              ('fd10::', 48, 3), ('fd20:1::', 64, 2)]

    def route_req(addr, plen, node=None):
        ip = ipaddress.ip_address(addr)
        r = {'dst-ipv4': cli.v4(addr)} if ip.version == 4 else \
            {'dst-ipv6': cli.v6(addr)}
        r['prefix-len'] = plen
        if node is not None:
            r['node-id'] = node
        return r

    def route_key(r):
        addr = r.get('dst-ipv4', r.get('dst-ipv6'))
        if isinstance(addr, int):
            addr = str(ipaddress.IPv4Address(addr))
        elif 'dst-ipv6' in r and ':' not in addr:
            addr = str(ipaddress.IPv6Address(bytes.fromhex(addr)))
        return (addr, r['prefix-len'], r.get('node-id'))

    def listed(obj, name):
        """A multi-attr as decoded: a list, even of one."""
        expect(isinstance(obj[name], list), f'{name} is not a list: {obj}')
        return obj[name]

    def dumped_routes():
        reps = cli.dump('route-get', {'ifindex': ifx})
        expect(all(len(listed(r, 'route')) == 1 for r in reps), reps)
        return [r['route'][0] for r in reps]

    def route_dump():
        return sorted(route_key(r) for r in dumped_routes())

    def route_new():
        rep = cli.do('route-new', {'ifindex': ifx, 'route': [
            route_req(*r) for r in routes]})
        expect(rep is None, rep)
        got = route_dump()
        expect(got == sorted(routes), f'route-get dump: {got}')
    tap.check(f'route-new do with a batch of {len(routes)} routes (IPv4 and '
              'IPv6) in one request; route-get dump lists them all', route_new)

    def route_del():
        # Round trip: route-get's dump, all but one, back in one request.
        reps = dumped_routes()
        batch = [cli.as_request(r) for r in reps
                 if route_key(r)[0] != '10.2.0.0']
        expect(len(batch) == len(routes) - 1, reps)
        cli.do('route-del', {'ifindex': ifx, 'route': batch})
        got = route_dump()
        expect(got == [('10.2.0.0', 24, 3)], got)
        msg = cli.error('route-del', {'ifindex': ifx, 'route': [
            route_req('10.9.0.0', 16)]})
        expect('no such route' in msg, msg)
    tap.check('route-del do with route-get\'s dump as a batch: one route left',
              route_del)

    def nexthop():
        cli.do('nexthop-new', {'ifindex': ifx, 'nexthop': {
            'dst-node': 3, 'via-node': 2, 'metric': 10}})
        cli.do('nexthop-new', {'ifname': DEV, 'nexthop': {
            'dst-node': 3, 'via-node': 3, 'metric': 20}})
        reps = cli.dump('nexthop-get', {'ifindex': ifx})
        got = sorted((r['nexthop']['dst-node'], r['nexthop']['via-node'],
                      r['nexthop']['metric']) for r in reps)
        expect(got == [(3, 2, 10), (3, 3, 20)], reps)
        expect(sum(1 for r in reps if r['nexthop'].get('active')) <= 1, reps)
        cli.do('nexthop-del', {'ifindex': ifx, 'nexthop': {
            'dst-node': 3, 'via-node': 2}})
        reps = cli.dump('nexthop-get', {'ifindex': ifx})
        got = [(r['nexthop']['dst-node'], r['nexthop']['via-node'])
               for r in reps]
        expect(got == [(3, 3)], reps)
    tap.check('nexthop-new do twice, nexthop-get dump, nexthop-del do',
              nexthop)

    def tenant_get(tid):
        return cli.do('tenant-get', {'ifindex': ifx, 'tenant': {'id': tid}})

    def prefixes(t):
        return sorted(route_key(p)[:2] for p in t['prefix'])

    def tenant_new():
        cli.do('tenant-new', {'ifindex': ifx, 'tenant': {
            'id': 7, 'prefix': [route_req('10.7.0.0', 16),
                                route_req('fd07::', 64)],
            'rate-bps': 8000000, 'burst-bytes': 65536,
            'budget-bytes': 1 << 30}})
        t = tenant_get(7)['tenant']
        expect(len(listed(t, 'prefix')) == 2, t)
        expect(prefixes(t) == [('10.7.0.0', 16), ('fd07::', 64)], t)
        expect(t['rate-bps'] == 8000000 and t['budget-bytes'] == 1 << 30, t)
    tap.check('tenant-new do with two prefixes; tenant-get do reads both '
              'back', tenant_new)

    def tenant_set():
        # Round trip: tenant-get's reply, one prefix more, a new budget.
        t = dict(tenant_get(7)['tenant'])
        t.pop('stats', None)
        t['prefix'] = [cli.as_request(p) for p in t['prefix']]
        t['prefix'].append(route_req('10.77.0.0', 24))
        t['budget-bytes'] = 5000
        cli.do('tenant-set', {'ifindex': ifx, 'tenant': t})
        got = tenant_get(7)['tenant']
        expect(prefixes(got) == [('10.7.0.0', 16), ('10.77.0.0', 24),
                                 ('fd07::', 64)], got)
        expect(got['budget-bytes'] == 5000 and got['rate-bps'] == 8000000,
               got)
    tap.check('tenant-set do with tenant-get\'s reply: three prefixes and the '
              'new budget read back', tenant_set)

    def tenant_dump():
        cli.do('tenant-new', {'ifindex': ifx, 'tenant': {'id': 8}})
        tenants = dumped('tenant-get', 'tenant', 'id')
        expect(sorted(tenants) == [7, 8], tenants)
        expect(len(tenants[7]['prefix']) == 3, tenants)
    tap.check('tenant-get dump lists both tenants, prefixes whole', tenant_dump)

    def tenant_del():
        for tid in (7, 8):
            cli.do('tenant-del', {'ifindex': ifx, 'tenant': {'id': tid}})
        expect(cli.dump('tenant-get', {'ifindex': ifx}) == [], 'not empty')
        msg = cli.error('tenant-get', {'ifindex': ifx, 'tenant': {'id': 7}})
        expect(msg.strip(), 'no message')
    tap.check('tenant-del do; tenant-get of a removed tenant is refused',
              tenant_del)

    def event():
        req = {'ifindex': ifx, 'route': [route_req('10.88.0.0', 16, 3)]}
        if cli.ntf_on_do_breaks:
            out = listen_while(cli, lambda: cli.do('route-new', req))
        else:
            out = cli.call('do', 'route-new', req, ['--subscribe', 'events'])
            expect(out[0] is None, out)
            out = out[1:]
        # 6.12 prints the notifications as one list, newer CLIs one by one.
        ntfs = []
        for item in out:
            ntfs += item if isinstance(item, list) else [item]
        got = [(n['name'], n['msg'].get('event'), route_key(r))
               for n in ntfs for r in n['msg'].get('route', [])]
        expect(('event-ntf', 'route-changed', ('10.88.0.0', 16, 3)) in got,
               ntfs)
        expect(all(n['msg'].get('ifindex') == ifx for n in ntfs), ntfs)
    tap.check('event-ntf on the "events" group: --subscribe decodes the '
              'route-changed event of a route-new', event)

    def peer_del():
        for node in (2, 3):
            cli.do('peer-del', {'ifindex': ifx, 'peer': {'node-id': node}})
        expect(cli.dump('peer-get', {'ifindex': ifx}) == [], 'not empty')
        expect(cli.dump('nexthop-get', {'ifindex': ifx}) == [],
               'next hops left after their peer went')
        msg = cli.error('peer-get', {'ifindex': ifx, 'peer': {'node-id': 2}})
        expect(msg.strip(), 'no message')
    tap.check('peer-del do: peer-get dump is empty, a removed peer is refused',
              peer_del)


if __name__ == '__main__':
    sys.exit(main())
