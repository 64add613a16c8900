/**
 * Every cause of the catalog (refused-catalog.md §1, plus the leaves it lacks) reached through the
 * decision tree (§3) from an evidence bundle, in one table. The server's side of each bundle is real
 * command output (test/fixtures/tree/README.md says where each file comes from), read by the real
 * parsers and put together the way shared/node/remote/collect.ts does it; the workstation's probes
 * are the real probe's output where the capture could make them, else plain values.
 * A row marked `by: 'answer'` is a cause the evidence cannot decide (the catalog's "Ask"): the
 * person's answer, given at the step the tree asks, decides it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { causeIndex, type CauseId } from '../../../shared/common/causes/catalog';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import { diffSnapshots, whoRefused } from '../../../shared/common/firewall/counters';
import { classifyCommandOutcome } from '../../../shared/common/parsers/command-failure';
import { parseDockerInspect, parseDockerPs } from '../../../shared/common/parsers/docker';
import { parseIpRouteGet } from '../../../shared/common/parsers/ip-route';
import { parseIptablesSave, type IptablesSource } from '../../../shared/common/parsers/iptables-save';
import { matchSignatureLines, matchSignatures, parseJournalJson } from '../../../shared/common/parsers/journalctl-json';
import { parseNftJson } from '../../../shared/common/parsers/nft-json';
import { diffCounters, parseProcNetstat } from '../../../shared/common/parsers/nstat';
import { parseProcNetTcp, procListeners } from '../../../shared/common/parsers/proc-net-tcp';
import { parseSelfProbe } from '../../../shared/common/parsers/self-probe';
import { parseSsListeners } from '../../../shared/common/parsers/ss';
import { findUnit, parseSystemctlShow, parseSystemdTimestamp, serviceFactsOf } from '../../../shared/common/parsers/systemctl-show';
import type { Answers } from '../../../shared/common/schema/answers';
import type { FirewallSnapshot } from '../../../shared/common/schema/firewall';
import { Listener, type ListenerTable } from '../../../shared/common/schema/listener';
import { ProbeAttempt, type ResolvedAddress } from '../../../shared/common/schema/probe';
import { Diagnosis } from '../../../shared/common/schema/report';
import { checkAnswers, evaluate } from '../../../shared/common/tree/evaluate';
import type { DiagnosisFacts } from '../../../shared/common/tree/facts';
import { ROOT_NODE, treeNodes } from '../../../shared/common/tree/nodes';
import type { ContainerFact, RemoteFacts, ServiceFacts } from '../../../shared/common/tree/remote-facts';
import type { NodeId } from '../../../shared/common/tree/types';
import { proxySettingsFor } from '../../../shared/node/probes/proxy';
import { addr, facts, failedResolution, resolved, rounds, target } from './factories';
import { remote, unreadableListeners } from './remote-factories';

// ---------------------------------------------------------------------------------------------
// Reading the captures

const FIXTURES = new URL('../../fixtures/', import.meta.url);
const fixture = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');
const tryFixture = (path: string): string | null => {
  try {
    return fixture(path);
  } catch {
    return null;
  }
};

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** One command of a capture (test/fixtures/tree/<bundle>/commands.tsv): its stdout, stderr and exit code. */
function run(bundle: string | null, name: string): Run {
  if (bundle === null) throw new Error(`no capture folder for ${name}`);
  const line = fixture(`tree/${bundle}/commands.tsv`)
    .split('\n')
    .find((l) => l.split('\t')[0] === name);
  if (!line) throw new Error(`tree/${bundle}: no command named ${name}`);
  return { stdout: fixture(`tree/${bundle}/${name}.txt`), stderr: tryFixture(`tree/${bundle}/${name}.stderr.txt`) ?? '', code: Number(line.split('\t')[1]) };
}
const hasRun = (bundle: string | null, name: string): boolean => bundle !== null && tryFixture(`tree/${bundle}/${name}.txt`) !== null;
const fileName = (address: string): string => address.replaceAll(':', '_');

function ok<T, E extends { message: string }>(r: { ok: true; value: T } | { ok: false; error: E }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}

/** The real workstation probes of a capture (test/fixtures/tree/probe.ts runs Portwise's runProbes). */
function probesOf(bundle: string, name = 'probes'): ProbeAttempt[] {
  return ProbeAttempt.array().parse(JSON.parse(fixture(`tree/${bundle}/${name}.json`)));
}

/** The workstation's own listener table, as shared/node/probes/listeners.ts reads it (/proc/net/tcp{,6}). */
function localListenersOf(bundle: string): ListenerTable {
  const listeners = ['proc-net-tcp', 'proc-net-tcp6'].flatMap((name) => procListeners(ok(parseProcNetTcp(run(bundle, name).stdout), name)));
  return { status: 'ok', source: '/proc/net/tcp', listeners };
}

// ---------------------------------------------------------------------------------------------
// The server's facts, put together as collect.ts does

const MANAGERS = ['ufw', 'firewalld', 'nftables', 'fail2ban'];
const RULE_SOURCES: readonly (IptablesSource | 'nft')[] = ['iptables-nft', 'ip6tables-nft', 'iptables-legacy', 'ip6tables-legacy', 'nft'];
const RULE_COMMAND: Record<IptablesSource | 'nft', string> = {
  'iptables-nft': 'iptables-nft-save-c',
  'ip6tables-nft': 'ip6tables-nft-save-c',
  'iptables-legacy': 'iptables-legacy-save-c',
  'ip6tables-legacy': 'ip6tables-legacy-save-c',
  nft: 'nft-j-list-ruleset',
};
const CORRELATION_PROBES = 3;

const statusOf = (r: Run, okCodes: readonly number[] = [0]) => classifyCommandOutcome({ code: r.code, stderr: r.stderr, timedOut: false }, okCodes);

