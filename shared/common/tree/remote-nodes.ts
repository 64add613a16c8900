import type { CauseId } from '../causes/catalog';
import type { VerdictCauseId } from '../causes/definitions';
import { isRejectLike, ruleMatchesProbe } from '../firewall/match';
import { isLoopbackAddress } from '../net/address';
import type { FirewallRule } from '../schema/firewall';
import type { Listener } from '../schema/listener';
import { formatAddressPort } from '../schema/target';
import { addressResults, describeListener, listenerCovers, type AddressResult, type DiagnosisFacts } from './facts';
import type { LogSignature, RemoteFacts, RuleCulprit } from './remote-facts';
import type { Decision, NodeId, TreeNode } from './types';

/**
 * The server side of the tree (catalog T11–T18): reached from T10 once SSH evidence exists. Each
 * verdict cites the evidence that decided it: the listener line, the service state, the rule and its
 * counter delta.
 */

const next = (node: NodeId, reason: string): Decision => ({ kind: 'next', node, reason });
const leaf = (cause: VerdictCauseId, confidence: 'high' | 'medium' | 'low', reason: string): Decision => ({ kind: 'leaf', cause, confidence, reason });

/** The addresses the workstation could not connect to: the ones the server must explain. */
function failing(facts: DiagnosisFacts): AddressResult[] {
  return addressResults(facts).filter((r) => r.status !== 'connected');
}

function remoteOf(facts: DiagnosisFacts): RemoteFacts {
  if (!facts.remote) throw new Error('server-side node reached without remote facts');
  return facts.remote;
}

function portListeners(remote: RemoteFacts, port: number): Listener[] {
  return remote.listeners.listeners.filter((l) => l.port === port);
}

export function describeRule(rule: FirewallRule): string {
  const where = rule.source === 'nft' ? `nft ${rule.family} ${rule.table} ${rule.chain}` : `${rule.source} table ${rule.table}, chain ${rule.chain}, rule ${rule.index}`;
  return `${where}: \`${rule.text}\``;
}

function describeCulprit(c: RuleCulprit): string {
  return `${describeRule(c.rule)} (its packet counter rose by ${c.delta})`;
}

/** Which catalog cause a rule that refused (or dropped) the probes stands for. */
export function causeOfRule(rule: FirewallRule, activeManagers: readonly string[]): VerdictCauseId {
  if (rule.action === 'dnat') return 'dnat-dead-backend';
  if (rule.action === 'drop') return 'firewall-drop';
  if (/^ufw6?-/.test(rule.chain)) return 'ufw-reject-or-limit';
  const firewalldChain = rule.table === 'firewalld' || /^(filter_|nat_)?(IN|INPUT)_/.test(rule.chain) || /_REJECT$/.test(rule.chain);
  if (firewalldChain || (activeManagers.includes('firewalld') && /prohibited/.test(rule.rejectWith ?? ''))) return 'firewalld-reject';
  return rule.source === 'nft' ? 'nftables-reject' : 'iptables-reject';
}

/** DNAT rules that forward the target port (for the failing addresses) somewhere else (catalog D3). */
function dnatRules(remote: RemoteFacts, port: number, addresses: readonly AddressResult[]): FirewallRule[] {
  return remote.firewall.snapshots
    .flatMap((s) => s.rules)
    .filter((r) => r.action === 'dnat' && addresses.some((a) => ruleMatchesProbe(r, { port, protocol: 'tcp', family: a.address.family, destination: a.address.address })));
}

/** A verdict from the counter correlation, if a rule or policy counted the probes. */
function fromCorrelation(remote: RemoteFacts, wanted: 'refuse' | 'drop'): Decision | null {
  const corr = remote.correlation;
  if (!corr) return null;
  const culprits = corr.culprits.filter((c) => (wanted === 'drop' ? c.rule.action === 'drop' : c.rule.action !== 'drop'));
  const [top] = culprits;
  if (top) {
    const cause = causeOfRule(top.rule, remote.firewall.activeManagers);
    return leaf(cause, 'high', `${describeCulprit(top)} while ${corr.probes} probe${corr.probes === 1 ? '' : 's'} were sent.`);
  }
  if (wanted === 'drop') {
    const policy = corr.policies.find((p) => p.policy.toLowerCase() === 'drop');
    if (policy) return leaf('firewall-drop', 'high', `The ${policy.policy} policy of ${policy.source} ${policy.table} ${policy.chain} counted ${policy.delta} packets while ${corr.probes} probes were sent.`);
  }
  return null;
}

