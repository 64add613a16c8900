import type { CauseId } from '../causes/catalog';
import { isRejectLike, ruleMatchesProbe } from '../firewall/match';
import { isLoopbackAddress } from '../net/address';
import type { FirewallRule } from '../schema/firewall';
import type { Listener } from '../schema/listener';
import { formatAddressPort } from '../schema/target';
import { ask, inconclusive, leaf, next, plural } from './decisions';
import { addressResults, describeListener, listenerCovers, type AddressResult, type DiagnosisFacts } from './facts';
import { ADDRESSES_PASTE, CONTAINERS_PASTE, FIREWALL_PASTE, LISTENERS_PASTE, SERVICE_PASTE } from './pastes';
import type { ContainerFact, LogSignature, RemoteFacts, RuleCulprit } from './remote-facts';
import type { SettledDecision, TreeNode } from './types';

/**
 * The server side of the tree (catalog T11–T19), reached once the server's evidence exists (over
 * SSH, or pasted by a person). Each verdict cites the evidence that decided it: the listener line,
 * the service state, the rule and its counter delta. A node reached without the evidence it reads
 * asks for it: the exact command to run, and answers a person can give instead.
 */

/** The addresses the workstation could not connect to: the ones the server must explain. */
function failing(facts: DiagnosisFacts): AddressResult[] {
  return addressResults(facts).filter((r) => r.status !== 'connected');
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

/** Every cause `causeOfRule` can name: the branches of a node that reads rules. */
export const RULE_CAUSES = [
  'dnat-dead-backend',
  'firewall-drop',
  'ban-or-rate-limit',
  'k8s-service-no-endpoints',
  'ufw-reject-or-limit',
  'firewalld-reject',
  'nftables-reject',
  'iptables-reject',
] as const satisfies readonly CauseId[];

/** Daemons that open a port only after a knock sequence or a single-packet authorization. */
const KNOCK_DAEMONS: readonly string[] = ['knockd', 'fwknopd'];

/** Bans and rate limits: fail2ban's f2b-* chains, sshguard and CrowdSec sets, and the limit matches (catalog C5). */
const BAN_CHAIN = /^(f2b-|fail2ban-|sshguard|crowdsec)/i;
const LIMIT_MATCH = /(-m (recent|connlimit|hashlimit)\b|\blimit rate\b|\bct count\b|\bmeter\b|@(crowdsec|sshguard|f2b))/i;

/** Which catalog cause a rule that refused (or dropped) the probes stands for. */
export function causeOfRule(rule: FirewallRule, activeManagers: readonly string[]): (typeof RULE_CAUSES)[number] {
  if (rule.action === 'dnat') return 'dnat-dead-backend';
  if (/has no (local )?endpoints/.test(rule.comment ?? '') || /^KUBE-/.test(rule.chain)) return 'k8s-service-no-endpoints';
  if (BAN_CHAIN.test(rule.chain) || BAN_CHAIN.test(rule.target ?? '')) return 'ban-or-rate-limit';
  // ufw's own `limit` rules use -m recent too: its chains name it first.
  if (/^ufw6?-/.test(rule.chain) && rule.action !== 'drop') return 'ufw-reject-or-limit';
  if (LIMIT_MATCH.test(rule.text)) return 'ban-or-rate-limit';
  if (rule.action === 'drop') return 'firewall-drop';
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
function fromCorrelation(remote: RemoteFacts, wanted: 'refuse' | 'drop'): SettledDecision | null {
  const corr = remote.correlation;
  if (!corr) return null;
  const culprits = corr.culprits.filter((c) => (wanted === 'drop' ? c.rule.action === 'drop' : c.rule.action !== 'drop'));
  const [top] = culprits;
  if (top) {
    const cause = causeOfRule(top.rule, remote.firewall.activeManagers);
    return leaf(cause, 'high', `${describeCulprit(top)} while ${plural(corr.probes, 'probe')} were sent.`);
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
function kernelAnswered(remote: RemoteFacts): { answered: boolean; icmp: number; resets: number; text: string } | null {
  const k = remote.kernelAnswers;
  if (!k) return null;
  const icmp = k.icmpUnreachable + k.icmp6Unreachable;
  return {
    answered: icmp + k.tcpResets >= k.probes,
    icmp,
    resets: k.tcpResets,
    text: `during ${k.probes} fresh probes the server itself sent ${plural(k.tcpResets, 'TCP reset')} and ${plural(icmp, 'ICMP unreachable')} (/proc/net/snmp)`,
  };
}

/** The listener table was not collected at all (pasted evidence without it), or could not be read. */
function listenersMissing(remote: RemoteFacts | null): string | null {
  if (!remote) return 'no server evidence was collected';
  if (remote.listeners.status === 'ok') return null;
  return remote.listeners.reason || remote.listeners.status;
}

/** Neither SSH nor a paste gave the rule sets (as opposed to "read, and empty"). */
function firewallNotCollected(remote: RemoteFacts): boolean {
  return remote.firewall.snapshots.length === 0 && remote.firewall.unreadable.length > 0 && remote.firewall.unreadable.every((u) => u.status === 'skipped');
}

const T11: TreeNode = {
  id: 'T11',
  title: "Is the target one of the server's own addresses?",
  why: 'If the address the client uses is not on this server, something in front (NAT, a load balancer, another machine) answers instead.',
  checks: ['`ip route get ADDRESS` on the server', "the server's interface addresses"],
  branches: ['T12', 'T13'],
  manual: {
    question: "Is the address you connect to one of the server's own? Is there a NAT or load balancer in front?",
    choices: [
      { id: 'own-address', label: 'Yes, the server holds that address', leadsTo: 'T13' },
      { id: 'something-in-front', label: 'No: a NAT, port-forward or load balancer sits in front', leadsTo: 'T12' },
    ],
    paste: ADDRESSES_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    if (!remote) return next('T13', 'No server evidence on address ownership; going on to what listens on the port.');
    const owned = failing(facts).map((r) => remote.ownership.find((o) => o.address === r.address.address));
    const foreign = owned.filter((o) => o?.owned === false);
    if (foreign.length > 0) return next('T12', `${foreign.map((o) => `${o!.address} (${o!.how})`).join(', ')} is not an address of ${remote.server}.`);
    const how = owned.map((o) => (o ? `${o.address}: ${o.how}` : 'unknown')).join('; ');
    return next('T13', owned.length > 0 && owned.every((o) => o?.owned === true) ? `The server holds the address (${how}).` : `Ownership could not be checked (${how}); continuing with the server's listeners.`);
  },
};

const T12: TreeNode = {
  id: 'T12',
  title: 'Something sits in front of the server',
  why: 'The refused address belongs elsewhere: a port-forward, a load balancer, or a DNS record that points at another machine.',
  checks: ["the server's own addresses against every address of the name"],
  branches: ['T13', 'dns-wrong-target', 'dnat-dead-backend', 'lb-or-proxy-backend-down', 'nat-hairpin-or-port-forward-missing', 'inconclusive'],
  manual: {
    question: "What sits in front of the server? What is the server's own IP address?",
    choices: [
      { id: 'cloud-nat', label: "A cloud 1:1 NAT to this server's private address (normal in a cloud)", leadsTo: 'T13' },
      { id: 'load-balancer', label: 'A load balancer or reverse proxy', leadsTo: 'lb-or-proxy-backend-down' },
      { id: 'port-forward', label: 'A router or host port-forward (DNAT)', leadsTo: 'dnat-dead-backend' },
      { id: 'forward-missing', label: 'The edge router should forward the port, and may not', leadsTo: 'nat-hairpin-or-port-forward-missing' },
      { id: 'unrelated-machine', label: 'Nothing: the address belongs to some other machine', leadsTo: 'dns-wrong-target' },
    ],
    paste: null,
  },
  decide(facts) {
    const remote = facts.remote;
    const server = remote?.server ?? 'the server';
    const foreign = remote ? failing(facts).filter((r) => remote.ownership.some((o) => o.address === r.address.address && o.owned === false)) : [];
    // A name with one working address and one that belongs to no part of this server: the record is stale or wrong.
    const connectedOthers = addressResults(facts).filter((r) => r.status === 'connected');
    if (foreign.length > 0 && connectedOthers.length > 0) {
      return leaf('dns-wrong-target', 'high', `${facts.target.host} also resolves to ${foreign.map((r) => r.address.address).join(', ')}, which ${server} does not hold, beside ${connectedOthers.map((r) => r.address.address).join(', ')}, which answers: a stale or wrong DNS record.`);
    }
    const reason = `The client connects to ${foreign.map((r) => r.address.address).join(', ') || 'an address'}, an address ${server} does not hold, so another device answers for it.`;
    return ask(reason, ['Which device owns the address (router, load balancer, NAT gateway) and its forwarding rules'], inconclusive(reason, ['Which device owns the address (router, load balancer, NAT gateway) and its forwarding rules'], ['dns-wrong-target', 'dnat-dead-backend', 'lb-or-proxy-backend-down', 'nat-hairpin-or-port-forward-missing']));
  },
};

/** Programs that accept on behalf of another one (catalog T13a). */
const CONTAINER_FORWARDERS = /^(docker-proxy|rootlessport|rootlesskit|pasta|pasta\.avx2|slirp4netns|conmon)$/;
const PORT_FORWARDERS = /^(socat|rinetd|haproxy-forward|redir|svchost)$/;

function forwarderOf(listeners: readonly Listener[], port: number): { kind: 'container' | 'systemd' | 'forwarder'; name: string } | null {
  for (const l of listeners) {
    for (const p of l.processes) {
      if (CONTAINER_FORWARDERS.test(p.name)) return { kind: 'container', name: p.name };
      if (p.name === 'systemd' && p.pid === 1) return { kind: 'systemd', name: 'systemd (pid 1)' };
      if (PORT_FORWARDERS.test(p.name) || (p.name === 'sshd' && port !== 22)) return { kind: 'forwarder', name: p.name };
    }
  }
  return null;
}

const T13: TreeNode = {
  id: 'T13',
  title: 'What listens on the port on the server?',
  why: "The server's listener table decides most cases: nothing listening, listening on loopback only, on another address, or on the other IP family.",
  checks: ["`ss -Htlnpe 'sport = :PORT'` (or netstat, or /proc/net/tcp)", 'port-forward (DNAT) rules'],
  branches: ['T14', 'T13a', 'T16', 'bind-loopback-only', 'bind-wrong-interface-ip', 'aaaa-without-ipv6-listener', 'v6only-listener-ipv4-refused', 'port-in-use-conflict', 'dnat-dead-backend', 'inconclusive'],
  manual: {
    question: 'What listens on the port on the server? Paste the listener table, or say what it shows.',
    choices: [
      { id: 'nothing', label: 'Nothing listens on the port', leadsTo: 'T14' },
      { id: 'loopback-only', label: 'Only 127.0.0.1 or [::1]', leadsTo: 'bind-loopback-only' },
      { id: 'other-address', label: 'One specific address, not the one clients use', leadsTo: 'bind-wrong-interface-ip' },
      { id: 'container-or-forwarder', label: 'docker-proxy, systemd or another forwarder', leadsTo: 'T13a' },
      { id: 'all-addresses', label: '0.0.0.0, [::] or the address clients use', leadsTo: 'T16' },
    ],
    paste: LISTENERS_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    const port = facts.target.port;
    const fails = failing(facts);
    if (remote) {
      const dnat = dnatRules(remote, port, fails);
      if (dnat[0]) {
        const counted = remote.correlation?.culprits.find((c) => c.rule.action === 'dnat');
        return leaf('dnat-dead-backend', counted ? 'high' : 'medium', `Port ${port} is forwarded elsewhere by ${counted ? describeCulprit(counted) : describeRule(dnat[0])}; the refusal comes from the forward's destination.`);
      }
    }
    const missing = listenersMissing(remote);
    if (missing !== null || !remote) {
      const reason = remote && remote.listeners.status !== 'skipped' ? `The listener table could not be read on ${remote.server}: ${remote.listeners.reason || remote.listeners.status}.` : `The server's listener table was not collected (${missing}).`;
      return ask(reason, [`\`ss -Htlnpe 'sport = :${port}'\` output from the server`], inconclusive(reason, [`\`ss -Htlnpe 'sport = :${port}'\` output from the server`], ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip']));
    }
    const listeners = portListeners(remote, port);
    const seen = listeners.map(describeListener).join(', ');
    const source = remote.listeners.source;
    if (listeners.length === 0) return next('T14', `Nothing listens on port ${port} on ${remote.server} (${source}).`);
    const squatters = heldByAnotherUnit(remote, listeners);
    if (squatters) {
      const svc = remote.service!;
      const logLine = svc.signatures.find((x) => x.signature === 'port-in-use')?.line;
      return leaf('port-in-use-conflict', 'high', `${svc.unit} is ${svc.activeState}/${svc.subState}, and port ${port} is held by another program: ${squatters}${logLine ? `; its log says "${logLine.slice(0, 200)}"` : ''}.`);
    }
    const forwarder = forwarderOf(listeners, port);
    if (forwarder) return next('T13a', `${seen} is owned by ${forwarder.name}, which accepts on behalf of another program.`);
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

const T13a: TreeNode = {
  id: 'T13a',
  title: 'The listener is a forwarder',
  why: 'docker-proxy, systemd socket activation and port-forwarders accept on behalf of another program; the real service sits behind them.',
  checks: ["the listener's owning program", '`docker ps -a` (publish addresses)', "the service's state"],
  branches: ['T16', 'docker-publish-problem', 'socket-unit-failed', 'dnat-dead-backend', 'inconclusive'],
  manual: {
    question: 'Is the service containerised, socket-activated, or behind a port-forwarder (socat, rinetd, an SSH forward)?',
    choices: [
      { id: 'container', label: 'A container, published with -p', leadsTo: 'docker-publish-problem' },
      { id: 'socket-activated', label: 'A systemd .socket unit', leadsTo: 'T16' },
      { id: 'forwarder', label: 'A port-forwarder to another machine', leadsTo: 'dnat-dead-backend' },
    ],
    paste: CONTAINERS_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    const port = facts.target.port;
    const listeners = remote ? portListeners(remote, port) : [];
    const forwarder = forwarderOf(listeners, port);
    if (!remote || !forwarder) {
      const reason = 'The program that owns the listener is not known.';
      return ask(reason, ["The listener's owning program (`sudo ss -tlnp`)"], inconclusive(reason, ["The listener's owning program (`sudo ss -tlnp`)"], ['docker-publish-problem', 'socket-unit-failed', 'dnat-dead-backend']));
    }
    const seen = listeners.map(describeListener).join(', ');
    const fails = failing(facts);
    const uncovered = fails.filter((r) => !listeners.some((l) => listenerCovers(l, r.address)));
    if (forwarder.kind === 'container') {
      if (uncovered.length > 0) {
        const published = listeners.every((l) => isLoopbackAddress(l.address)) ? 'published on loopback only' : 'published on another address';
        return leaf('docker-publish-problem', 'high', `${forwarder.name} holds ${seen}: the container port is ${published}, so ${uncovered.map((r) => r.address.address).join(', ')} is refused.`);
      }
      return next('T16', `${forwarder.name} publishes ${seen}, which covers the refused address: the refusal happens before the container.`);
    }
    if (forwarder.kind === 'systemd') {
      const s = remote.service;
      if (s && (s.activeState === 'failed' || s.subState === 'auto-restart' || s.result === 'start-limit-hit')) {
        return leaf('socket-unit-failed', 'medium', `systemd holds ${seen} by socket activation, but ${s.unit} is ${s.activeState}/${s.subState}${s.result && s.result !== 'success' ? ` (Result=${s.result})` : ''}.`);
      }
      return next('T16', `systemd holds ${seen} by socket activation; the listener is fine.`);
    }
    return leaf('dnat-dead-backend', 'medium', `${forwarder.name} holds ${seen} and forwards the connection to a backend that refuses it.`);
  },
};

const T14: TreeNode = {
  id: 'T14',
  title: 'No listener: which program should own the port?',
  why: 'Nothing listens, so the question becomes why the program that should is not running.',
  checks: ["the service's state", '`docker ps -a`'],
  branches: ['T15', 'T14a', 'service-not-running', 'port-mismatch', 'tcp-disabled-unix-socket-only', 'other-netns-listener', 'windows-reserved-port-range'],
  manual: {
    question: 'Which program is supposed to answer on the port, and what state is it in?',
    choices: [
      { id: 'systemd-service', label: 'A systemd service (paste its state and log)', leadsTo: 'T15' },
      { id: 'container', label: 'A container or a Kubernetes Service', leadsTo: 'T14a' },
      { id: 'other-port', label: 'It runs, but its configuration names another port', leadsTo: 'port-mismatch' },
      { id: 'unix-socket', label: 'It runs, but listens on a Unix socket only', leadsTo: 'tcp-disabled-unix-socket-only' },
      { id: 'other-namespace', label: 'It runs in another network namespace or VM', leadsTo: 'other-netns-listener' },
      { id: 'windows-reserved', label: 'Windows: the port is in an excluded range (`netsh int ipv4 show excludedportrange protocol=tcp`)', leadsTo: 'windows-reserved-port-range' },
      { id: 'not-installed', label: 'It is not installed or not started', leadsTo: 'service-not-running' },
    ],
    paste: SERVICE_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    const port = facts.target.port;
    const containers = remote ? containersForPort(remote, port, facts.serviceHint) : [];
    if (containers.length > 0) return next('T14a', `A container is meant to own port ${port}: ${containers.map(describeContainer).join('; ')}.`);
    if (remote?.service) return next('T15', `Checking the service ${remote.service.unit}: ${remote.service.activeState}/${remote.service.subState}.`);
    const where = remote?.server ?? 'the server';
    const reason = `Nothing listens on port ${port} on ${where}, and the state of the program that should was not read${facts.serviceHint ? '' : ' (no service name was given: use --service NAME)'}.`;
    return ask(reason, ["The service's state and log (`systemctl show UNIT`, `journalctl -u UNIT`)"], leaf('service-not-running', 'medium', `Nothing listens on port ${port} on ${where}; the service's own state was not read${facts.serviceHint ? '' : ' (no service name was given: use --service NAME)'}.`));
  },
};

/** Containers that publish, expose or are named for the port: the ones meant to own it. */
function containersForPort(remote: RemoteFacts, port: number, hint: string | null): ContainerFact[] {
  if (!remote.containers || remote.containers.status !== 'ok') return [];
  return remote.containers.containers.filter(
    (c) => c.ports.some((p) => (p.hostPort !== null && port >= p.hostPort[0] && port <= p.hostPort[1]) || (p.hostPort === null && port >= p.containerPort[0] && port <= p.containerPort[1])) || (hint !== null && c.name === hint),
  );
}

function describeContainer(c: ContainerFact): string {
  const ports = c.ports.map((p) => (p.hostPort ? `${p.hostIp ?? ''}:${p.hostPort[0]}->${p.containerPort[0]}/${p.protocol}` : `${p.containerPort[0]}/${p.protocol} (not published)`)).join(', ');
  return `${c.name} (${c.image}) ${c.status}${ports ? `, ports ${ports}` : ''}`;
}

const T14a: TreeNode = {
  id: 'T14a',
  title: 'A container or orchestrator owns the port',
  why: 'A container publishes the port only while it runs, and only on the addresses it was published to.',
  checks: ['`docker ps -a` and `docker inspect` (state, OOMKilled, restarts, published ports)', 'kube-proxy rules ("has no endpoints")'],
  branches: ['docker-publish-problem', 'service-crash-loop', 'service-oom-killed', 'service-not-running', 'k8s-service-no-endpoints', 'inconclusive'],
  manual: {
    question: 'What state is the container in? Paste `docker ps -a`, or say what it shows.',
    choices: [
      { id: 'restarting', label: 'It keeps restarting', leadsTo: 'service-crash-loop' },
      { id: 'oom-killed', label: 'It was killed for lack of memory (OOMKilled)', leadsTo: 'service-oom-killed' },
      { id: 'stopped', label: 'It is stopped (Exited)', leadsTo: 'service-not-running' },
      { id: 'not-published', label: 'It runs, but the port is not published (or only on 127.0.0.1)', leadsTo: 'docker-publish-problem' },
      { id: 'k8s-no-endpoints', label: 'A Kubernetes Service with no ready pods behind it', leadsTo: 'k8s-service-no-endpoints' },
    ],
    paste: CONTAINERS_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    const port = facts.target.port;
    if (remote) {
      const kube = remote.firewall.snapshots.flatMap((s) => s.rules).find((r) => /has no (local )?endpoints/.test(r.comment ?? '') && ruleMatchesProbe(r, { port, protocol: 'tcp', family: 4 }));
      if (kube) return leaf('k8s-service-no-endpoints', 'high', `kube-proxy's rule says so: ${describeRule(kube)}.`);
    }
    const containers = remote ? containersForPort(remote, port, facts.serviceHint) : [];
    const [c] = containers;
    if (!c) {
      const reason = `No container state for port ${port} is at hand.`;
      return ask(reason, ['`docker ps -a` from the server'], inconclusive(reason, ['`docker ps -a` from the server'], ['docker-publish-problem', 'service-crash-loop', 'service-oom-killed', 'k8s-service-no-endpoints']));
    }
    const what = describeContainer(c);
    if (c.oomKilled) return leaf('service-oom-killed', 'high', `${what}: Docker records OOMKilled=true.`);
    if (c.state === 'restarting' || (c.restartCount ?? 0) > 0) return leaf('service-crash-loop', 'high', `${what}${c.restartCount ? `, restarted ${c.restartCount} times` : ''}: it keeps exiting and being restarted.`);
    if (c.state === 'exited' || c.state === 'dead' || c.state === 'created') {
      return c.exitCode === 137
        ? leaf('service-oom-killed', 'medium', `${what}: exit code 137 (killed), the usual mark of the OOM killer.`)
        : leaf('service-not-running', 'high', `${what}: the container is not running, so nothing publishes port ${port}.`);
    }
    const published = c.ports.filter((p) => p.hostPort !== null && port >= p.hostPort[0] && port <= p.hostPort[1]);
    if (published.length === 0) return leaf('docker-publish-problem', 'high', `${what}: port ${port} is exposed but not published (no -p).`);
    if (published.every((p) => p.hostIp !== null && isLoopbackAddress(p.hostIp))) return leaf('docker-publish-problem', 'high', `${what}: port ${port} is published on loopback only.`);
    const reason = `${what}: it runs and publishes port ${port}, yet nothing listens on the host.`;
    return inconclusive(reason, ['`iptables-save -t nat` (the DOCKER chain)', "The Docker daemon's userland-proxy setting"], ['docker-publish-problem', 'dnat-dead-backend']);
  },
};

const T15: TreeNode = {
  id: 'T15',
  title: 'Why is the service not listening?',
  why: "The unit's state and its last log lines name the reason: a crash loop, a port taken by another program, a bad address, memory.",
  checks: ['`systemctl show UNIT`', '`journalctl -u UNIT -n 100`'],
  branches: [
    'port-in-use-conflict', 'service-oom-killed', 'bind-address-unavailable', 'mac-policy-bind-denied', 'privileged-port-denied', 'tcp-disabled-unix-socket-only',
    'socket-unit-failed', 'service-crash-loop', 'service-starting-up', 'service-not-running', 'inconclusive',
  ],
  manual: {
    question: 'What do the service state and its last log lines say?',
    choices: [
      { id: 'address-in-use', label: '"Address already in use"', leadsTo: 'port-in-use-conflict' },
      { id: 'cannot-assign', label: '"Cannot assign requested address"', leadsTo: 'bind-address-unavailable' },
      { id: 'permission-denied', label: '"Permission denied" at bind, no SELinux/AppArmor denial', leadsTo: 'privileged-port-denied' },
      { id: 'avc-denied', label: 'An SELinux AVC or AppArmor denial for name_bind', leadsTo: 'mac-policy-bind-denied' },
      { id: 'oom', label: 'Killed for lack of memory', leadsTo: 'service-oom-killed' },
      { id: 'restarting', label: 'It keeps restarting', leadsTo: 'service-crash-loop' },
      { id: 'starting', label: 'It was started seconds ago and is still starting', leadsTo: 'service-starting-up' },
      { id: 'stopped', label: 'It is stopped or disabled', leadsTo: 'service-not-running' },
    ],
    paste: SERVICE_PASTE,
  },
  decide(facts) {
    const s = facts.remote?.service;
    const port = facts.target.port;
    if (!s) {
      const reason = "The service's state and log are not at hand.";
      return ask(reason, ["The service's state and log (`systemctl show UNIT`, `journalctl -u UNIT`)"], leaf('service-not-running', 'medium', `Nothing listens on port ${port}, and the state of the service that should was not read.`));
    }
    const state = `${s.unit} is ${s.activeState}/${s.subState}${s.result && s.result !== 'success' ? ` (Result=${s.result})` : ''}${s.nRestarts ? `, restarted ${s.nRestarts} times` : ''}`;
    const found = (signature: LogSignature) => s.signatures.find((x) => x.signature === signature);
    const quote = (signature: LogSignature) => `: "${(found(signature)?.line ?? '').slice(0, 200)}"`;
    if (found('port-in-use')) return leaf('port-in-use-conflict', 'high', `${state}; its log says the address is already in use${quote('port-in-use')}.`);
    if (found('oom-kill') || s.result === 'oom-kill') return leaf('service-oom-killed', 'high', `${state}; it was killed for lack of memory${found('oom-kill') ? quote('oom-kill') : ''}.`);
    if (found('address-unavailable')) return leaf('bind-address-unavailable', 'high', `${state}; its log says it cannot assign the requested address${quote('address-unavailable')}.`);
    if (found('mac-denied')) return leaf('mac-policy-bind-denied', 'high', `${state}; the security policy denied the bind${quote('mac-denied')}.`);
    if (found('permission-denied')) return leaf('privileged-port-denied', port < 1024 ? 'high' : 'medium', `${state}; its log shows a permission error at bind${quote('permission-denied')}${port < 1024 ? ` (port ${port} is below 1024)` : ''}.`);
    if (found('networking-disabled')) return leaf('tcp-disabled-unix-socket-only', 'high', `${state}; TCP is switched off in its configuration${quote('networking-disabled')}.`);
    if (s.unit.endsWith('.socket') && (s.activeState === 'failed' || s.result !== 'success')) return leaf('socket-unit-failed', 'high', `${state}: the socket unit that should hold port ${port} failed.`);
    if (s.subState === 'auto-restart' || found('start-limit') || s.result === 'start-limit-hit' || (s.nRestarts ?? 0) > 0) {
      return leaf('service-crash-loop', 'high', `${state}: it keeps exiting and being restarted.`);
    }
    if (s.activeState === 'activating') return leaf('service-starting-up', 'medium', `${state}: still starting.`);
    if (s.activeState === 'inactive' || s.activeState === 'failed' || s.loadState === 'not-found') {
      return leaf('service-not-running', 'high', `${state}${s.unitFileState ? ` (${s.unitFileState} at boot)` : ''}, and nothing listens on port ${port}.`);
    }
    return inconclusive(`${state}, yet nothing listens on port ${port}: it listens elsewhere (another port, a Unix socket, another network namespace).`, ["The service's configured port and listen address"], [
      'port-mismatch',
      'tcp-disabled-unix-socket-only',
      'other-netns-listener',
    ]);
  },
};

const T16: TreeNode = {
  id: 'T16',
  title: 'Does the server reach the service itself?',
  why: 'Traffic from the server to itself skips interface-bound firewall rules: if it connects, the refusal happens only for traffic from outside.',
  checks: ['a connect from the server to 127.0.0.1:PORT and to the target address'],
  branches: ['T17', 'bind-loopback-only', 'other-netns-listener', 'restart-reload-gap', 'inconclusive'],
  manual: {
    question: 'On the server, does `curl -v telnet://127.0.0.1:PORT` connect? And `curl -v telnet://ADDRESS:PORT` with the address clients use?',
    choices: [
      { id: 'both-open', label: 'Both connect', leadsTo: 'T17' },
      { id: 'loopback-only', label: '127.0.0.1 connects, the public address is refused', leadsTo: 'bind-loopback-only' },
      { id: 'both-refused', label: 'Both are refused, although a listener is shown', leadsTo: 'other-netns-listener' },
    ],
    paste: null,
  },
  decide(facts) {
    const probes = facts.remote?.selfProbes ?? [];
    if (probes.length === 0) return ask('No self-probe could run on the server.', ['A connect from the server to 127.0.0.1:PORT and to the address clients use'], next('T17', 'No self-probe could run on the server; going on to the firewall.'));
    const text = probes.map((p) => `${formatAddressPort(p.address, p.port)} ${p.status}`).join(', ');
    if (probes.every((p) => p.status === 'open')) return next('T17', `From the server itself: ${text}. Only traffic from outside is refused.`);
    if (probes.some((p) => p.status === 'refused')) {
      // A rule without an interface match refuses the server's own connections too (LAB.md 1.3), so
      // the rule sets are read before a namespace or a restart is suspected.
      return next('T17', `From the server itself: ${text}. A listener is shown, so a firewall rule that also matches local traffic is likely (or the listener lives in another network namespace).`);
    }
    return inconclusive(`A listener is shown, yet the server itself gets ${text}.`, ['The network namespace of the listening process (`lsns -t net`)', "The service's restart history"], ['other-netns-listener', 'restart-reload-gap']);
  },
};

const T17: TreeNode = {
  id: 'T17',
  title: 'Which firewall layers are active?',
  why: 'With a healthy listener, the refusal must come from a filter: which rule sets exist and whether they could be read.',
  checks: ['`iptables-save -c`, `ip6tables-save -c`, `nft -j list ruleset`', 'which firewall services run (ufw, firewalld, nftables, fail2ban)'],
  branches: ['T18', 'host-firewall-suspected', 'ufw-reject-or-limit', 'firewalld-reject', 'iptables-reject', 'nftables-reject', 'bsd-pf-ipfw-return', 'T19', 'inconclusive'],
  manual: {
    question: 'Is a firewall enabled on the server? Which one? Paste its rules if you can.',
    choices: [
      { id: 'ufw', label: 'ufw', leadsTo: 'ufw-reject-or-limit' },
      { id: 'firewalld', label: 'firewalld', leadsTo: 'firewalld-reject' },
      { id: 'iptables', label: 'Plain iptables rules', leadsTo: 'iptables-reject' },
      { id: 'nftables', label: 'Plain nftables rules', leadsTo: 'nftables-reject' },
      { id: 'pf-ipfw', label: 'pf or ipfw (FreeBSD, macOS): `pfctl -sr`, `ipfw list`', leadsTo: 'bsd-pf-ipfw-return' },
      { id: 'none', label: 'No firewall on the server', leadsTo: 'T19' },
    ],
    paste: FIREWALL_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    if (!remote || firewallNotCollected(remote)) {
      const reason = 'The listener looks fine, and the firewall rules are not at hand.';
      return ask(reason, ["The server's firewall rules (`sudo nft -j list ruleset` or `sudo iptables-save -c`)"], inconclusive(reason, ["The server's firewall rules"], ['iptables-reject', 'nftables-reject', 'ufw-reject-or-limit', 'firewalld-reject', 'ban-or-rate-limit']));
    }
    const fw = remote.firewall;
    if (fw.snapshots.length === 0) {
      const why = fw.unreadable.map((u) => `${u.source}: ${u.status}`).join(', ') || 'no firewall tool found';
      const managers = fw.activeManagers.length > 0 ? `; active: ${fw.activeManagers.join(', ')}` : '';
      const k = kernelAnswered(remote);
      const answered = k?.answered ? `; ${k.text}, so the rejection happens on the server` : '';
      const reason = `The listener is fine and the server reaches it, but the firewall rules could not be read (${why}${managers})${answered}.`;
      return ask(reason, ['The firewall rules, read as root (`sudo nft -j list ruleset` or `sudo iptables-save -c`)'], leaf('host-firewall-suspected', k?.answered ? 'high' : 'medium', reason));
    }
    const read = fw.snapshots.map((s) => `${s.source} (${plural(s.rules.length, 'rule')})`).join(', ');
    return next('T18', `Rule sets read: ${read}${fw.unreadable.length ? `; unreadable: ${fw.unreadable.map((u) => u.source).join(', ')}` : ''}.`);
  },
};

const T18: TreeNode = {
  id: 'T18',
  title: 'Which rule answered the probes?',
  why: 'Snapshot the rule counters, probe from the workstation, snapshot again: the rule whose counter rose by the number of probes is the one that refused.',
  checks: ['rule counters before and after fresh probes', 'reject rules that match the port'],
  branches: [...RULE_CAUSES, 'port-knocking', 'T18a'],
  manual: {
    question: 'Which rule rejects the port? Paste the rules with counters, taken right after a failed attempt.',
    choices: [
      { id: 'ban', label: 'A fail2ban (or similar) ban of this client', leadsTo: 'ban-or-rate-limit' },
      { id: 'ufw', label: 'A ufw deny, reject or limit rule', leadsTo: 'ufw-reject-or-limit' },
      { id: 'firewalld', label: 'A firewalld zone without the port', leadsTo: 'firewalld-reject' },
      { id: 'iptables', label: 'An iptables REJECT rule', leadsTo: 'iptables-reject' },
      { id: 'nftables', label: 'An nftables reject rule', leadsTo: 'nftables-reject' },
      { id: 'knock', label: 'The port opens only after a knock (knockd, fwknop)', leadsTo: 'port-knocking' },
      { id: 'no-rule', label: 'No rule matches the port', leadsTo: 'T18a' },
    ],
    paste: FIREWALL_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    const port = facts.target.port;
    if (!remote) return ask('The firewall rules are not at hand.', ["The server's firewall rules"], next('T18a', 'No rule set to read.'));
    const fails = failing(facts);
    // A timeout points at a DROP first; a refusal at a reject. Either rule counting the probes decides.
    const timedOut = fails.some((r) => r.status === 'timeout');
    const counted = timedOut ? (fromCorrelation(remote, 'drop') ?? fromCorrelation(remote, 'refuse')) : (fromCorrelation(remote, 'refuse') ?? fromCorrelation(remote, 'drop'));
    const knocker = remote.firewall.activeManagers.find((m) => KNOCK_DAEMONS.includes(m));
    // With a knock daemon running, a plain reject for the port is the closed door it opens on a knock (catalog C6).
    const knocked = (d: SettledDecision): SettledDecision =>
      knocker && d.kind === 'leaf' && (d.cause === 'iptables-reject' || d.cause === 'nftables-reject') ? leaf('port-knocking', d.confidence, `${d.reason} ${knocker} is running: the port opens only after a knock.`) : d;
    if (counted) return knocked(counted);
    const [staticMatch] = matchingRejects(remote, port, fails);
    if (staticMatch) {
      const why = remote.correlation ? 'no counter moved during the probes' : remote.origin === 'pasted' ? 'read from the pasted rules, without a counter comparison' : 'counters could not be compared';
      return knocked(leaf(causeOfRule(staticMatch, remote.firewall.activeManagers), 'medium', `${describeRule(staticMatch)} rejects port ${port} (${why}).`));
    }
    const reason = remote.correlation ? 'No rule counted the probes, and no rule that was read rejects the port.' : 'No rule that was read rejects the port (counters could not be compared around fresh probes).';
    return ask(reason, ['Which rule, if any, rejects the port'], next('T18a', reason));
  },
};

const T18a: TreeNode = {
  id: 'T18a',
  title: 'Were all rule sets inspected?',
  why: 'iptables has two backends (legacy and nft) that can both hold rules, and nft can hold tables iptables never shows: a reject can hide in the set nobody read.',
  checks: ['the "iptables-legacy tables present" warning', 'which backends and families were read'],
  branches: ['T19', 'iptables-reject', 'nftables-reject', 'inconclusive'],
  manual: {
    question: 'Run `sudo iptables-legacy-save -c` and `sudo nft list ruleset` too: does either reject the port?',
    choices: [
      { id: 'legacy-reject', label: 'iptables-legacy has a reject for the port', leadsTo: 'iptables-reject' },
      { id: 'nft-reject', label: 'An nft table has a reject for the port', leadsTo: 'nftables-reject' },
      { id: 'nothing-else', label: 'Nothing else rejects it', leadsTo: 'T19' },
    ],
    paste: FIREWALL_PASTE,
  },
  decide(facts) {
    const remote = facts.remote;
    if (!remote) return next('T19', 'No rule sets to inspect.');
    const snapshots = remote.firewall.snapshots;
    const legacy = snapshots.some((s) => s.warnings.some((w) => /legacy tables present/.test(w))) && !snapshots.some((s) => s.source.endsWith('-legacy'));
    if (legacy) {
      const reason = 'No rule that was read counted the probes, and iptables warns that legacy tables exist which were not read.';
      return ask(reason, ['`iptables-legacy-save -c` output (as root)'], inconclusive(reason, ['`iptables-legacy-save -c` output (as root)'], ['iptables-reject', 'nftables-reject']));
    }
    const v6Failing = failing(facts).some((r) => r.address.family === 6);
    const v6Read = snapshots.some((s) => s.source.startsWith('ip6tables') || s.source === 'nft');
    if (v6Failing && !v6Read) {
      const reason = 'An IPv6 address is refused, but no IPv6 rule set (ip6tables or nft) was read.';
      return ask(reason, ['`ip6tables-save -c` output (as root)'], inconclusive(reason, ['`ip6tables-save -c` output (as root)'], ['iptables-reject', 'nftables-reject']));
    }
    return next('T19', `Every rule set was read (${snapshots.map((s) => s.source).join(', ')}) and none rejects the port.`);
  },
};

const T19: TreeNode = {
  id: 'T19',
  title: 'Did the SYN reach the server at all?',
  why: "If the server never saw the connection attempt, something upstream refused it; if it answered itself with no rule, the listener is elsewhere or was briefly gone.",
  checks: ["the server's own reset and ICMP counters around fresh probes (/proc/net/snmp)", 'the self-probes'],
  branches: ['middlebox-rst', 'nat-hairpin-or-port-forward-missing', 'dns-wrong-target', 'other-netns-listener', 'restart-reload-gap', 'iptables-reject', 'nftables-reject', 'inconclusive'],
  manual: {
    question: 'Does a packet capture on the server (`sudo tcpdump -ni any tcp port PORT`) show the connection attempt? Does it work from another network?',
    choices: [
      { id: 'other-network-works', label: 'The SYN never arrives; it works from another network', leadsTo: 'middlebox-rst' },
      { id: 'forward-missing', label: "The SYN never arrives; the target is the site's public address", leadsTo: 'nat-hairpin-or-port-forward-missing' },
      { id: 'wrong-host', label: 'The SYN never arrives; the address is another machine', leadsTo: 'dns-wrong-target' },
      { id: 'icmp-out', label: 'The SYN arrives and the server answers with ICMP unreachable', leadsTo: 'iptables-reject' },
      { id: 'rst-out', label: 'The SYN arrives and the server answers with a reset', leadsTo: 'other-netns-listener' },
    ],
    paste: null,
  },
  decide(facts) {
    const remote = facts.remote;
    const k = remote ? kernelAnswered(remote) : null;
    const selfRefused = remote?.selfProbes.some((p) => p.status === 'refused') ?? false;
    const capture = ['A packet capture on the server during a probe (`tcpdump -ni any port PORT`)'];
    if (selfRefused) {
      return inconclusive('No rule counted the probes and none rejects the port, yet the server itself is refused: the listener may live in another network namespace, or the service restarted meanwhile.', capture, [
        'other-netns-listener',
        'restart-reload-gap',
        'iptables-reject',
        'nftables-reject',
      ]);
    }
    if (k?.answered) {
      // Only a positive count proves something: resets sent by a netfilter `REJECT --reject-with
      // tcp-reset` never reach the TCP counters (measured in the lab), ICMP errors always do.
      if (k.icmp > 0) return inconclusive(`No rule that was read rejects the port, yet ${k.text}: a reject in a table or backend that was not read.`, capture, ['iptables-reject', 'nftables-reject']);
      return inconclusive(`No rule that was read rejects the port, yet ${k.text}: the listener lives in another network namespace, or was briefly gone.`, capture, ['other-netns-listener', 'restart-reload-gap']);
    }
    const reason = k
      ? `No rule counted the probes, and ${k.text}: the refusal comes from a device in front of the server.`
      : 'No rule counted the probes and none rejects the port: the refusal may come from a device in front of the server.';
    // Without the kernel counters a reject in a set nobody read is as likely as a device in front.
    const candidates: CauseId[] = k ? ['middlebox-rst', 'nat-hairpin-or-port-forward-missing', 'dns-wrong-target'] : ['middlebox-rst', 'other-netns-listener', 'iptables-reject', 'nftables-reject', 'nat-hairpin-or-port-forward-missing'];
    return ask(reason, capture, inconclusive(reason, capture, candidates));
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
  const describe = (l: Listener) => `${describeListener(l)} (${l.processes.map((p) => `${p.name} pid ${p.pid}`).join(', ') || 'process not shown'}${l.cgroup ? `, cgroup ${l.cgroup}` : ''})`;
  if (owners.some((cg) => cg !== null && cg.endsWith(`/${svc.unit}`))) return null;
  if (owners.every((cg) => cg !== null && cg !== '')) return listeners.map(describe).join(', ');
  // Without cgroups (`ss` without -e, netstat, /proc): the service is down and its own log says the
  // address was in use since its last start, so whoever holds the port now is the other program.
  return svc.signatures.some((x) => x.signature === 'port-in-use') ? listeners.map(describe).join(', ') : null;
}

export const remoteNodes = { T11, T12, T13, T13a, T14, T14a, T15, T16, T17, T18, T18a, T19 } as const;

/** For T20 and T40: what the server's counters say about an unreachable or timed-out probe. */
export function remoteVerdictForDropOrProhibit(facts: DiagnosisFacts, kind: 'drop' | 'refuse'): SettledDecision | null {
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

