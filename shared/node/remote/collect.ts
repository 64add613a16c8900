import { digestOf } from '../output-digest';
import { containerFacts, containersToInspect, describeContainers } from '../../common/manual/container-facts';
import { isNoSystemd } from '../../common/parsers/command-failure';
import { parseDockerError, parseDockerInspect, parseDockerPs } from '../../common/parsers/docker';
import { parseIptablesSave, type IptablesSource } from '../../common/parsers/iptables-save';
import { matchSignatures, parseJournalJson } from '../../common/parsers/journalctl-json';
import { parseNetstatListeners } from '../../common/parsers/netstat';
import { parseNftJson } from '../../common/parsers/nft-json';
import { parseProcNetTcpListeners } from '../../common/parsers/proc-net-tcp';
import { parseSelfProbe } from '../../common/parsers/self-probe';
import { parseSsListenersOnPort } from '../../common/parsers/ss';
import { findUnit, parseSystemctlShow, parseSystemdTimestamp, serviceFactsOf } from '../../common/parsers/systemctl-show';
import { parseIpRouteGet } from '../../common/parsers/ip-route';
import { diffCounters, parseProcNetstat, type Counters } from '../../common/parsers/nstat';
import { diffSnapshots, whoRefused } from '../../common/firewall/counters';
import type { FirewallSnapshot } from '../../common/schema/firewall';
import type { Listener } from '../../common/schema/listener';
import type { ResolvedAddress } from '../../common/schema/probe';
import type { Evidence } from '../../common/schema/report';
import { FIREWALL_MANAGERS, serverCommands } from '../../common/remote/commands';
import type { RemoteFacts, SelfProbe, ServiceFacts } from '../../common/tree/remote-facts';
import type { RemoteSession } from './access';
import type { CommandRun, CommandSpec, RemoteRunner } from './runner';

export interface CollectRequest {
  port: number;
  /** The addresses the workstation could not connect to: what the server has to explain. */
  failing: readonly ResolvedAddress[];
  service: string | null;
  /** Sends `count` probes from the workstation to `address` (for the counter correlation). */
  reprobe(address: ResolvedAddress, count: number): Promise<void>;
  onEvidence(evidence: Evidence): void;
}

/** How much of an output its evidence keeps (the parser reads all the runner kept). */
export const RAW_CAP = 64 * 1024;
const CORRELATION_PROBES = 3;

/**
 * Collects the server's side: listeners, address ownership, self-probes, firewall rules with a
 * counter correlation around fresh probes, and the service state. Every command is read-only, every
 * run becomes evidence (with its raw output), and every failure is typed evidence, not a crash.
 */