interface ServerBundle {
  /** The folder under test/fixtures/tree/; null when the facts come from other fixture folders only. */
  bundle: string | null;
  port: number;
  /** The addresses the workstation could not connect to (collect.ts: request.failing). */
  failing: readonly string[];
  server: string;
  uid?: number;
  sudo?: boolean;
  /** The unit `--service` named: `systemctl show` + `journalctl -u` were read. */
  unit?: string;
  /** Which `systemctl is-active ...` capture to read (collect.ts asks about MANAGERS). */
  managers?: { name: string; names: readonly string[] };
  /** Log lines a person pasted besides the journal (manual mode reads them with matchSignatureLines). */
  pastedLog?: string;
  /** `docker ps -a` (+ `docker inspect`) fixtures, read as ContainerFact. */
  docker?: { ps: string; inspect: string };
  /** Listener table from another fixture (a bundle without its own ss capture). */
  ss?: string;
}

function listenersFrom(b: ServerBundle): RemoteFacts['listeners'] {
  if (b.ss !== undefined) {
    const parsed = ok(parseSsListeners(fixture(b.ss)), b.ss);
    return { status: 'ok', source: 'ss -Htlnpe', listeners: parsed.filter((l) => l.port === b.port).map((l) => Listener.parse(l)), reason: null };
  }
  if (!hasRun(b.bundle, 'ss4')) return unreadableListeners('skipped', 'not captured in this bundle');
  const all: Listener[] = [];
  for (const family of [4, 6] as const) {
    const r = run(b.bundle, `ss${family}`);
    const parsed = parseSsListeners(r.stdout, { family });
    if (statusOf(r) !== 'ok' || !parsed.ok) return { status: statusOf(r) === 'ok' ? 'error' : statusOf(r), source: 'ss', listeners: [], reason: parsed.ok ? r.stderr.trim() : parsed.error.message };
    // The schema's Listener: ss's own extras (Recv-Q, Send-Q) are not part of the facts.
    all.push(...parsed.value.map((l) => Listener.parse(l)));
  }
  return { status: 'ok', source: 'ss -Htlnpe', listeners: all, reason: null };
}

function ownershipFrom(b: ServerBundle): RemoteFacts['ownership'] {
  return b.failing
    .filter((a) => hasRun(b.bundle, `route-get-${fileName(a)}`))
    .map((address) => {
      const r = run(b.bundle, `route-get-${fileName(address)}`);
      const parsed = parseIpRouteGet(r.stdout + r.stderr);
      const first = (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '';
      if (!parsed.ok) return { address, owned: null, how: parsed.error.message };
      return { address, owned: parsed.value.type === 'local', how: `ip route get: ${first}` };
    });
}

function selfProbesFrom(b: ServerBundle): RemoteFacts['selfProbes'] {
  const loopbacks = [...new Set(b.failing.map((a) => (a.includes(':') ? '::1' : '127.0.0.1')))];
  return [...loopbacks, ...b.failing]
    .filter((a) => hasRun(b.bundle, `self-probe-${fileName(a)}`))
    .map((address) => {
      const r = run(b.bundle, `self-probe-${fileName(address)}`);
      const parsed = parseSelfProbe(r.stdout, r.stderr, r.code);
      return { address, port: b.port, status: parsed.status, detail: parsed.detail };
    });
}

function managersFrom(b: ServerBundle): string[] {
  const m = b.managers ?? { name: 'firewall-managers', names: MANAGERS };
  if (!hasRun(b.bundle, m.name)) return [];
  const states = run(b.bundle, m.name).stdout.split('\n').map((l) => l.trim());
  return m.names.filter((_, i) => states[i] === 'active');
}

function serviceFrom(b: ServerBundle): ServiceFacts | null {
  if (!b.unit) return null;
  const show = run(b.bundle, 'systemctl-show');
  const state = (() => {
    const parsed = ok(parseSystemctlShow(show.stdout + show.stderr), 'systemctl show');
    return findUnit(parsed, b.unit) ?? parsed.units[0];
  })();
  if (!state) throw new Error(`${b.bundle}: no unit state`);
  const journal = parseJournalJson(run(b.bundle, 'journalctl').stdout);
  // collect.ts: only lines since the unit last tried to start count.
  const lastStart = parseSystemdTimestamp(state.timestamps.inactiveExit ?? state.timestamps.execMainStart ?? null);
  const recent = lastStart === null ? journal.entries : journal.entries.filter((e) => e.realtimeMs === null || e.realtimeMs >= lastStart - 2000);
  const signatures = matchSignatures(recent).map((m) => ({ signature: m.signature, line: m.entry.message ?? '' }));
  const pasted = b.pastedLog ? matchSignatureLines(fixture(b.pastedLog).split('\n')).map((m) => ({ signature: m.signature, line: m.line })) : [];
  return serviceFactsOf(state, b.unit, [...signatures, ...pasted]);
}

/** collect.ts withoutIptablesNftTables: nft's view of the tables iptables-nft manages is read once, through iptables-nft. */
function withoutIptablesNftTables(snapshots: FirewallSnapshot[]): FirewallSnapshot[] {
  const families = new Set<string>(snapshots.filter((s) => s.source === 'iptables-nft' || s.source === 'ip6tables-nft').map((s) => (s.source === 'iptables-nft' ? 'ip' : 'ip6')));
  const xtables = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
  const keep = (family: string, table: string) => !(families.has(family) && xtables.has(table));
  return snapshots.map((s) => (s.source !== 'nft' ? s : { ...s, chains: s.chains.filter((c) => keep(c.family, c.table)), rules: s.rules.filter((r) => keep(r.family, r.table)) }));
}

function rulesAt(b: ServerBundle, round: 'before' | 'after'): Pick<RemoteFacts['firewall'], 'snapshots' | 'unreadable'> {
  const snapshots: FirewallSnapshot[] = [];
  const unreadable: RemoteFacts['firewall']['unreadable'] = [];
  for (const source of RULE_SOURCES) {
    const r = run(b.bundle, `${RULE_COMMAND[source]}-${round}`);
    const status = statusOf(r);
    if (status !== 'ok') {
      unreadable.push({ source, status, reason: r.stderr.trim().split('\n')[0] ?? status });
      continue;
    }
    const parsed = source === 'nft' ? parseNftJson(r.stdout) : parseIptablesSave(r.stdout, source);
    if (parsed.ok) snapshots.push(parsed.value);
    else unreadable.push({ source, status: 'error', reason: parsed.error.message });
  }
  return { snapshots: withoutIptablesNftTables(snapshots), unreadable };
}

function firewallFrom(b: ServerBundle): Pick<RemoteFacts, 'firewall' | 'correlation' | 'kernelAnswers'> {
  const activeManagers = managersFrom(b);
  if (!hasRun(b.bundle, 'proc-net-snmp-before')) return { firewall: { snapshots: [], unreadable: [], activeManagers }, correlation: null, kernelAnswers: null };
  const before = rulesAt(b, 'before');
  const after = before.snapshots.length > 0 ? rulesAt(b, 'after') : before;
  const counters = (round: string) => ok(parseProcNetstat(run(b.bundle, `proc-net-snmp-${round}`).stdout), 'proc/net/snmp');
  const delta = diffCounters(counters('before'), counters('after'));
  const kernelAnswers = { probes: CORRELATION_PROBES, icmpUnreachable: delta.IcmpOutDestUnreachs ?? 0, icmp6Unreachable: delta.Icmp6OutDestUnreachs ?? 0, tcpResets: delta.TcpOutRsts ?? 0 };
  const [first] = b.failing;
  if (before.snapshots.length === 0 || first === undefined) return { firewall: { ...before, activeManagers }, correlation: null, kernelAnswers };
  const verdict = whoRefused(diffSnapshots(before.snapshots, after.snapshots), { probes: CORRELATION_PROBES, port: b.port, family: first.includes(':') ? 6 : 4 });
  return {
    firewall: { ...after, activeManagers },
    correlation: {
      probes: CORRELATION_PROBES,
      culprits: verdict.rules.map((r) => ({ rule: r.rule, delta: r.delta })),
      policies: verdict.policies.map((p) => ({ source: p.source, table: p.table, chain: p.chain, policy: p.policy, delta: p.delta })),
    },
    kernelAnswers,
  };
}

function containersFrom(b: ServerBundle): RemoteFacts['containers'] {
  if (!b.docker) return null;
  const ps = ok(parseDockerPs(fixture(b.docker.ps)), 'docker ps');
  const inspect = ok(parseDockerInspect(fixture(b.docker.inspect)), 'docker inspect');
  const containers: ContainerFact[] = ps.containers.map((c) => {
    const i = inspect.containers.find((x) => x.id === c.id);
    return {
      id: c.id,
      name: c.names[0] ?? c.id,
      image: c.image,
      state: i?.state.status ?? c.state,
      status: c.status,
      exitCode: i?.state.exitCode ?? c.exitCode,
      oomKilled: i?.state.oomKilled ?? null,
      restartCount: i?.restartCount ?? null,
      ports: c.portMappings.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol })),
    };
  });
  return { status: 'ok', source: 'docker ps -a', containers, reason: null };
}

