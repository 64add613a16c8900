import { z } from 'zod';
import { parseCapabilities } from '../../shared/common/parsers/capabilities';
import { isNoSystemd } from '../../shared/common/parsers/command-failure';
import { dockerMissingObjects, parseDockerError, parseDockerInspect, parseDockerPorts, parseDockerPs } from '../../shared/common/parsers/docker';
import { parseFirewallCmdListAll, parseFirewallCmdState, parseRichRule } from '../../shared/common/parsers/firewall-cmd';
import { hostsFileAddresses, parseHostsFile } from '../../shared/common/parsers/hosts-file';
import { parseIpAddrJson, parseIpAddrOneline } from '../../shared/common/parsers/ip-addr';
import { parseIpRouteGet, parseIpRouteGetJson } from '../../shared/common/parsers/ip-route';
import { parseIptablesSave, parsePortList } from '../../shared/common/parsers/iptables-save';
import { matchSignatureLines, matchSignatures, parseJournalJson } from '../../shared/common/parsers/journalctl-json';
import { parseNetstatListeners } from '../../shared/common/parsers/netstat';
import { parseNftJson } from '../../shared/common/parsers/nft-json';
import { parseNstat, parseNstatJson, parseProcNetstat } from '../../shared/common/parsers/nstat';
import { parseProcNetTcp, parseProcNetTcpListeners, procListeners } from '../../shared/common/parsers/proc-net-tcp';
import { parseSelfProbe } from '../../shared/common/parsers/self-probe';
import { parseSsListeners, parseSsListenersOnPort } from '../../shared/common/parsers/ss';
import { parseSystemctlShow, parseSystemdTimestamp } from '../../shared/common/parsers/systemctl-show';
import { parseUfwStatus } from '../../shared/common/parsers/ufw-status';
import { FirewallSnapshot, PortRange } from '../../shared/common/schema/firewall';
import { Listener } from '../../shared/common/schema/listener';
import { fixture, fixtures } from './fixtures';

/**
 * Every parser of remote and pasted text, with what "a typed result or a typed parse error" means
 * for it. The fuzz properties (parsers-*.fuzz.test.ts) and the adversarial long lines
 * (adversarial.fuzz.test.ts) run the same table, so a parser added here gets both.
 */
export interface ParserCase {
  /** The exported function, as the property test names it. */
  name: string;
  /** Parses one text and throws when the outcome breaks the parser's contract. */
  check: (text: string, run: Timed) => void;
  /** Real output to mutate. */
  seeds: string[];
  /** Words of the format, for near-valid lines. */
  vocab: string[];
  /** Text put before an adversarial line, so the line reaches the parser's inner loop and not its first check. */
  prefixes: string[];
}

/** Runs one parser call: the adversarial test times it, the properties time it too. */
export type Timed = <T>(fn: () => T) => T;

type AnyResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; line?: number } };

/** The contract of every Result-returning parser: ok with a valid value, or one of its error codes with a message. */
export function expectResult<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string; line?: number } }, codes: readonly string[], value: (v: T) => void): void {
  const result = r as AnyResult;
  if (result.ok === true) {
    value(result.value as T);
    finiteNumbers(result.value);
    return;
  }
  if (result.ok !== false) throw new Error('not a Result');
  const { code, message, line } = result.error;
  if (!codes.includes(code)) throw new Error(`unknown error code ${JSON.stringify(code)}`);
  if (typeof message !== 'string' || message.trim() === '') throw new Error(`error ${code} without a message`);
  if (line !== undefined && !(Number.isInteger(line) && line >= 1)) throw new Error(`error ${code} at bad line ${String(line)}`);
}

/** No NaN or Infinity anywhere in a parsed value: a number the parser could not read is null, never NaN. */
export function finiteNumbers(value: unknown, path = '$', seen = new Set<unknown>()): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Set) value = [...value];
  for (const [k, v] of Object.entries(value as object)) finiteNumbers(v, `${path}.${k}`, seen);
}