export async function collectRemote(session: RemoteSession, request: CollectRequest): Promise<RemoteFacts> {
  const { runner, capabilities: caps, server } = session;
  const has = (tool: string) => caps.tools.has(tool);
  const record = (run: CommandRun, summary: string): CommandRun => {
    const raw = run.result.stdout.length > RAW_CAP ? `${run.result.stdout.slice(0, RAW_CAP)}\n[... cut at ${RAW_CAP} bytes]` : run.result.stdout;
    request.onEvidence({
      id: `server:${run.id}`,
      where: server,
      command: `${run.sudo ? 'sudo -n ' : ''}${run.command}`,
      startedAt: run.startedAt,
      ms: Math.round(run.result.ms),
      status: run.status,
      summary: cutShort(run, summary),
      raw,
      // The whole output's digest (the raw text may be cut). Without the wrapper's frame there is
      // none to stream, but an output that was not capped is whole.
      ...(run.digest ?? (run.result.truncated ? {} : digestOf(run.result.stdout))),
      origin: 'collected',
      facts: { check: 'remote-command', id: run.id, exitCode: run.result.code, stderr: run.result.stderr.slice(0, 4096), sudo: run.sudo, truncated: run.result.truncated },
    });
    return run;
  };

  const serverFacts = Promise.all([collectListeners(), collectOwnership(), collectSelfProbes(), collectManagers(), collectService()]);
  // The rule counters are read before and after fresh probes once the self-probes are over (the
  // same rules count those). Containers are asked over Docker's socket, which no rule counts: they
  // go on beside the firewall's rounds instead of holding them up (docker alone takes ~70 ms).
  const [[listeners, ownership, selfProbes, managers, service], firewall, containers] = await Promise.all([
    serverFacts,
    serverFacts.then(() => collectFirewall()),
    has('docker') ? collectContainers(runner, request.port, record) : Promise.resolve(null),
  ]);
  return {
    server,
    origin: 'ssh',
    uid: caps.uid,
    sudo: caps.sudo,
    ownership,
    listeners,
    selfProbes,
    firewall: { ...firewall.read, activeManagers: managers },
    correlation: firewall.correlation,
    service,
    kernelAnswers: firewall.kernelAnswers,
    containers,
  };

  async function collectListeners(): Promise<RemoteFacts['listeners']> {
    if (has('ss')) {
      const families = [4, 6] as const;
      const runs = await runner.runAll(
        families.map((f) => ({ id: `listeners-ss${f}`, command: serverCommands.ssListeners(f, request.port), wantsRoot: true })),
      );
      // Both families are recorded as evidence before either decides: a failed IPv4 read must not hide the IPv6 one.
      const read = runs.map((run, i) => {
        const parsed = parseSsListenersOnPort(run.result.stdout, request.port, { family: families[i] });
        record(run, parsed.ok ? `${parsed.value.listeners.length} listener(s) on port ${request.port} (IPv${families[i]})` : parsed.error.message);
        return { run, parsed };
      });
      const all: Listener[] = [];
      for (const { run, parsed } of read) {
        if (run.status !== 'ok' || !parsed.ok) return { status: run.status === 'ok' ? 'error' : run.status, source: 'ss', listeners: [], reason: parsed.ok ? run.result.stderr.trim() : parsed.error.message };
        all.push(...parsed.value.listeners);
      }
      return { status: 'ok', source: 'ss -tlnpe', listeners: all, reason: null };
    }
    if (has('netstat')) {
      const run = await runner.run({ id: 'listeners-netstat', command: serverCommands.netstatListeners(), wantsRoot: true });
      const parsed = parseNetstatListeners(run.result.stdout);
      const mine = parsed.ok ? parsed.value.filter((l) => l.port === request.port) : [];
      record(run, parsed.ok ? `${mine.length} listener(s) on port ${request.port}` : parsed.error.message);
      if (run.status !== 'ok' || !parsed.ok) return { status: run.status === 'ok' ? 'error' : run.status, source: 'netstat', listeners: [], reason: parsed.ok ? run.result.stderr.trim() : parsed.error.message };
      return { status: 'ok', source: 'netstat -tln', listeners: mine, reason: null };
    }
    const runs = await runner.runAll((['tcp', 'tcp6'] as const).map((f) => ({ id: `listeners-proc-${f}`, command: serverCommands.procTcp(f), wantsRoot: false })));
    const read = runs.map((run) => {
      const parsed = parseProcNetTcpListeners(run.result.stdout, 'little', request.port);
      record(run, parsed.ok ? `${parsed.value.listeners.length} listener(s) on port ${request.port}` : parsed.error.message);
      return { run, parsed };
    });
    const all: Listener[] = [];
    for (const { run, parsed } of read) {
      if (run.id.endsWith('tcp6') && run.status !== 'ok') continue; // IPv6 disabled: no tcp6 file.
      if (run.status !== 'ok' || !parsed.ok) return { status: run.status === 'ok' ? 'error' : run.status, source: '/proc/net/tcp', listeners: [], reason: parsed.ok ? run.result.stderr.trim() : parsed.error.message };
      all.push(...parsed.value.listeners);
    }
    return { status: 'ok', source: '/proc/net/tcp', listeners: all, reason: null };
  }

  async function collectOwnership(): Promise<RemoteFacts['ownership']> {
    if (!has('ip')) return request.failing.map((a) => ({ address: a.address, owned: null, how: 'no `ip` command on the server' }));
    const runs = await runner.runAll(request.failing.map((a, i) => ({ id: `route-get-${i + 1}`, command: serverCommands.routeGet(a.address), wantsRoot: false })));
    return runs.map((run, i) => {
      const address = request.failing[i]!.address;
      const parsed = parseIpRouteGet(run.result.stdout + run.result.stderr);
      const first = (run.result.stdout || run.result.stderr).split('\n')[0]?.trim() ?? '';
      record(run, first);
      if (!parsed.ok) return { address, owned: null, how: parsed.error.message };
      return { address, owned: parsed.value.type === 'local', how: `ip route get: ${first}` };
    });
  }

  async function collectSelfProbes(): Promise<SelfProbe[]> {
    const loopbacks = [...new Set(request.failing.map((a) => (a.family === 6 ? '::1' : '127.0.0.1')))];
    const targets = [...loopbacks, ...request.failing.map((a) => a.address)];
    const spec = (address: string, i: number): CommandSpec | null => {
      if (has('bash')) return { id: `self-probe-${i + 1}`, command: serverCommands.selfProbeBash(address, request.port, has('timeout')), wantsRoot: false, okCodes: [0, 1, 124] };
      if (has('nc')) return { id: `self-probe-${i + 1}`, command: serverCommands.selfProbeNc(address, request.port), wantsRoot: false, okCodes: [0, 1] };
      return null;
    };
    const specs = targets.map((a, i) => spec(a, i)).filter((s): s is CommandSpec => s !== null);
    const runs = await runner.runAll(specs);
    return runs.map((run, i) => {
      const parsed = parseSelfProbe(run.result.stdout, run.result.stderr, run.result.code);
      record(run, `${targets[i]}:${request.port} ${parsed.status}`);
      return { address: targets[i]!, port: request.port, status: parsed.status, detail: parsed.detail };
    });
  }

  async function collectManagers(): Promise<string[]> {
    if (!has('systemctl') || !caps.systemd) return [];
    const names = FIREWALL_MANAGERS;
    const run = await runner.run({ id: 'firewall-managers', command: serverCommands.firewallManagers(), wantsRoot: false, okCodes: [0, 1, 3, 4] });
    const states = run.result.stdout.split('\n').map((l) => l.trim());
    const active = names.filter((_, i) => states[i] === 'active');
    record(run, active.length ? `active: ${active.join(', ')}` : 'no firewall manager service is active');
    return active;
  }

  async function collectService(): Promise<ServiceFacts | null> {
    const unit = request.service;
    if (unit === null || !has('systemctl')) return null;
    const [show, journal] = await runner.runAll([
      { id: 'service-state', command: serverCommands.serviceState(unit), wantsRoot: false, okCodes: [0, 1] },
      { id: 'service-log', command: serverCommands.serviceLog(unit), wantsRoot: true, okCodes: [0, 1] },
    ]);
    const parsedShow = parseSystemctlShow(show!.result.stdout + show!.result.stderr);
    const state = parsedShow.ok ? (findUnit(parsedShow.value, unit) ?? parsedShow.value.units[0]) : undefined;
    record(show!, state ? `${state.id ?? unit}: ${state.activeState}/${state.subState}` : isNoSystemd(show!.result.stderr) ? 'systemd is not running on the server' : 'no unit state');
    const parsedJournal = parseJournalJson(journal!.result.stdout);
    // Only lines since the unit last tried to start count: an old "Address already in use" must not
    // explain today's failure. (Some slack for clock rounding: timestamps are whole seconds.)
    const lastStart = parseSystemdTimestamp(state?.timestamps.inactiveExit ?? state?.timestamps.execMainStart ?? null);
    const recent = lastStart === null ? parsedJournal.entries : parsedJournal.entries.filter((e) => e.realtimeMs === null || e.realtimeMs >= lastStart - 2000);
    const signatures = matchSignatures(recent).map((m) => ({ signature: m.signature, line: m.entry.message ?? '' }));
    record(journal!, `${parsedJournal.entries.length} log entries${parsedJournal.partial ? ' (only this user\'s: no journal group)' : ''}; ${signatures.length ? `signatures: ${[...new Set(signatures.map((s) => s.signature))].join(', ')}` : 'no known error signature'}`);
    if (!state) return null;
    return serviceFactsOf(state, unit, signatures);
  }

  async function collectFirewall(): Promise<{ read: Pick<RemoteFacts['firewall'], 'snapshots' | 'unreadable'>; correlation: RemoteFacts['correlation']; kernelAnswers: RemoteFacts['kernelAnswers'] }> {
    const sources: { source: IptablesSource | 'nft'; spec: CommandSpec }[] = [];
    // A legacy rule set the kernel does not hold (no legacy table in this namespace, per the
    // capability probe) is not read: there is no rule in it to find, and running the legacy tool
    // could make the kernel load its module.
    const absent = (source: IptablesSource) => (source === 'iptables-legacy' ? caps.legacyTables.v4 : source === 'ip6tables-legacy' ? caps.legacyTables.v6 : null) === false;
    const iptables = (tool: Parameters<typeof serverCommands.rulesSave>[0], source: IptablesSource) =>
      has(tool) && !absent(source) && sources.push({ source, spec: { id: `rules-${source}`, command: serverCommands.rulesSave(tool), wantsRoot: true } });
    if (has('iptables-nft-save') || has('iptables-legacy-save')) {
      iptables('iptables-nft-save', 'iptables-nft');
      iptables('ip6tables-nft-save', 'ip6tables-nft');
      iptables('iptables-legacy-save', 'iptables-legacy');
      iptables('ip6tables-legacy-save', 'ip6tables-legacy');
    } else {
      const legacy = caps.iptablesBackend === 'legacy';
      iptables('iptables-save', legacy ? 'iptables-legacy' : 'iptables-nft');
      iptables('ip6tables-save', legacy ? 'ip6tables-legacy' : 'ip6tables-nft');
    }
    if (has('nft')) sources.push({ source: 'nft', spec: { id: 'rules-nft', command: serverCommands.nftRuleset(), wantsRoot: true } });

    type Read = { snapshots: FirewallSnapshot[]; unreadable: RemoteFacts['firewall']['unreadable'] };
    /** Reads `which` rule sets; `kept` are sets read before that are not read again (see `quiet`). */
    const snapshotAll = async (round: 'before' | 'after', which: typeof sources, kept: Read = { snapshots: [], unreadable: [] }) => {
      const runs = await runner.runAll(which.map((s) => ({ ...s.spec, id: `${s.spec.id}-${round}` })));
      const snapshots: FirewallSnapshot[] = [...kept.snapshots];
      const unreadable: RemoteFacts['firewall']['unreadable'] = [...kept.unreadable];
      runs.forEach((run, i) => {
        const source = which[i]!.source;
        if (run.status !== 'ok') {
          record(run, `${source}: ${run.status}`);
          unreadable.push({ source, status: run.status, reason: run.result.stderr.trim().split('\n')[0] ?? run.status });
          return;
        }
        const parsed = source === 'nft' ? parseNftJson(run.result.stdout) : parseIptablesSave(run.result.stdout, source);
        record(run, parsed.ok ? `${source}: ${parsed.value.rules.length} rules` : parsed.error.message);
        if (parsed.ok) snapshots.push(parsed.value);
        else unreadable.push({ source, status: 'error', reason: parsed.error.message });
      });
      // In the order of `sources` whatever was kept, and the raw sets too: a set kept for the second
      // round goes in before the iptables-nft tables are taken out of nft's.
      const rank = (source: string) => sources.findIndex((s) => s.source === source);
      snapshots.sort((a, b) => rank(a.source) - rank(b.source));
      unreadable.sort((a, b) => rank(a.source) - rank(b.source));
      return { snapshots: withoutIptablesNftTables(snapshots), unreadable, raw: { snapshots, unreadable } };
    };
    /**
     * A rule set with no rules and only ACCEPT policies cannot hold what counted the probes (nor can
     * one that could not be read): it is not read again after them. One command fewer per set on
     * most servers (the legacy tables are usually empty, the IPv6 ones often).
     */
    const quiet = (source: IptablesSource | 'nft', read: Read): boolean => {
      if (read.unreadable.some((u) => u.source === source)) return true;
      const set = read.snapshots.find((snap) => snap.source === source);
      return set !== undefined && set.rules.length === 0 && set.chains.every((c) => c.policy === null || c.policy.toLowerCase() === 'accept');
    };

    // The kernel's own answer counters need no root: they prove whether the server itself sent the
    // resets or ICMP errors, even where the rule sets cannot be read.
    const kernelCounters = async (round: 'before' | 'after'): Promise<Counters | null> => {
      const run = await runner.run({ id: `kernel-counters-${round}`, command: serverCommands.kernelCounters(), wantsRoot: false, okCodes: [0, 1] });
      const parsed = parseProcNetstat(run.result.stdout);
      // Only a read that ended well and holds the IPv4 counters counts: an empty output (a deadline,
      // a lost connection, no /proc/net/snmp) parses as "no counters", whose difference would claim
      // the server sent nothing.
      const counters = run.status === 'ok' && parsed.ok && parsed.value.TcpOutRsts !== undefined ? parsed.value : null;
      record(run, counters ? `IcmpOutDestUnreachs=${counters.IcmpOutDestUnreachs ?? '?'} Icmp6OutDestUnreachs=${counters.Icmp6OutDestUnreachs ?? '?'} TcpOutRsts=${counters.TcpOutRsts ?? '?'}` : run.status === 'ok' ? 'counters unreadable' : `counters not read (${run.status})`);
      return counters;
    };

    const [before, countersBefore] = await Promise.all([snapshotAll('before', sources), kernelCounters('before')]);
    const first = request.failing[0];
    if (!first) return { read: before, correlation: null, kernelAnswers: null };
    await request.reprobe(first, CORRELATION_PROBES);
    const again = sources.filter((s) => !quiet(s.source, before.raw));
    const kept: Read = {
      snapshots: before.raw.snapshots.filter((snap) => !again.some((s) => s.source === snap.source)),
      unreadable: before.raw.unreadable.filter((u) => !again.some((s) => s.source === u.source)),
    };
    const [after, countersAfter] = await Promise.all([before.snapshots.length > 0 ? snapshotAll('after', again, kept) : Promise.resolve(before), kernelCounters('after')]);
    const delta = countersBefore && countersAfter ? diffCounters(countersBefore, countersAfter) : null;
    const kernelAnswers = delta
      ? { probes: CORRELATION_PROBES, icmpUnreachable: delta.IcmpOutDestUnreachs ?? 0, icmp6Unreachable: delta.Icmp6OutDestUnreachs ?? 0, tcpResets: delta.TcpOutRsts ?? 0 }
      : null;
    if (before.snapshots.length === 0) return { read: before, correlation: null, kernelAnswers };
    const deltas = diffSnapshots(before.snapshots, after.snapshots);
    const verdict = whoRefused(deltas, { probes: CORRELATION_PROBES, port: request.port, family: first.family });
    return {
      read: after,
      correlation: {
        probes: CORRELATION_PROBES,
        culprits: verdict.rules.map((r) => ({ rule: r.rule, delta: r.delta })),
        policies: verdict.policies.map((p) => ({ source: p.source, table: p.table, chain: p.chain, policy: p.policy, delta: p.delta })),
      },
      kernelAnswers,
    };
  }
}