/** The server's facts from a capture, as collect.ts would have returned them (validated by remote()). */
function serverFrom(b: ServerBundle): RemoteFacts {
  return remote({
    server: b.server,
    uid: b.uid ?? 0,
    sudo: b.sudo ?? true,
    ownership: ownershipFrom(b),
    listeners: listenersFrom(b),
    selfProbes: selfProbesFrom(b),
    service: serviceFrom(b),
    containers: containersFrom(b),
    ...firewallFrom(b),
  });
}

// ---------------------------------------------------------------------------------------------
// The two captured machines (test/fixtures/tree/capture-*.sh)

/** capture-netns.sh: the server namespace S and "another machine" K. */
const NS = { server: 'root@198.18.40.2:22', v4: '198.18.40.2', v6: '2001:2:0:40::2', other: '198.18.43.2' } as const;
/** capture-systemd.sh: a Debian 12 container with systemd as PID 1. */
const SD = { server: 'root@198.18.41.2:22', v4: '198.18.41.2' } as const;

const netnsServer = (bundle: string, port: number, failing: readonly string[], over: Partial<ServerBundle> = {}) => serverFrom({ bundle, port, failing, server: NS.server, ...over });
const systemdServer = (bundle: string, port: number, failing: readonly string[], over: Partial<ServerBundle> = {}) => serverFrom({ bundle, port, failing, server: SD.server, ...over });

const names = (...addresses: string[]): ResolvedAddress[] => addresses.map((a) => addr(a));

/** A name and the real probes of a capture: `host:port` resolving to the probed addresses. */
function probed(bundle: string, input: string, addresses: readonly string[], extra: Parameters<typeof facts>[3] = {}, probeFile = 'probes'): DiagnosisFacts {
  const host = target(input).host;
  const probes = probesOf(bundle, probeFile).filter((p) => addresses.includes(p.address));
  return facts(input, resolved(host, names(...addresses)), probes, extra);
}

// ---------------------------------------------------------------------------------------------
// The table

interface Row {
  name: string;
  facts: DiagnosisFacts;
  /** Only where the catalog says a person must answer. */
  answers?: Answers;
  /** What decided the leaf: the evidence alone, or a person's answer at the step that asks. */
  by: 'evidence' | 'answer';
  path: NodeId[];
  cause: CauseId;
  /** Evidence the verdict's reason must cite. */
  reason: string | RegExp;
}