/** Without a correlation: reject rules that match the port and address, read statically (less certain). */
function matchingRejects(remote: RemoteFacts, port: number, addresses: readonly AddressResult[]): FirewallRule[] {
  return remote.firewall.snapshots
    .flatMap((s) => s.rules)
    .filter((r) => isRejectLike(r) && addresses.some((a) => ruleMatchesProbe(r, { port, protocol: 'tcp', family: a.address.family, destination: a.address.address })));
}

/** What the server's own counters say about the fresh probes: it answered them itself, or not at all. */
function kernelAnswered(remote: RemoteFacts): { answered: boolean; text: string } | null {
  const k = remote.kernelAnswers;
  if (!k) return null;
  const icmp = k.icmpUnreachable + k.icmp6Unreachable;
  const answered = icmp + k.tcpResets >= k.probes;
  return {
    answered,
    text: `during ${k.probes} fresh probes the server itself sent ${k.tcpResets} TCP reset${k.tcpResets === 1 ? '' : 's'} and ${icmp} ICMP unreachable${icmp === 1 ? '' : 's'} (/proc/net/snmp)`,
  };
}

const T11: TreeNode = {
  id: 'T11',
  title: "Is the target one of the server's own addresses?",
  why: 'If the address the client uses is not on this server, something in front (NAT, a load balancer, another machine) answers instead.',
  checks: [],
  ask: "What is the server's own IP address? Is there a NAT or load balancer in front?",
  decide(facts) {
    const remote = remoteOf(facts);
    const fails = failing(facts);
    const owned = fails.map((r) => remote.ownership.find((o) => o.address === r.address.address));
    if (owned.some((o) => o?.owned === false)) {
      const foreign = owned.filter((o) => o?.owned === false).map((o) => `${o!.address} (${o!.how})`);
      return next('T12', `${foreign.join(', ')} is not an address of ${remote.server}.`);
    }
    const how = owned.map((o) => (o ? `${o.address}: ${o.how}` : 'unknown')).join('; ');
    return next('T13', owned.every((o) => o?.owned === true) ? `The server holds the address (${how}).` : `Ownership could not be checked (${how}); continuing with the server's listeners.`);
  },
};

const T12: TreeNode = {
  id: 'T12',
  title: 'Something sits in front of the server',
  why: 'The refused address belongs elsewhere: a port-forward, a load balancer, or a DNS record that points at another machine.',
  checks: [],
  ask: 'Is there a load balancer, NAT gateway or router port-forward in front? What is the server\'s own IP?',
  decide(facts) {
    const remote = remoteOf(facts);
    return {
      kind: 'inconclusive',
      reason: `The client connects to an address ${remote.server} does not hold, so another device answers for it.`,
      missing: ['Which device owns the address (router, load balancer, NAT gateway) and its forwarding rules'],
      candidates: ['dns-wrong-target', 'dnat-dead-backend', 'lb-or-proxy-backend-down', 'nat-hairpin-or-port-forward-missing'],
    };
  },
};