/**
 * Containers (catalog T14a, D1, B2, B3): `docker ps -a`, then `docker inspect` for the containers
 * that publish or expose the port or are not running, to read OOMKilled and RestartCount. The
 * docker socket usually needs root or the docker group, so both may retry with `sudo -n`. A daemon
 * that is down is evidence too (status `unsupported`, with docker's own words).
 */
export async function collectContainers(runner: RemoteRunner, port: number, record: (run: CommandRun, summary: string) => CommandRun): Promise<NonNullable<RemoteFacts['containers']>> {
  const source = 'docker ps -a';
  const ps = await runner.run({ id: 'containers-ps', command: serverCommands.dockerPs(), wantsRoot: true });
  if (ps.status !== 'ok') {
    const kind = parseDockerError(ps.result.stderr);
    const reason = firstLine(ps.result.stderr) || ps.status;
    record(ps, kind === 'daemon-down' ? `the Docker daemon is not running: ${reason}` : `docker ps: ${ps.status}`);
    const status = kind === 'daemon-down' ? 'unsupported' : kind === 'needs-privilege' ? 'needs-privilege' : ps.status;
    return { status, source, containers: [], reason: kind === 'daemon-down' ? `the Docker daemon is not running: ${reason}` : reason };
  }
  const parsed = parseDockerPs(ps.result.stdout);
  if (!parsed.ok) {
    record(ps, parsed.error.message);
    return { status: 'error', source, containers: [], reason: parsed.error.message };
  }
  const wanted = containersToInspect(parsed.value.containers, port);
  if (wanted.length === 0) {
    const facts = containerFacts(parsed.value.containers);
    record(ps, describeContainers(facts, port));
    return { status: 'ok', source, containers: facts, reason: null };
  }
  // Exit 1 with the found containers on stdout when one was removed in between ("No such object").
  const inspect = await runner.run({ id: 'containers-inspect', command: serverCommands.dockerInspect(wanted.map((c) => c.id)), wantsRoot: true, okCodes: [0, 1] });
  const inspected = parseDockerInspect(inspect.result.stdout + inspect.result.stderr);
  const facts = containerFacts(parsed.value.containers, inspected.ok ? inspected.value.containers : []);
  record(ps, describeContainers(containerFacts(parsed.value.containers), port));
  record(inspect, inspected.ok ? `${inspected.value.containers.length} inspected${inspected.value.missing.length ? `; gone meanwhile: ${inspected.value.missing.join(', ')}` : ''}: ${describeContainers(facts.filter((f) => wanted.some((w) => w.id === f.id)), port)}` : inspected.error.message);
  return { status: 'ok', source: inspected.ok ? 'docker ps -a + docker inspect' : source, containers: facts, reason: null };
}