function schema<T>(s: z.ZodType<T>, v: unknown, what: string): void {
  const r = s.safeParse(v);
  if (!r.success) throw new Error(`${what} breaks its schema: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

const nonNegativeInt = (n: unknown, what: string): void => {
  if (!(Number.isInteger(n) && (n as number) >= 0)) throw new Error(`${what} is ${String(n)}`);
};

const portRanges = (ranges: unknown, what: string): void => {
  if (ranges !== null) schema(z.array(PortRange), ranges, what);
  for (const [a, b] of (ranges ?? []) as [number, number][]) if (a > b) throw new Error(`${what}: range ${a}-${b} is reversed`);
};

const mapping = (m: { containerPort: [number, number]; hostPort: [number, number] | null }): void => {
  portRanges([m.containerPort], 'containerPort');
  portRanges(m.hostPort === null ? null : [m.hostPort], 'hostPort');
};

const listeners = (ls: unknown): void => schema(z.array(Listener), ls, 'listeners');
const snapshot = (s: unknown): void => {
  schema(FirewallSnapshot, s, 'firewall snapshot');
  for (const rule of (s as FirewallSnapshot).rules) portRanges(rule.dports, `${rule.chain} dports`);
};

type ParseResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A parse of one port's listeners (null: of every port) agrees with the whole table's parse
 * filtered to that port: the same listeners and the others counted where the whole parse reads the
 * table, and the same error where the whole parse fails. With `unreadOthers` (ss), a listener on
 * another port is read only up to its local address, so its unreadable processes (bad-users) fail
 * only the whole parse: the one-port parse then goes on, and fails no earlier.
 */
function samePortView(all: ParseResult<Listener[]>, onPort: ParseResult<{ listeners: Listener[]; others: number }>, port: number | null, unreadOthers = false): void {
  const disagree = () => new Error(`port ${port}: the one-port parse and the whole parse disagree: ${JSON.stringify(onPort).slice(0, 300)} vs ${JSON.stringify(all).slice(0, 300)}`);
  if (!all.ok) {
    if (JSON.stringify(all) === JSON.stringify(onPort)) return;
    const wholeError = all.error as { code: string; line: number };
    if (!unreadOthers || wholeError.code !== 'bad-users') throw disagree();
    if (!onPort.ok && (onPort.error as { line: number }).line <= wholeError.line) throw disagree();
    return;
  }
  if (!onPort.ok) throw disagree();
  const mine = port === null ? all.value : all.value.filter((l) => l.port === port);
  if (JSON.stringify(onPort.value.listeners) !== JSON.stringify(mine)) throw new Error(`port ${port}: the one-port parse kept other listeners than the whole parse has on it`);
  if (onPort.value.others !== all.value.length - mine.length) throw new Error(`port ${port}: ${onPort.value.others} others counted, ${all.value.length - mine.length} expected`);
}

/** A port the table has (so that something is kept), and one it may not. */
const portsToTry = (all: ParseResult<Listener[]>): number[] => [...(all.ok && all.value[0] ? [all.value[0].port] : []), 80];

const ALL_STATES = ['LISTEN', 'ESTAB', 'TIME-WAIT', 'UNCONN', 'SYN-SENT', 'CLOSE-WAIT'];

const iptablesSeeds = fixtures('firewall/iptables-save', /save.*\.txt$|-S\.txt$|no-counters|no-legacy/);

export const PARSERS: ParserCase[] = [
  {
    name: 'parseSsListeners',
    check: (t, run) => {
      // `-6` reads like no family (`*` is `::`); 4 reads `*` as 0.0.0.0.
      for (const family of [undefined, 4] as const) {
        const options = family === undefined ? {} : { family };
        const all = run(() => parseSsListeners(t, options));
        expectResult(all, ['bad-line', 'bad-address', 'bad-users'], (ls) => {
          listeners(ls);
          for (const l of ls) {
            nonNegativeInt(l.recvQ, 'recvQ');
            nonNegativeInt(l.sendQ, 'sendQ');
          }
        });
        for (const port of portsToTry(all)) samePortView(all, run(() => parseSsListenersOnPort(t, port, options)), port, true);
      }
    },
    seeds: fixtures('ss', /\.txt$/),
    vocab: [...ALL_STATES, 'users:((', '"nginx"', 'pid=1', 'fd=6', '),(', '))', 'ino:1', 'sk:2f', 'cgroup:/', '<->', '0.0.0.0:*', '[::]:*', '*:80', '[::ffff:127.0.0.1]:80', '%lo', 'v6only:1', 'tcp', 'Netid', 'State', 'Recv-Q'],
    prefixes: ['', 'LISTEN 0 128 ', 'LISTEN 0 128 0.0.0.0:80 0.0.0.0:* users:(', 'tcp LISTEN 0 128 [::]:80 [::]:* ', 'State Recv-Q Send-Q Local Address:Port Peer Address:Port\n'],
  },
  {
    name: 'parseNetstatListeners',
    check: (t, run) => {
      for (const wide of [true, false]) {
        expectResult(run(() => parseNetstatListeners(t, { wide })), ['not-netstat', 'bad-line', 'bad-address', 'truncated-address'], listeners);
      }
    },
    seeds: fixtures('netstat', /\.txt$/),
    vocab: ['tcp', 'tcp6', 'tcp4', 'tcp46', 'LISTEN', '0.0.0.0:*', ':::*', '*.*', '127.0.0.1.22', '1234/nginx:', '-', 'Proto', 'Recv-Q', 'Active Internet connections'],
    prefixes: ['', 'tcp 0 0 ', 'tcp6 0 0 :::80 :::* LISTEN ', 'Proto Recv-Q Send-Q Local Address Foreign Address State\ntcp 0 0 0.0.0.0:80 0.0.0.0:* LISTEN 0 1 '],
  },
  {
    name: 'parseProcNetTcp',
    check: (t, run) => {
      for (const endianness of ['little', 'big'] as const) {
        const sockets = run(() => parseProcNetTcp(t, endianness));
        expectResult(sockets, ['not-proc-net-tcp', 'bad-line'], (value) => listeners(procListeners(value)));
        const all = sockets.ok ? { ok: true as const, value: procListeners(sockets.value) } : sockets;
        samePortView(all, run(() => parseProcNetTcpListeners(t, endianness)), null);
        for (const port of portsToTry(all)) samePortView(all, run(() => parseProcNetTcpListeners(t, endianness, port)), port);
      }
    },
    seeds: fixtures('proc-net-tcp', /\.txt$/),
    vocab: ['0100007F:0016', '00000000:0000', '0A', '01', '00000000000000000000000000000000:1F90', '00000000:00000000', '00:00000000', 'sl', 'local_address', 'rem_address'],
    prefixes: ['', '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n', '   0: 0100007F:0016 00000000:0000 0A '],
  },
  {
    name: 'parseHostsFile',
    check: (t, run) => {
      const entries = run(() => parseHostsFile(t));
      for (const e of entries) if (e.names.length === 0) throw new Error('an entry without names');
      if (!Array.isArray(run(() => hostsFileAddresses(entries, 'localhost')))) throw new Error('hostsFileAddresses did not return a list');
    },
    seeds: [fixture('hosts/hosts-docker-style-with-overrides.txt')],
    vocab: ['127.0.0.1', '::1', 'localhost', '#', 'ip6-localhost', '198.18.0.2', 'db.internal'],
    prefixes: ['', '127.0.0.1 '],
  },
  {
    name: 'parseIptablesSave',
    check: (t, run) => {
      for (const source of ['iptables-nft', 'ip6tables-legacy'] as const) {
        expectResult(run(() => parseIptablesSave(t, source)), ['needs-privilege', 'not-iptables-save', 'bad-line', 'truncated'], snapshot);
      }
    },
    seeds: iptablesSeeds,
    vocab: ['*filter', '*nat', 'COMMIT', ':INPUT ACCEPT [0:0]', '-A INPUT', '-A', '-p tcp', '-m tcp', '--dport', '8082', '8000:8100', '-m multiport', '--dports', '22,80,443', '-j REJECT', '--reject-with', 'tcp-reset', '-j DNAT', '--to-destination', '!', '-s', '-d', '198.18.0.0/24', '[12:720]', '-i lo', '-g', '# Warning: iptables-legacy tables present', '-P INPUT DROP', '"quoted comment"', '--comment'],
    prefixes: ['', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ', '*filter\n:INPUT ACCEPT [0:0]\n[1:2] -A INPUT -p tcp -m tcp --dport ', '*filter\n:', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "'],
  },
  {
    name: 'parsePortList',
    check: (t, run) => portRanges(run(() => parsePortList(t)), 'parsePortList'),
    seeds: ['22', '8000:8100', '22,80,443', '1:65535', '80:'],
    vocab: ['22', ':', ',', '65535', '65536', '0', '-'],
    prefixes: ['', '22,'],
  },
  {
    name: 'parseNftJson',
    check: (t, run) => expectResult(run(() => parseNftJson(t)), ['needs-privilege', 'invalid-json', 'not-nft-json', 'unsupported-schema'], snapshot),
    seeds: [...fixtures('firewall/nft-json', /\.json$/), ...fixtures('firewall/firewalld', /\.json$/)],
    vocab: ['{"nftables": [', '{"metainfo": {"json_schema_version": 1}}', '{"rule":', '"expr": [', '{"match":', '"op": "=="', '"left":', '"right":', '{"payload": {"protocol": "tcp", "field": "dport"}}', '{"set": [', '{"range": [8000, 8100]}', '{"reject": {"type": "tcp reset"}}', '{"counter": {"packets": 1, "bytes": 60}}', '"handle": 4', '{"jump": {"target": "x"}}', '{"dnat":', '"family": "inet"', '"chain": "input"', 'null', '[]', '{}', '-1', '1e309', '"\\u0000"'],
    prefixes: ['', '{"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 1, "expr": [', '{"nftables": [{"metainfo": {"json_schema_version": 1}}, {"rule": {"expr": [{"match": {"op": "==", "left": "'],
  },
  {
    name: 'parseUfwStatus',
    check: (t, run) =>
      expectResult(run(() => parseUfwStatus(t)), ['needs-privilege', 'not-ufw-status', 'bad-line'], (s) => {
        for (const r of s.rules) {
          portRanges(r.ports, 'ufw ports');
          if (r.number !== null) nonNegativeInt(r.number, 'rule number');
        }
      }),
    seeds: [...fixtures('firewall/ufw', /^status.*\.txt$/), fixture('systemd/ufw-status-verbose.txt')],
    vocab: ['Status: active', 'Status: inactive', 'To', 'Action', 'From', '--', '------', '----', 'ALLOW', 'DENY', 'REJECT', 'LIMIT', 'IN', 'OUT', 'FWD', 'Anywhere', '(v6)', 'on eth0', '22/tcp', '8000:8100/tcp', '80,443/tcp', '[ 1]', '(out)', 'OpenSSH', 'Logging: on (low)', 'Default: deny (incoming), allow (outgoing), disabled (routed)'],
    prefixes: ['', 'Status: active\n\nTo                         Action      From\n--                         ------      ----\n', 'Status: active\n\nTo Action From\n-- ------ ----\n22/tcp ALLOW IN ', 'Status: active\nLogging: on (', 'Status: active\nDefault: '],
  },
  {
    name: 'parseFirewallCmdListAll',
    check: (t, run) =>
      expectResult(run(() => parseFirewallCmdListAll(t)), ['not-running', 'needs-privilege', 'no-dbus', 'not-firewall-cmd', 'bad-line'], (zones) => {
        for (const zone of zones) {
          for (const p of [...zone.ports, ...zone.sourcePorts]) portRanges([p.ports], 'firewalld ports');
          for (const f of zone.forwardPorts) {
            portRanges(f.port && [f.port], 'forward port');
            portRanges(f.toport && [f.toport], 'forward toport');
          }
          for (const r of zone.richRules) portRanges(r.port && [r.port], 'rich rule port');
        }
      }),
    seeds: fixtures('firewall/firewalld', /^list-.*\.txt$|offline/),
    vocab: ['public (active)', 'public (default, active)', 'target: default', 'interfaces: eth0', 'ports: 22/tcp 8000-8100/tcp', 'rich rules:', 'forward-ports:', 'port=80:proto=tcp:toport=8080:toaddr=', 'rule family="ipv4" source address="198.18.0.0/24" port port="8082" protocol="tcp" reject type="tcp-reset"', 'services: ssh', 'masquerade: no', '\t'],
    prefixes: ['', 'public (active)\n  target: default\n  rich rules: \n\t', 'public (active)\n  ports: ', 'public (', 'public (active)\n  forward-ports: \n\t', 'public (active)\n  '],
  },
  {
    name: 'parseFirewallCmdState',
    check: (t, run) => {
      for (const exit of [null, 0, 252, 1]) expectResult(run(() => parseFirewallCmdState(t, exit)), ['not-running', 'needs-privilege', 'no-dbus', 'not-firewall-cmd', 'bad-line'], () => undefined);
    },
    seeds: fixtures('firewall/firewalld', /^state-.*\.txt$|not-running\.txt$/),
    vocab: ['running', 'not running', 'Authorization failed.', 'ERROR:', 'dbus'],
    prefixes: [''],
  },
  {
    name: 'parseRichRule',
    check: (t, run) => {
      const r = run(() => parseRichRule(t));
      if (typeof r !== 'object' || r === null) throw new Error('no rule');
      portRanges(r.port && [r.port], 'rich rule port');
      finiteNumbers(r);
    },
    seeds: linesOfRich(),
    vocab: ['rule', 'family="ipv4"', 'family="ipv6"', 'source', 'NOT', 'address="198.18.0.0/24"', 'destination', 'port', 'port="8082"', 'protocol="tcp"', 'accept', 'reject', 'drop', 'mark', 'type="tcp-reset"', 'forward-port', 'to-port="80"', 'log', 'prefix="x"', 'limit value="1/m"'],
    prefixes: ['', 'rule family="ipv4" source ', 'rule port port="', 'rule family="ipv4" source NOT address="1" destination address="2" port port="8082" protocol="tcp" '],
  },
  {
    name: 'parseIpAddrJson',
    check: (t, run) => expectResult(run(() => parseIpAddrJson(t)), ['bad-json', 'bad-shape', 'bad-line', 'bad-address'], ipInterfaces),
    seeds: [fixture('ip/ip-j-addr-show.json')],
    vocab: ['{"ifindex": 1', '"ifname": "lo"', '"flags": ["UP"]', '"addr_info": [', '{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}', '"family": "inet6"', '"local": "::1"', '"prefixlen": 128', '"scope": "host"', '"tentative": true', '"label": "lo"', 'null', '[]', '{}'],
    prefixes: ['', '[{"ifindex": 1, "ifname": "lo", "addr_info": [{"family": "inet", "local": "'],
  },
  {
    name: 'parseIpAddrOneline',
    check: (t, run) => expectResult(run(() => parseIpAddrOneline(t)), ['bad-json', 'bad-shape', 'bad-line', 'bad-address'], ipInterfaces),
    seeds: [fixture('ip/ip-o-addr-show.txt'), fixture('ip/busybox-ip-o-addr-show.txt'), fixture('ip/ip-o-link-show.txt')],
    vocab: ['1:', 'lo', 'eth0@if5', 'inet', 'inet6', '127.0.0.1/8', '::1/128', 'scope', 'host', 'global', 'secondary', 'tentative', 'dadfailed', 'peer', 'brd', 'valid_lft', 'forever', 'preferred_lft', '\\', 'link/ether', 'noprefixroute'],
    prefixes: ['', '1: lo    inet ', '2: eth0    inet6 '],
  },
  {
    name: 'parseIpRouteGet',
    check: (t, run) => expectResult(run(() => parseIpRouteGet(t)), ROUTE_CODES, route),
    seeds: fixtures('ip', /^(busybox-)?route-get-.*\.txt$/),
    vocab: ['local', 'unreachable', 'prohibit', 'blackhole', 'broadcast', '198.18.0.2', '2001:2::2', 'dev', 'lo', 'src', 'via', 'table', 'uid', '0', 'cache', '<local>', 'RTNETLINK answers: Network is unreachable', 'Error:', 'proto', 'metric'],
    prefixes: ['', '198.18.0.2 via ', 'local 198.18.0.2 dev lo table local src '],
  },
  {
    name: 'parseIpRouteGetJson',
    check: (t, run) => expectResult(run(() => parseIpRouteGetJson(t)), ROUTE_CODES, route),
    seeds: fixtures('ip', /^route-get-.*\.json$/),
    vocab: ['[{"type": "local"', '"dst": "198.18.0.2"', '"dev": "lo"', '"prefsrc": "198.18.0.2"', '"gateway": "198.19.0.1"', '"via": {"family": "inet6", "host": "fe80::1"}', '"flags": []', 'null', '[]', '{}'],
    prefixes: ['', '[{"type": "local", "dst": "'],
  },
  {
    name: 'parseNstat',
    check: (t, run) => expectResult(run(() => parseNstat(t)), ['bad-line', 'bad-json', 'mismatched-lines'], () => undefined),
    seeds: fixtures('nstat', /^nstat-.*\.txt$/),
    vocab: ['#kernel', 'TcpExtListenOverflows', 'TcpExtListenDrops', '0', '12', '0.0', '-1', '99999999999999999999'],
    prefixes: ['', '#kernel\nTcpExtListenOverflows '],
  },
  {
    name: 'parseNstatJson',
    check: (t, run) => expectResult(run(() => parseNstatJson(t)), ['bad-line', 'bad-json', 'mismatched-lines'], () => undefined),
    seeds: [fixture('nstat/nstat-azj.json')],
    vocab: ['{"kernel":{', '"TcpExtListenOverflows":3', '"__proto__":1', '"constructor":2', '}}', 'null', '1e309'],
    prefixes: ['', '{"kernel":{"'],
  },
  {
    name: 'parseProcNetstat',
    check: (t, run) => expectResult(run(() => parseProcNetstat(t)), ['bad-line', 'bad-json', 'mismatched-lines'], () => undefined),
    seeds: [fixture('nstat/proc-net-netstat.txt'), fixture('nstat/proc-net-snmp.txt')],
    vocab: ['TcpExt:', 'IpExt:', 'Tcp:', 'ListenOverflows', 'ListenDrops', '0', '12', 'Ip6InReceives'],
    prefixes: ['', 'TcpExt: ', 'TcpExt: a b\nTcpExt: '],
  },
  {
    name: 'parseSystemctlShow',
    check: (t, run) =>
      expectResult(run(() => parseSystemctlShow(t)), ['no-systemd', 'systemctl-error', 'empty'], (show) => {
        nonNegativeInt(show.ignoredLines, 'ignoredLines');
        for (const u of show.units) if (u.nRestarts !== null) nonNegativeInt(u.nRestarts, 'nRestarts');
      }),
    seeds: fixtures('systemd', /^systemctl-show-.*\.txt$/),
    vocab: ['Id=nginx.service', 'LoadState=loaded', 'LoadState=not-found', 'ActiveState=failed', 'SubState=dead', 'Result=exit-code', 'NRestarts=5', 'MainPID=0', 'ExecMainStatus=1', 'ExecMainCode=1', 'ActiveEnterTimestamp=Tue 2026-11-24 05:00:23 UTC', 'ExecMainStartTimestampMonotonic=123', 'Unit x.service could not be found.', 'Failed to connect to bus', 'System has not been booted with systemd', '='],
    prefixes: ['', 'Id=x.service\nActiveEnterTimestamp=', 'Id=x.service\nNRestarts='],
  },
  {
    name: 'parseSystemdTimestamp',
    check: (t, run) => {
      const ms = run(() => parseSystemdTimestamp(t));
      if (ms !== null && !Number.isFinite(ms)) throw new Error(`timestamp ${ms}`);
    },
    seeds: ['Tue 2026-11-24 05:00:23 UTC', 'n/a', '', 'Mon 2026-01-05 00:00:00 CET'],
    vocab: ['Tue', '2026-11-24', '05:00:23', 'UTC', 'CET', '+0100'],
    prefixes: ['', 'Tue 2026-11-24 '],
  },
  {
    name: 'parseJournalJson',
    check: (t, run) => {
      const j = run(() => parseJournalJson(t));
      nonNegativeInt(j.malformed, 'malformed');
      for (const e of j.entries) finiteNumbers(e);
      const lines = run(() => matchSignatureLines(t.split('\n')));
      const sigs = run(() => matchSignatures(j.entries));
      if (!Array.isArray(lines) || !Array.isArray(sigs)) throw new Error('signatures are not lists');
    },
    seeds: fixtures('systemd', /^journalctl-.*$/).map((t) => t.split('\n').slice(0, 12).join('\n')),
    vocab: ['{"MESSAGE":"bind() to 0.0.0.0:80 failed (98: Address already in use)"', '"__REALTIME_TIMESTAMP":"1764000000000000"', '"MESSAGE":[104,105]', '"PRIORITY":"3"', '"_PID":"12"', '}', 'null', 'Hint: You are currently not seeing messages from other users and the system.', '-- No entries --', 'No journal files were found.', 'avc:  denied  { name_bind }', 'apparmor="DENIED" operation="bind"', 'Out of memory: Killed process'],
    prefixes: ['', '{"MESSAGE":"', '{"MESSAGE":[', 'Hint: You are currently not seeing messages from other users.\n   Users in the '],
  },
  {
    name: 'parseCapabilities',
    check: (t, run) => expectResult(run(() => parseCapabilities(t)), ['no-markers', 'no-uid'], () => undefined),
    seeds: ['@@portwise-caps\nuid=0\nuser=root\nkernel=Linux\nrelease=6.1.0\nos_id=debian\nos_version=12\ntool=ss\ntool=bash\nsudo=yes\nsystemd=yes\nbusybox=no\niptables_version=iptables v1.8.9 (nf_tables)\n@@portwise-caps-end\n'],
    vocab: ['@@portwise-caps', '@@portwise-caps-end', 'uid=', 'tool=', '=', 'nf_tables', 'legacy'],
    prefixes: ['', '@@portwise-caps\nuid=0\n', '@@portwise-caps\nuid='],
  },
  {
    name: 'parseDockerPs',
    check: (t, run) =>
      expectResult(run(() => parseDockerPs(t)), ['needs-privilege', 'daemon-down', 'not-found', 'unrecognized'], (ps) => {
        nonNegativeInt(ps.malformed, 'malformed');
        for (const c of ps.containers) for (const m of c.portMappings) mapping(m);
      }),
    seeds: [...fixtures('docker', /^ps-a-json.*\.jsonl$/), ...fixtures('docker', /^error-.*\.txt$/)],
    vocab: ['{"ID":"0123456789ab"', '"Names":"web"', '"State":"running"', '"Status":"Exited (137) 3 seconds ago"', '"Ports":"0.0.0.0:8080->80/tcp, :::8080->80/tcp"', '"CreatedAt":"2026-11-24 05:00:23 +0000 UTC"', '}', 'permission denied while trying to connect to the Docker daemon socket', 'Cannot connect to the Docker daemon'],
    prefixes: ['', '{"ID":"0123456789ab","Names":"web","Ports":"', '{"ID":"0123456789ab","Names":"web","Status":"'],
  },
  {
    name: 'parseDockerPorts',
    check: (t, run) => {
      const p = run(() => parseDockerPorts(t));
      for (const m of p.mappings) mapping(m);
      const kind = run(() => parseDockerError(t));
      if (kind !== null && !['needs-privilege', 'daemon-down', 'not-found'].includes(kind)) throw new Error(`parseDockerError ${kind}`);
      if (!run(() => dockerMissingObjects(t)).every((o) => typeof o === 'string')) throw new Error('dockerMissingObjects');
    },
    seeds: ['0.0.0.0:8080->80/tcp, :::8080->80/tcp', '[::]:8000-8002->8000-8002/tcp', '80/tcp', '127.0.0.1:5432->5432/tcp, 53/udp', 'fe80::1%eth0:80->80/sctp'],
    vocab: ['0.0.0.0', ':::', '[::]', '->', '/tcp', '/udp', '/sctp', ',', '8000-8002', '%eth0', 'Error: No such object: web'],
    prefixes: ['', '0.0.0.0:', '0.0.0.0:8080->80/tcp, ', 'Error: No such object: '],
  },
  {
    name: 'parseDockerInspect',
    check: (t, run) => expectResult(run(() => parseDockerInspect(t)), ['needs-privilege', 'daemon-down', 'not-found', 'unrecognized'], () => undefined),
    seeds: [...fixtures('docker', /^inspect-.*cli2\d\.json$|crashloop/), ...fixtures('docker', /^inspect-.*\.stderr\.txt$/)],
    vocab: ['[{"Id":"0123456789ab"', '"State":{"Status":"running","Running":true,"ExitCode":0,"StartedAt":"0001-01-01T00:00:00Z"}', '"NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}}', '"RestartCount":3', 'null', '[]', '{}'],
    prefixes: ['', '[{"Id":"0123456789ab","Name":"/web","State":{"Status":"'],
  },
  {
    name: 'parseSelfProbe',
    check: (t, run) => {
      for (const code of [0, 1, null]) {
        const r = run(() => parseSelfProbe(t, t, code));
        if (typeof r.status !== 'string' || typeof r.detail !== 'string') throw new Error('self probe');
      }
      if (typeof run(() => isNoSystemd(t)) !== 'boolean') throw new Error('isNoSystemd');
    },
    seeds: ['open', 'bash: connect: Connection refused', 'timeout', 'System has not been booted with systemd as init system (PID 1). Can\'t operate.'],
    vocab: ['Connection refused', 'No route to host', 'Network is unreachable', 'timed out', 'open'],
    prefixes: ['', 'bash: connect: '],
  },
];

const ROUTE_CODES = ['network-unreachable', 'no-route-to-host', 'permission-denied', 'invalid-argument', 'rtnetlink-error', 'ip-error', 'empty', 'bad-output', 'bad-json'];

function route(r: { family: number; type: string }): void {
  if (r.family !== 4 && r.family !== 6) throw new Error(`family ${r.family}`);
}

function ipInterfaces(ifs: { ifindex: number; addresses: { prefixlen: number; family: 4 | 6 }[] }[]): void {
  for (const i of ifs) {
    nonNegativeInt(i.ifindex, 'ifindex');
    for (const a of i.addresses) if (!(Number.isInteger(a.prefixlen) && a.prefixlen >= 0 && a.prefixlen <= (a.family === 4 ? 32 : 128))) throw new Error(`prefixlen ${a.prefixlen}`);
  }
}

function linesOfRich(): string[] {
  return fixture('firewall/firewalld/list-rich-rules.txt').split('\n').filter((l) => l.trim() !== '');
}