const T13: TreeNode = {
  id: 'T13',
  title: 'What listens on the port on the server?',
  why: "The server's listener table decides most cases: nothing listening, listening on loopback only, on another address, or on the other IP family.",
  checks: [],
  ask: "Paste `ss -tlnp | grep :PORT` from the server.",
  decide(facts) {
    const remote = remoteOf(facts);
    const port = facts.target.port;
    const fails = failing(facts);
    const dnat = dnatRules(remote, port, fails);
    if (dnat[0]) {
      const counted = remote.correlation?.culprits.find((c) => c.rule.action === 'dnat');
      return leaf('dnat-dead-backend', counted ? 'high' : 'medium', `Port ${port} is forwarded elsewhere by ${counted ? describeCulprit(counted) : describeRule(dnat[0])}; the refusal comes from the forward's destination.`);
    }
    if (remote.listeners.status !== 'ok') {
      return { kind: 'inconclusive', reason: `The listener table could not be read on ${remote.server}: ${remote.listeners.reason ?? remote.listeners.status}.`, missing: [`\`ss -Htlnpe 'sport = :${port}'\` output from the server`], candidates: ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip'] };
    }
    const listeners = portListeners(remote, port);
    const seen = listeners.map(describeListener).join(', ');
    if (listeners.length === 0) return next('T14', `Nothing listens on port ${port} on ${remote.server} (${remote.listeners.source}).`);
    const squatters = heldByAnotherUnit(remote, listeners);
    if (squatters) {
      const svc = remote.service!;
      const logLine = svc.signatures.find((x) => x.signature === 'port-in-use')?.line;
      return leaf('port-in-use-conflict', 'high', `${svc.unit} is ${svc.activeState}/${svc.subState}, and port ${port} is held by another program: ${squatters}${logLine ? `; its log says "${logLine.slice(0, 200)}"` : ''}.`);
    }
    if (listeners.every((l) => isLoopbackAddress(l.address) || l.device === 'lo')) {
      const self = remote.selfProbes.find((p) => isLoopbackAddress(p.address));
      return leaf('bind-loopback-only', 'high', `The service listens on ${seen} only${self?.status === 'open' ? `, and the server itself connects to ${formatAddressPort(self.address, port)}` : ''}: connections from other machines are refused.`);
    }
    const uncovered = fails.filter((r) => !listeners.some((l) => listenerCovers(l, r.address)));
    if (uncovered.length === 0) return next('T16', `${seen} covers ${fails.map((r) => r.address.address).join(', ')}: a listener is there.`);
    const v4Fails = uncovered.filter((r) => r.address.family === 4);
    const v6Fails = uncovered.filter((r) => r.address.family === 6);
    if (v4Fails.length > 0 && listeners.some((l) => l.address === '::' && l.v6only === true)) {
      return leaf('v6only-listener-ipv4-refused', 'high', `The only wildcard listener is ${seen} with v6only:1, so IPv4 (${v4Fails.map((r) => r.address.address).join(', ')}) is refused.`);
    }
    if (v6Fails.length > 0 && listeners.every((l) => l.family === 4)) {
      const outcome = v6Fails.every((r) => r.status === 'refused') ? 'is refused' : `cannot connect (${v6Fails.map((r) => r.status).join(', ')})`;
      return leaf('aaaa-without-ipv6-listener', 'high', `The service listens on IPv4 only (${seen}), so IPv6 (${v6Fails.map((r) => r.address.address).join(', ')}) ${outcome}.`);
    }
    return leaf('bind-wrong-interface-ip', 'high', `The service listens on ${seen}, which does not cover ${uncovered.map((r) => r.address.address).join(', ')}.`);
  },
};

const T14: TreeNode = {
  id: 'T14',
  title: 'No listener: what state is the service in?',
  why: 'Nothing listens, so the question becomes why the program that should is not running.',
  checks: [],
  ask: 'Which program is supposed to answer on the port? Paste `systemctl status NAME`.',
  decide(facts) {
    const remote = remoteOf(facts);
    if (remote.service) return next('T15', `Checking the service ${remote.service.unit}: ${remote.service.activeState}/${remote.service.subState}.`);
    return leaf('service-not-running', 'medium', `Nothing listens on port ${facts.target.port} on ${remote.server}; no service name was given, so its state was not read (use --service NAME).`);
  },
};

const T15: TreeNode = {
  id: 'T15',
  title: 'Why is the service not listening?',
  why: "The unit's state and its last log lines name the reason: a crash loop, a port taken by another program, a bad address, memory.",
  checks: [],
  ask: 'Paste `systemctl status NAME` and the last 50 lines of its log.',
  decide(facts) {
    const s = remoteOf(facts).service!;
    const state = `${s.unit} is ${s.activeState}/${s.subState}${s.result && s.result !== 'success' ? ` (Result=${s.result})` : ''}${s.nRestarts ? `, restarted ${s.nRestarts} times` : ''}`;
    const found = (signature: LogSignature) => s.signatures.find((x) => x.signature === signature);
    const quote = (signature: LogSignature) => `: "${(found(signature)?.line ?? '').slice(0, 200)}"`;
    if (found('port-in-use')) return leaf('port-in-use-conflict', 'high', `${state}; its log says the address is already in use${quote('port-in-use')}.`);
    if (found('oom-kill') || s.result === 'oom-kill') return leaf('service-oom-killed', 'high', `${state}; it was killed for lack of memory${found('oom-kill') ? quote('oom-kill') : ''}.`);
    if (found('address-unavailable')) return leaf('bind-address-unavailable', 'high', `${state}; its log says it cannot assign the requested address${quote('address-unavailable')}.`);
    if (found('permission-denied')) return leaf('privileged-port-denied', 'medium', `${state}; its log shows a permission error at bind${quote('permission-denied')}.`);
    if (s.subState === 'auto-restart' || found('start-limit') || s.result === 'start-limit-hit' || (s.nRestarts ?? 0) > 0) {
      return leaf('service-crash-loop', 'high', `${state}: it keeps exiting and being restarted.`);
    }
    if (s.activeState === 'activating') return leaf('service-starting-up', 'medium', `${state}: still starting.`);
    if (s.activeState === 'inactive' || s.activeState === 'failed' || s.loadState === 'not-found') {
      return leaf('service-not-running', 'high', `${state}${s.unitFileState ? ` (${s.unitFileState} at boot)` : ''}, and nothing listens on port ${facts.target.port}.`);
    }
    return {
      kind: 'inconclusive',
      reason: `${state}, yet nothing listens on port ${facts.target.port}: it listens elsewhere (another port, a Unix socket, another network namespace).`,
      missing: ["The service's configured port and listen address"],
      candidates: ['port-mismatch', 'tcp-disabled-unix-socket-only', 'other-netns-listener'],
    };
  },
};

const T16: TreeNode = {
  id: 'T16',
  title: 'Does the server reach the service itself?',
  why: 'Traffic from the server to itself skips interface-bound firewall rules: if it connects, the refusal happens only for traffic from outside.',
  checks: [],
  ask: 'On the server, does `curl -v telnet://127.0.0.1:PORT` connect?',
  decide(facts) {
    const remote = remoteOf(facts);
    const probes = remote.selfProbes;
    if (probes.length === 0) return next('T17', 'No self-probe could run on the server; going on to the firewall.');
    const text = probes.map((p) => `${formatAddressPort(p.address, p.port)} ${p.status}`).join(', ');
    if (probes.every((p) => p.status === 'open')) return next('T17', `From the server itself: ${text}. Only traffic from outside is refused.`);
    if (probes.some((p) => p.status === 'refused')) {
      // A rule without an interface match refuses the server's own connections too (LAB.md 1.3), so
      // the rule sets are read before a namespace or a restart is suspected.
      return next('T17', `From the server itself: ${text}. A listener is shown, so a firewall rule that also matches local traffic is likely (or the listener lives in another network namespace).`);
    }
    return {
      kind: 'inconclusive',
      reason: `A listener is shown, yet the server itself gets ${text}.`,
      missing: ['The network namespace of the listening process (`lsns -t net`)', "The service's restart history"],
      candidates: ['other-netns-listener', 'restart-reload-gap'],
    };
  },
};

const T17: TreeNode = {
  id: 'T17',
  title: 'Which firewall layers are active?',
  why: 'With a healthy listener, the refusal must come from a filter: which rule sets exist and whether they could be read.',
  checks: [],
  ask: 'Is a firewall enabled on the server? Which one?',
  decide(facts) {
    const remote = remoteOf(facts);
    const fw = remote.firewall;
    if (fw.snapshots.length === 0) {
      const why = fw.unreadable.map((u) => `${u.source}: ${u.status}`).join(', ') || 'no firewall tool found';
      const managers = fw.activeManagers.length > 0 ? `; active: ${fw.activeManagers.join(', ')}` : '';
      const k = kernelAnswered(remote);
      const answered = k?.answered ? `; ${k.text}, so the rejection happens on the server` : '';
      return leaf('host-firewall-suspected', k?.answered ? 'high' : 'medium', `The listener is fine and the server reaches it, but the firewall rules could not be read (${why}${managers})${answered}.`);
    }
    const read = fw.snapshots.map((s) => `${s.source} (${s.rules.length} rules)`).join(', ');
    return next('T18', `Rule sets read: ${read}${fw.unreadable.length ? `; unreadable: ${fw.unreadable.map((u) => u.source).join(', ')}` : ''}.`);
  },
};

const T18: TreeNode = {
  id: 'T18',
  title: 'Which rule answered the probes?',
  why: 'Snapshot the rule counters, probe from the workstation, snapshot again: the rule whose counter rose by the number of probes is the one that refused.',
  checks: [],
  ask: 'Paste `sudo iptables-save -c` (or `sudo nft list ruleset`) taken right after a failed attempt.',
  decide(facts) {
    const remote = remoteOf(facts);
    const port = facts.target.port;
    const fails = failing(facts);
    // A timeout points at a DROP first; a refusal at a reject. Either rule counting the probes decides.
    const timedOut = fails.some((r) => r.status === 'timeout');
    const counted = timedOut ? (fromCorrelation(remote, 'drop') ?? fromCorrelation(remote, 'refuse')) : (fromCorrelation(remote, 'refuse') ?? fromCorrelation(remote, 'drop'));
    if (counted) return counted;
    const [staticMatch] = matchingRejects(remote, port, fails);
    if (staticMatch) {
      const why = remote.correlation ? 'no counter moved during the probes' : 'counters could not be compared';
      return leaf(causeOfRule(staticMatch, remote.firewall.activeManagers), 'medium', `${describeRule(staticMatch)} rejects port ${port} (${why}).`);
    }
    const legacy = remote.firewall.snapshots.some((s) => s.warnings.some((w) => /legacy tables present/.test(w))) && !remote.firewall.snapshots.some((s) => s.source.endsWith('-legacy'));
    // Only a positive count proves something: resets sent by a netfilter `REJECT --reject-with
    // tcp-reset` never reach the TCP counters (measured in the lab), ICMP errors always do.
    const k = kernelAnswered(remote);
    const serverAnswered = k?.answered ? ` The server did answer the probes itself: ${k.text}.` : '';
    const selfRefused = selfRefusedOf(remote);
    const candidates: CauseId[] = selfRefused ? ['other-netns-listener', 'restart-reload-gap', 'iptables-reject', 'nftables-reject'] : ['middlebox-rst', 'other-netns-listener', 'iptables-reject', 'nftables-reject'];
    return {
      kind: 'inconclusive',
      reason:
        (!remote.correlation
          ? 'The rule counters could not be compared around fresh probes, and no rule that was read rejects the port.'
          : legacy
            ? 'No rule that was read counted the probes, and iptables warns that legacy tables exist which were not read.'
            : selfRefused
              ? 'No rule counted the probes and none rejects the port, yet the server itself is refused: the listener may live in another network namespace, or the service restarted meanwhile.'
              : serverAnswered
                ? 'No rule that was read counted the probes and none rejects the port.'
                : 'No rule counted the probes and none rejects the port: the refusal may come from a device in front of the server.') + serverAnswered,
      missing: legacy ? ['`iptables-legacy-save -c` output (as root)'] : ['A packet capture on the server during a probe (`tcpdump -ni any port PORT`)'],
      candidates,
    };
  },
};

/**
 * The service that should own the port is down, and the port's listeners all belong to other
 * units (by the cgroup `ss -e` prints): another program took the port (catalog B8). Null when the
 * owner cannot be told or it is the service itself.
 */
function heldByAnotherUnit(remote: RemoteFacts, listeners: readonly Listener[]): string | null {
  const svc = remote.service;
  if (!svc || svc.activeState === 'active' || svc.activeState === 'activating') return null;
  const owners = listeners.map((l) => l.cgroup ?? null);
  if (owners.some((cg) => cg === null || cg === '' || cg.endsWith(`/${svc.unit}`))) return null;
  return listeners
    .map((l) => `${describeListener(l)} (${l.processes.map((p) => `${p.name} pid ${p.pid}`).join(', ') || 'process not shown'}, cgroup ${l.cgroup})`)
    .join(', ');
}

function selfRefusedOf(remote: RemoteFacts): boolean {
  return remote.selfProbes.some((p) => p.status === 'refused');
}

export const remoteNodes = { T11, T12, T13, T14, T15, T16, T17, T18 } as const;

/** For T20 and T40: what the server's counters say about an unreachable or timed-out probe. */
export function remoteVerdictForDropOrProhibit(facts: DiagnosisFacts, kind: 'drop' | 'refuse'): Decision | null {
  if (!facts.remote) return null;
  const fromCounters = fromCorrelation(facts.remote, kind);
  if (fromCounters) return fromCounters;
  const port = facts.target.port;
  const fails = failing(facts);
  const dnat = dnatRules(facts.remote, port, fails);
  if (dnat[0]) return leaf('dnat-dead-backend', 'medium', `Port ${port} is forwarded elsewhere by ${describeRule(dnat[0])}.`);
  if (kind === 'refuse') {
    // firewalld's own rules carry no counters, so the server's ICMP counter is the proof that it answered.
    const k = kernelAnswered(facts.remote);
    const prohibited = matchingRejects(facts.remote, port, fails).filter((r) => /prohibited/.test(r.rejectWith ?? ''));
    if (k?.answered && facts.remote.firewall.activeManagers.includes('firewalld')) {
      return leaf('firewalld-reject', 'high', `firewalld is active and ${k.text}${prohibited[0] ? `; the rule: ${describeRule(prohibited[0])}` : ''}.`);
    }
    if (prohibited[0]) return leaf(causeOfRule(prohibited[0], facts.remote.firewall.activeManagers), k?.answered ? 'high' : 'medium', `${describeRule(prohibited[0])} answers with an ICMP "prohibited" message${k ? `; ${k.text}` : ''}.`);
  }
  return null;
}