/**
 * A command that did not run to its end says so first: the parser's words about what little
 * arrived ("0 listener(s)", "no unit state") would read as a finding. (A self-probe's own
 * `timeout 3` is its finding, a filtered port, and its summary says so already.)
 */
function cutShort(run: CommandRun, summary: string): string {
  const why =
    run.status === 'timeout' && !run.id.startsWith('self-probe-')
      ? `timed out after ${(run.result.ms / 1000).toFixed(1)} s`
      : run.status === 'error' && run.result.code === null
        ? (run.result.stderr.trim().split('\n').at(-1)?.trim() ?? '')
        : '';
  if (why === '') return summary;
  return summary === '' ? why : `${why} (${summary})`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

/**
 * `nft list ruleset` also shows the tables iptables-nft manages (ip/ip6 filter, nat, ...), so the same
 * rule would be read twice. When iptables-nft's own listing was read, its tables are dropped from the
 * nft view (which also loses their comments, catalog §4.5).
 */
function withoutIptablesNftTables(snapshots: FirewallSnapshot[]): FirewallSnapshot[] {
  const iptablesNftFamilies = new Set<string>(snapshots.filter((s) => s.source === 'iptables-nft' || s.source === 'ip6tables-nft').map((s) => (s.source === 'iptables-nft' ? 'ip' : 'ip6')));
  if (iptablesNftFamilies.size === 0) return snapshots;
  const xtablesNames = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
  return snapshots.map((s) => {
    if (s.source !== 'nft') return s;
    const keep = (family: string, table: string) => !(iptablesNftFamilies.has(family) && xtablesNames.has(table));
    return { ...s, chains: s.chains.filter((c) => keep(c.family, c.table)), rules: s.rules.filter((r) => keep(r.family, r.table)) };
  });
}