/** Consistent refusal of one address, with SSH evidence: the workstation part of the walk. */
const TO_T13: NodeId[] = ['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T11', 'T13'];
const TO_T15: NodeId[] = [...TO_T13, 'T14', 'T15'];
const TO_T18: NodeId[] = [...TO_T13, 'T16', 'T17', 'T18'];
const NEAR = ['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T8'] as NodeId[];

/** The workstation side of the near-client refusals (catalog §0.3): 0.3 ms against a 24 ms round trip. */
const nearClient = () =>
  facts('db.example.com:5432', resolved('db.example.com', names('198.51.100.20')), rounds('198.51.100.20', ['refused', { ms: 0.3 }], ['refused', { ms: 0.3 }]), {
    baseline: { address: '198.51.100.20', port: 22, ms: 24, source: 'TCP connect to the SSH port' },
  });

const rows: Row[] = [
  // ---- A: client side and addressing --------------------------------------------------------------
  {
    name: 'A1 port-mismatch: nothing on 5432 (the daemon listens on 5433), no service named; the person says the config names another port',
    facts: probed('other-port', 'db.lab:5432', [NS.v4], { remote: netnsServer('other-port', 5432, [NS.v4]) }),
    answers: { T14: { choice: 'other-port' } },
    by: 'answer',
    path: [...TO_T13, 'T14'],
    cause: 'port-mismatch',
    reason: 'Nothing listens on port 5432 on root@198.18.40.2:22',
  },
  {
    name: 'A2 dns-wrong-target: one address answers, the other is not the server\'s (ip route get: via another link)',
    facts: probed('dns-wrong-target', 'db.lab:5432', [NS.v4, NS.other], { remote: netnsServer('dns-wrong-target', 5432, [NS.other]) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T11', 'T12'],
    cause: 'dns-wrong-target',
    reason: 'also resolves to 198.18.43.2, which root@198.18.40.2:22 does not hold, beside 198.18.40.2',
  },
  {
    name: 'A3 localhost-resolution-mismatch: ::1 refused, 127.0.0.1 connects; /proc/net/tcp shows 127.0.0.1:3000 only',
    facts: facts('localhost:3000', resolved('localhost', [addr('::1', { sources: ['hosts-file'] }), addr('127.0.0.1', { sources: ['hosts-file'] })]), probesOf('local-localhost-v4-only'), {
      localListeners: localListenersOf('local-localhost-v4-only'),
    }),
    by: 'evidence',
    path: ['T0', 'T1', 'T2', 'T3', 'T4'],
    cause: 'localhost-resolution-mismatch',
    reason: '127.0.0.1:3000 connects but [::1]:3000 is refused',
  },
  {
    name: 'A4 aaaa-without-ipv6-listener: IPv4 connects, IPv6 refused; ss shows 0.0.0.0:8080 only',
    facts: probed('ipv4-only', 'web.lab:8080', [NS.v4, NS.v6], { remote: netnsServer('ipv4-only', 8080, [NS.v6]) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T6a', 'T11', 'T13'],
    cause: 'aaaa-without-ipv6-listener',
    reason: 'The service listens on IPv4 only (0.0.0.0:8080), so IPv6 (2001:2:0:40::2) is refused',
  },
  {
    name: 'A5 v6only-listener-ipv4-refused: IPv6 connects, IPv4 refused; ss shows [::]:8080 v6only:1',
    facts: probed('v6only', 'web.lab:8080', [NS.v4, NS.v6], { remote: netnsServer('v6only', 8080, [NS.v4]) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T6b', 'T11', 'T13'],
    cause: 'v6only-listener-ipv4-refused',
    reason: 'The only wildcard listener is [::]:8080 with v6only:1, so IPv4 (198.18.40.2) is refused',
  },
  {
    name: 'A6 client-local-block: 0.0.0.0:5432 listens on this computer (/proc/net/tcp), yet 127.0.0.1:5432 is refused (an OUTPUT reject)',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), probesOf('local-output-reject'), { localListeners: localListenersOf('local-output-reject') }),
    by: 'evidence',
    path: ['T0', 'T1', 'T2', 'T3', 'T4'],
    cause: 'client-local-block',
    reason: '0.0.0.0:5432 is listening, yet 127.0.0.1:5432 was refused',
  },
  {
    name: 'A6 client-local-block (remote target): refused far faster than the round trip; the person says only this computer fails',
    facts: nearClient(),
    answers: { T8: { choice: 'only-this-computer' } },
    by: 'answer',
    path: NEAR,
    cause: 'client-local-block',
    reason: 'The refusal (0.30 ms) arrived long before a round trip to the server (24 ms)',
  },
  {
    name: 'A7 proxy-refusal: every direct probe connects, and ALL_PROXY sends applications through a proxy',
    facts: probed('all-connect', 'db.lab:5432', [NS.v4, NS.v6], { proxy: proxySettingsFor(target('db.lab:5432'), { ALL_PROXY: 'socks5://proxy.corp.example:1080' }) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T5'],
    cause: 'proxy-refusal',
    reason: 'ALL_PROXY sends applications through socks5://proxy.corp.example:1080',
  },
  {
    name: 'A8 ssh-tunnel-down: ssh -L accepts on 127.0.0.1:15432 and closes (its far end refuses); /proc/net/tcp names no owner, the person says it is an SSH tunnel',
    facts: facts('127.0.0.1:15432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), probesOf('ssh-tunnel'), { localListeners: localListenersOf('ssh-tunnel') }),
    answers: { T30: { choice: 'ssh-tunnel' } },
    by: 'answer',
    path: ['T0', 'T1', 'T30'],
    cause: 'ssh-tunnel-down',
    reason: 'The connection was accepted and then closed by the peer',
  },
  {
    name: 'A9 middlebox-rst: refused far faster than the round trip; the person says it fails from this network only',
    facts: nearClient(),
    answers: { T8: { choice: 'this-network' } },
    by: 'answer',
    path: NEAR,
    cause: 'middlebox-rst',
    reason: 'arrived long before a round trip to the server',
  },
  {
    name: 'A10 nat-hairpin-or-port-forward-missing: the address is not the server\'s (ip route get); the person says the edge router should forward it',
    facts: probed('dns-wrong-target', 'db.lab:5432', [NS.other], { remote: netnsServer('dns-wrong-target', 5432, [NS.other]) }, 'probes'),
    answers: { T12: { choice: 'forward-missing' } },
    by: 'answer',
    path: [...TO_T13.slice(0, -1), 'T12'],
    cause: 'nat-hairpin-or-port-forward-missing',
    reason: 'The client connects to 198.18.43.2, an address root@198.18.40.2:22 does not hold',
  },

  // ---- B: listener and service lifecycle ----------------------------------------------------------
  {
    name: 'B1 service-not-running: nothing on :80; nginx inactive/dead, disabled',
    facts: probed('nginx-stopped', 'web.lab:80', [SD.v4], { remote: systemdServer('nginx-stopped', 80, [SD.v4], { unit: 'nginx.service' }), serviceHint: 'nginx' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'service-not-running',
    reason: 'nginx.service is inactive/dead (disabled at boot), and nothing listens on port 80',
  },
  {
    name: 'B2 service-crash-loop: nothing on :8001; crashapp activating/auto-restart, NRestarts=3',
    facts: probed('crash-loop', 'app.lab:8001', [SD.v4], { remote: systemdServer('crash-loop', 8001, [SD.v4], { unit: 'crashapp.service' }), serviceHint: 'crashapp' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'service-crash-loop',
    reason: /crashapp\.service is activating\/auto-restart \(Result=exit-code\), restarted \d+ times/,
  },
  {
    name: 'B3 service-oom-killed: nothing listens; docker inspect of the container says OOMKilled=true',
    facts: facts('docker.lab:47199', resolved('docker.lab', names('198.18.200.1')), rounds('198.18.200.1', 'refused', 'refused'), {
      remote: serverFrom({
        bundle: null,
        port: 47199,
        failing: [],
        server: 'root@198.18.200.1:22',
        ss: 'ss/ss-Htlnpe-sport-47199-no-match.txt',
        docker: { ps: 'docker/ps-a-json-cli20.jsonl', inspect: 'docker/inspect-all.json' },
      }),
      serviceHint: 'oom',
    }),
    by: 'evidence',
    path: [...TO_T13, 'T14', 'T14a'],
    cause: 'service-oom-killed',
    reason: 'oom (lab/busybox:fx) Exited (137)',
  },
  {
    name: 'B4 service-starting-up: nothing on :8000; slowapp (Type=notify) activating/start',
    facts: probed('slow-start', 'app.lab:8000', [SD.v4], { remote: systemdServer('slow-start', 8000, [SD.v4], { unit: 'slowapp.service' }), serviceHint: 'slowapp' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'service-starting-up',
    reason: 'slowapp.service is activating/start: still starting.',
  },
  {
    name: 'B5 bind-loopback-only: ss shows 127.0.0.1:5432 only; the server reaches 127.0.0.1 and is refused on its own address',
    facts: probed('loopback-only', 'db.lab:5432', [NS.v4], { remote: netnsServer('loopback-only', 5432, [NS.v4]) }),
    by: 'evidence',
    path: TO_T13,
    cause: 'bind-loopback-only',
    reason: 'The service listens on 127.0.0.1:5432 only, and the server itself connects to 127.0.0.1:5432',
  },
  {
    name: 'B6 bind-wrong-interface-ip: ss shows 198.18.40.3:5432; the client uses 198.18.40.2',
    facts: probed('other-address', 'db.lab:5432', [NS.v4], { remote: netnsServer('other-address', 5432, [NS.v4]) }),
    by: 'evidence',
    path: TO_T13,
    cause: 'bind-wrong-interface-ip',
    reason: 'The service listens on 198.18.40.3:5432, which does not cover 198.18.40.2',
  },
  {
    name: 'B7 bind-address-unavailable: nginx failed, its log: bind() to 198.18.41.99:8081 failed (99: Cannot assign requested address)',
    facts: probed('stale-address', 'web.lab:8081', [SD.v4], { remote: systemdServer('stale-address', 8081, [SD.v4], { unit: 'nginx.service' }), serviceHint: 'nginx' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'bind-address-unavailable',
    reason: 'bind() to 198.18.41.99:8081 failed (99: Cannot assign requested address)',
  },
  {
    name: 'B8 port-in-use-conflict: nginx failed with "Address already in use"; nc (squatter.service) holds 127.0.0.1:80',
    facts: probed('port-conflict', 'web.lab:80', [SD.v4], { remote: systemdServer('port-conflict', 80, [SD.v4], { unit: 'nginx.service' }), serviceHint: 'nginx' }),
    by: 'evidence',
    path: TO_T13,
    cause: 'port-in-use-conflict',
    reason: '127.0.0.1:80 (nc pid',
  },
  {
    name: 'B9 privileged-port-denied: nginx as www-data failed: bind() to 0.0.0.0:443 failed (13: Permission denied)',
    facts: probed('low-port', 'web.lab:443', [SD.v4], { remote: systemdServer('low-port', 443, [SD.v4], { unit: 'lowport.service' }), serviceHint: 'lowport' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'privileged-port-denied',
    reason: 'bind() to 0.0.0.0:443 failed (13: Permission denied)',
  },
  {
    name: 'B10 mac-policy-bind-denied: nginx failed with (13: Permission denied), and the audit log a person pasted (the catalog\'s AVC sample: no SELinux here) denies name_bind',
    facts: probed('low-port', 'web.lab:443', [SD.v4], {
      remote: systemdServer('low-port', 443, [SD.v4], { unit: 'lowport.service', pastedLog: 'tree/catalog/avc-name-bind.log' }),
      serviceHint: 'lowport',
    }),
    by: 'evidence',
    path: TO_T15,
    cause: 'mac-policy-bind-denied',
    reason: 'avc: denied { name_bind } for pid=1234 comm="nginx" src=8081',
  },
  {
    name: 'B11 tcp-disabled-unix-socket-only: nothing on TCP 5432 (a Unix socket listens), no service named; the person says so',
    facts: probed('unix-socket-only', 'db.lab:5432', [NS.v4], { remote: netnsServer('unix-socket-only', 5432, [NS.v4]) }),
    answers: { T14: { choice: 'unix-socket' } },
    by: 'answer',
    path: [...TO_T13, 'T14'],
    cause: 'tcp-disabled-unix-socket-only',
    reason: 'Nothing listens on port 5432 on root@198.18.40.2:22',
  },
  {
    name: 'B12 socket-unit-failed: nothing on :8085 any more; pwsock.socket failed (Result=service-start-limit-hit)',
    facts: probed('socket-unit-failed', 'app.lab:8085', [SD.v4], { remote: systemdServer('socket-unit-failed', 8085, [SD.v4], { unit: 'pwsock.socket' }), serviceHint: 'pwsock.socket' }),
    by: 'evidence',
    path: TO_T15,
    cause: 'socket-unit-failed',
    reason: 'pwsock.socket is failed/failed (Result=service-start-limit-hit): the socket unit that should hold port 8085 failed.',
  },
  {
    name: 'B13 restart-reload-gap: refused between two connects; nginx healthy, its journal shows a restart; the person says it follows deploys',
    facts: facts('web.lab:80', resolved('web.lab', names(SD.v4)), rounds(SD.v4, 'connected', 'refused', 'connected'), {
      remote: systemdServer('restart', 80, [SD.v4], { unit: 'nginx.service' }),
      serviceHint: 'nginx',
    }),
    answers: { T51: { choice: 'everyone-deploys' } },
    by: 'answer',
    path: ['T0', 'T1', 'T50', 'T51'],
    cause: 'restart-reload-gap',
    reason: 'When Portwise asked, the server reached the service itself',
  },
  {
    name: 'B14 accept-queue-overflow: reset after connect; the listener\'s queue is full (ss Recv-Q 2, Send-Q 1); the person says only under load',
    facts: facts('db.lab:5432', resolved('db.lab', names(NS.v4)), rounds(NS.v4, 'reset', 'reset'), { remote: netnsServer('accept-queue-full', 5432, [NS.v4]) }),
    answers: { T30: { choice: 'only-under-load' } },
    by: 'answer',
    path: ['T0', 'T1', 'T30'],
    cause: 'accept-queue-overflow',
    reason: 'The connection was accepted and then reset by the peer',
  },
  {
    name: 'B15 other-netns-listener: the server\'s ss shows nothing on 5432 (the listener is in another namespace); the person says so',
    facts: probed('other-netns', 'db.lab:5432', [NS.v4], { remote: netnsServer('other-netns', 5432, [NS.v4]) }),
    answers: { T14: { choice: 'other-namespace' } },
    by: 'answer',
    path: [...TO_T13, 'T14'],
    cause: 'other-netns-listener',
    reason: 'Nothing listens on port 5432 on root@198.18.40.2:22',
  },
  {
    name: 'B16 windows-reserved-port-range: no access to the (Windows) server; the person says it fails there too and the port is in an excluded range',
    facts: facts('win.lab:50051', resolved('win.lab', names('198.51.100.30')), rounds('198.51.100.30', 'refused', 'refused')),
    answers: { T60: { choice: 'fails-on-server' }, T14: { choice: 'windows-reserved' } },
    by: 'answer',
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T60', 'T14'],
    cause: 'windows-reserved-port-range',
    reason: 'Nothing listens on port 50051 on the server',
  },

  // ---- C: host firewall ---------------------------------------------------------------------------
  {
    name: 'C1 iptables-reject: the REJECT --reject-with tcp-reset rule counted the 3 fresh probes',
    facts: probed('iptables-reject', 'app.lab:8082', [NS.v4], { remote: netnsServer('iptables-reject', 8082, [NS.v4]) }),
    by: 'evidence',
    path: TO_T18,
    cause: 'iptables-reject',
    reason: '-A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset` (its packet counter rose by 3)',
  },
  {
    name: 'C1 iptables-reject, timed on a busy computer: the baseline connect took 500 ms (a loaded event loop), yet the REJECT rule counted the 3 fresh probes, so the refusal is the server\'s, not near this computer',
    facts: probed('iptables-reject', 'app.lab:8082', [NS.v4], { remote: netnsServer('iptables-reject', 8082, [NS.v4]), baseline: { address: NS.v4, port: 22, ms: 500, source: 'TCP connect to the SSH port 22' } }),
    by: 'evidence',
    path: TO_T18,
    cause: 'iptables-reject',
    reason: '(its packet counter rose by 3)',
  },
  {
    name: 'C2 nftables-reject: the nft rule `tcp dport 8082 counter reject` counted the 3 fresh probes',
    facts: probed('nft-reject', 'app.lab:8082', [NS.v4], { remote: netnsServer('nft-reject', 8082, [NS.v4]) }),
    by: 'evidence',
    path: TO_T18,
    cause: 'nftables-reject',
    reason: /nft inet filter input: `iifname "s\d+c" tcp dport 8082 counter packets \d+ bytes \d+ reject` \(its packet counter rose by 3\)/,
  },
  {
    name: 'C3 ufw-reject-or-limit: ufw\'s own rule in ufw-user-input counted the 3 fresh probes',
    facts: probed('ufw-reject', 'app.lab:8082', [NS.v4], { remote: netnsServer('ufw-reject', 8082, [NS.v4]) }),
    by: 'evidence',
    path: TO_T18,
    cause: 'ufw-reject-or-limit',
    reason: 'chain ufw-user-input',
  },
  {
    name: 'C4 firewalld-reject: "No route to host"; firewalld\'s nft table rejects with icmpx admin-prohibited',
    facts: facts('app.lab:8086', resolved('app.lab', names('198.18.13.2')), rounds('198.18.13.2', ['unreachable', { ms: 0.4 }], ['unreachable', { ms: 0.3 }]), {
      remote: remote({
        server: 'root@198.18.13.2:22',
        listeners: unreadableListeners('skipped', 'not captured in the firewalld lab'),
        firewall: { snapshots: [ok(parseNftJson(fixture('firewall/firewalld/sequence/01-2x-8086-not-opened/nft-j-list-ruleset.json')), 'nft -j')], activeManagers: [] },
      }),
    }),
    by: 'evidence',
    path: ['T0', 'T1', 'T20'],
    cause: 'firewalld-reject',
    reason: /^nft inet firewalld \S+: `.*reject with icmpx admin-prohibited` answers with an ICMP "prohibited" message/,
  },
  {
    name: 'C5 ban-or-rate-limit: fail2ban\'s f2b-sshd chain rejects the workstation; its rule counted the 3 fresh probes',
    facts: probed('f2b-ban', 'ssh.lab:22', [NS.v4], { remote: netnsServer('f2b-ban', 22, [NS.v4]) }),
    by: 'evidence',
    path: TO_T18,
    cause: 'ban-or-rate-limit',
    reason: '-A f2b-sshd -s 198.18.40.1/32 -j REJECT --reject-with icmp-port-unreachable` (its packet counter rose by 3)',
  },
  {
    name: 'C6 port-knocking: a REJECT for 5432 counted the probes while knockd is active (`systemctl is-active ... knockd`)',
    facts: probed('port-knocking', 'db.lab:5432', [SD.v4], {
      remote: systemdServer('port-knocking', 5432, [SD.v4], { managers: { name: 'firewall-managers-with-knockd', names: [...MANAGERS, 'knockd'] } }),
    }),
    by: 'evidence',
    path: TO_T18,
    cause: 'port-knocking',
    reason: 'knockd is running: the port opens only after a knock.',
  },
  {
    name: 'C7 bsd-pf-ipfw-return: no access to the (FreeBSD) server; the person says a firewall runs there, and it is pf',
    facts: facts('bsd.lab:5432', resolved('bsd.lab', names('198.51.100.40')), rounds('198.51.100.40', 'refused', 'refused')),
    answers: { T60: { choice: 'firewall-enabled' }, T17: { choice: 'pf-ipfw' } },
    by: 'answer',
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T60', 'T17'],
    cause: 'bsd-pf-ipfw-return',
    reason: 'The listener looks fine, and the firewall rules are not at hand.',
  },
  {
    name: 'C8 tcp-wrappers-deny: sshd (linked with libwrap) accepts and closes after 5 s; ss names sshd on :22',
    facts: probed('tcp-wrappers', 'ssh.lab:22', [SD.v4], { remote: systemdServer('tcp-wrappers', 22, [SD.v4]) }, 'probes-close-grace-6000ms'),
    by: 'evidence',
    path: ['T0', 'T1', 'T30'],
    cause: 'tcp-wrappers-deny',
    reason: '0.0.0.0:22 is owned by sshd',
  },

  // ---- D: NAT, containers, orchestration, proxies -------------------------------------------------
  {
    name: 'D1 docker-publish-problem: docker-proxy publishes the container port on 127.0.0.1:5432 only',
    facts: probed('docker-proxy-loopback', 'db.lab:5432', [NS.v4], { remote: netnsServer('docker-proxy-loopback', 5432, [NS.v4]) }),
    by: 'evidence',
    path: [...TO_T13, 'T13a'],
    cause: 'docker-publish-problem',
    reason: 'docker-proxy holds 127.0.0.1:5432: the container port is published on loopback only, so 198.18.40.2 is refused.',
  },
  {
    name: 'D2 container-app-binds-loopback: docker-proxy accepts on 0.0.0.0:8081 and closes (the app listens on the container\'s 127.0.0.1)',
    facts: probed('docker-proxy-app-loopback', 'web.lab:8081', [NS.v4], { remote: netnsServer('docker-proxy-app-loopback', 8081, [NS.v4]) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T30'],
    cause: 'container-app-binds-loopback',
    reason: '0.0.0.0:8081 is owned by docker-proxy',
  },
  {
    name: 'D3 dnat-dead-backend: a DNAT for 8087 to 198.18.40.2:8088 (nothing there) counted the 3 fresh probes',
    facts: probed('dnat-dead-backend', 'app.lab:8087', [NS.v4], { remote: netnsServer('dnat-dead-backend', 8087, [NS.v4]) }),
    by: 'evidence',
    path: TO_T13,
    cause: 'dnat-dead-backend',
    reason: '--to-destination 198.18.40.2:8088` (its packet counter rose by 3)',
  },
  {
    name: 'D4 k8s-service-no-endpoints: kube-proxy\'s "has no endpoints" REJECT counted the 3 fresh probes',
    facts: probed('kube-no-endpoints', 'node.lab:30080', [NS.v4], { remote: netnsServer('kube-no-endpoints', 30080, [NS.v4]) }),
    by: 'evidence',
    path: TO_T18,
    cause: 'k8s-service-no-endpoints',
    reason: 'chain KUBE-EXTERNAL-SERVICES',
  },
  {
    name: 'D5 lb-or-proxy-backend-down: HTTP 502 from nginx; its log: connect() failed (111: Connection refused) while connecting to upstream',
    facts: facts('web.lab:8090', resolved('web.lab', names(SD.v4)), rounds(SD.v4, ['reset', { banner: fixture('tree/proxy-upstream-refused/curl.txt').slice(0, 256), errno: 'EOF' }]), {
      remote: systemdServer('proxy-upstream-refused', 8090, [SD.v4], { unit: 'nginx.service' }),
      serviceHint: 'nginx',
    }),
    by: 'evidence',
    path: ['T0', 'T1', 'T31'],
    cause: 'lb-or-proxy-backend-down',
    reason: 'connect() failed (111: Connection refused) while connecting to upstream, client: 198.18.41.1',
  },
  {
    name: 'D6 advertised-address-mismatch: the bootstrap address connects; the person says the failing address was handed out by the server',
    facts: probed('all-connect', 'kafka.lab:5432', [NS.v4, NS.v6]),
    answers: { T5: { choice: 'other-address' }, T55: { choice: 'advertised' } },
    by: 'answer',
    path: ['T0', 'T1', 'T5', 'T55'],
    cause: 'advertised-address-mismatch',
    reason: 'The bootstrap address kafka.lab:5432 answers',
  },

  // ---- leaves the catalog lacks -------------------------------------------------------------------
  {
    name: 'not-reproduced: every probe connects now',
    facts: probed('all-connect', 'db.lab:5432', [NS.v4, NS.v6]),
    by: 'evidence',
    path: ['T0', 'T1', 'T5'],
    cause: 'not-reproduced',
    reason: 'Every probe connected: 198.18.40.2:5432, [2001:2:0:40::2]:5432.',
  },
  {
    name: 'timeout-filtered: every probe times out, no server evidence',
    facts: probed('policy-drop', 'app.lab:8083', [NS.v4]),
    by: 'evidence',
    path: ['T0', 'T1', 'T40'],
    cause: 'timeout-filtered',
    reason: /^No answer within 20\d\d ms on any address/,
  },
  {
    name: 'firewall-drop: every probe times out; the INPUT DROP policy counted the fresh probes',
    facts: probed('policy-drop', 'app.lab:8083', [NS.v4], { remote: netnsServer('policy-drop', 8083, [NS.v4]) }),
    by: 'evidence',
    path: ['T0', 'T1', 'T40'],
    cause: 'firewall-drop',
    reason: /^The DROP policy of iptables-nft filter INPUT counted \d+ packets while 3 probes were sent\.$/,
  },
  {
    name: 'host-firewall-suspected: the rules are unreadable without root, but the server\'s own ICMP counter rose by the 3 probes',
    facts: probed('not-root', 'app.lab:8082', [NS.v4], { remote: netnsServer('not-root', 8082, [NS.v4], { uid: 65534, sudo: false }) }),
    by: 'evidence',
    path: [...TO_T13, 'T16', 'T17'],
    cause: 'host-firewall-suspected',
    reason: 'during 3 fresh probes the server itself sent 0 TCP resets and 3 ICMP unreachables (/proc/net/snmp), so the rejection happens on the server',
  },
  {
    name: 'dns-failure: the name does not resolve',
    facts: facts('nosuch.invalid:5432', failedResolution('nosuch.invalid', 'ENOTFOUND'), []),
    by: 'evidence',
    path: ['T0'],
    cause: 'dns-failure',
    reason: 'nosuch.invalid did not resolve (ENOTFOUND)',
  },
  {
    name: 'inconclusive: the only address is not the server\'s, and nobody says what sits in front',
    facts: probed('dns-wrong-target', 'db.lab:5432', [NS.other], { remote: netnsServer('dns-wrong-target', 5432, [NS.other]) }),
    by: 'evidence',
    path: [...TO_T13.slice(0, -1), 'T12'],
    cause: 'inconclusive',
    reason: 'The client connects to 198.18.43.2, an address root@198.18.40.2:22 does not hold, so another device answers for it.',
  },
];

// ---------------------------------------------------------------------------------------------

const evaluated = (row: Row) => evaluate(row.facts, { answers: row.answers ?? {} });

describe('catalog coverage: evidence bundles to leaves', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const { path, verdict } = evaluated(row);
    expect(path.map((s) => s.node)).toEqual(row.path);
    expect(verdict.cause).toBe(row.cause);
    if (typeof row.reason === 'string') expect(verdict.reason).toContain(row.reason);
    else expect(verdict.reason).toMatch(row.reason);
    const last = path.at(-1)!;
    if (row.by === 'answer') {
      // The step that names the leaf is the person's answer; every answered step was asked.
      expect(last.by).toBe('answer');
      for (const id of Object.keys(row.answers ?? {})) expect(path.find((s) => s.node === id)?.by, id).toBe('answer');
    } else {
      expect(row.answers).toBeUndefined();
      expect(path.every((s) => s.by === 'evidence')).toBe(true);
    }
  });
});

describe('catalog coverage: the table', () => {
  it('has a row for every cause of causeIndex', () => {
    const covered = new Set(rows.map((r) => r.cause));
    expect(causeIndex.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([]);
    expect(covered.size).toBe(causeIndex.length);
  });

  it('row names are unique', () => {
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it.each(rows.map((r) => [r.name, r] as const))('well formed: %s', (_name, row) => {
    expect(checkAnswers(row.answers ?? {})).toEqual([]);
    const { path, verdict } = evaluated(row);
    expect(path[0]?.node).toBe(ROOT_NODE);
    path.forEach((step, i) => {
      const node = treeNodes[step.node as NodeId];
      expect(node, step.node).toBeDefined();
      expect(node.branches, `${step.node} -> ${step.next}`).toContain(step.next);
      const following = path[i + 1];
      if (following) expect(step.next).toBe(following.node);
    });
    expect(path.at(-1)?.next).toBe(verdict.cause);
    expect(new Set(path.map((s) => s.node)).size).toBe(path.length);
    const diagnosis = buildDiagnosis(verdict, row.facts.target, { serviceHint: null, processNames: [] });
    expect(() => Diagnosis.parse(diagnosis)).not.toThrow();
    expect(diagnosis.cause).toBe(row.cause);
  });
});
