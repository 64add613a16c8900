import type { CauseId } from '../causes/catalog';
import type { ProbeAttempt } from '../schema/probe';
import { formatAddressPort } from '../schema/target';
import { ask, inconclusive, leaf, next, serverEvidence } from './decisions';
import { addressResults, describeAttempts, formatMs, medianMs, type DiagnosisFacts } from './facts';
import { FIREWALL_PASTE, LISTENERS_PASTE, SERVICE_PASTE } from './pastes';
import { RULE_CAUSES, causeOfRule, remoteVerdictForDropOrProhibit } from './remote-nodes';
import type { TreeNode } from './types';

/**
 * The look-alikes and the intermittent (catalog T20–T55): "no route to host", accepted-then-closed,
 * HTTP errors from a proxy, timeouts, refusals that come and go, and the second hop.
 */

const T20: TreeNode = {
  id: 'T20',
  title: '"No route to host" or "Permission denied"',
  why: 'A fast "no route to host" is almost always a firewall sending an ICMP "prohibited" answer, not a routing problem; one after about 3 s is a host or backend that is down.',
  checks: ['the time the "unreachable" answer took', "the server's rules and ICMP counters, when it can be read"],
  branches: [...RULE_CAUSES, 'dns-wrong-target', 'inconclusive'],
  manual: {
    question: 'Is a firewall such as firewalld enabled on the server? Is the host up?',
    choices: [
      { id: 'firewalld', label: 'firewalld runs on the server', leadsTo: 'firewalld-reject' },
      { id: 'reject-rule', label: 'An iptables rule rejects with icmp-host-prohibited', leadsTo: 'iptables-reject' },
      { id: 'host-down', label: 'The host (or the backend a port-forward points at) is down', leadsTo: 'dnat-dead-backend' },
      { id: 'address-unassigned', label: 'Nobody holds the address on that network', leadsTo: 'dns-wrong-target' },
    ],
    paste: FIREWALL_PASTE,
  },
  decide(facts) {
    const fromServer = remoteVerdictForDropOrProhibit(facts, 'refuse');
    if (fromServer) return fromServer;
    const results = addressResults(facts).filter((r) => r.attempts.some((a) => a.status === 'unreachable'));
    const ms = medianMs(results.flatMap((r) => r.attempts.filter((a) => a.status === 'unreachable')));
    const slow = ms >= 2500;
    const reason = slow
      ? `The "unreachable" answer came after ${formatMs(ms)}: a router or forwarder could not reach the host, which is down or not assigned.`
      : `The "unreachable" answer came after ${formatMs(ms)}: typical of a firewall rejecting with an ICMP "prohibited" message.`;
    const missing = slow ? ['Whether the server is up and which machine holds the address', 'Port-forward (DNAT) rules in front of it'] : [serverEvidence(facts.target.port)[2]!, 'Whether firewalld runs on the server (`firewall-cmd --state`)'];
    const candidates: CauseId[] = slow ? ['dnat-dead-backend', 'dns-wrong-target'] : ['firewalld-reject', 'iptables-reject', 'nftables-reject'];
    return ask(reason, missing, inconclusive(reason, missing, candidates));
  },
};

/** Programs that accept and then close when what is behind them fails (catalog T30). */
const PROXIES = /^(haproxy|nginx|envoy|traefik|caddy|httpd|apache2|squid|varnishd)$/;
const CONTAINER_PROXIES = /^(docker-proxy|rootlessport|rootlesskit|pasta|slirp4netns)$/;
const WRAPPED = /^(sshd|xinetd|inetd|tcpd|vsftpd)$/;
const FORWARDERS = /^(socat|rinetd|redir|svchost)$/;

const T30: TreeNode = {
  id: 'T30',
  title: 'Accepted, then closed',
  why: 'When the connection opens and is closed at once, a program did answer: a proxy with no backend, a container proxy, TCP wrappers or Redis in protected mode.',
  checks: ['what the peer sent before closing', "the listener's owning program on the server"],
  branches: ['T31', 'bind-loopback-only', 'container-app-binds-loopback', 'lb-or-proxy-backend-down', 'tcp-wrappers-deny', 'ssh-tunnel-down', 'dnat-dead-backend', 'accept-queue-overflow', 'inconclusive'],
  manual: {
    question: 'Which program listens on the port: a proxy, a container, sshd, Redis, an SSH tunnel?',
    choices: [
      { id: 'proxy', label: 'A proxy or load balancer (nginx, HAProxy, envoy, a cloud LB)', leadsTo: 'lb-or-proxy-backend-down' },
      { id: 'container', label: 'docker-proxy: a published container', leadsTo: 'container-app-binds-loopback' },
      { id: 'tcp-wrappers', label: 'sshd or xinetd, with entries in /etc/hosts.deny', leadsTo: 'tcp-wrappers-deny' },
      { id: 'redis', label: 'Redis, which answered "DENIED ... protected mode"', leadsTo: 'bind-loopback-only' },
      { id: 'ssh-tunnel', label: 'An SSH tunnel (ssh -L) on this computer', leadsTo: 'ssh-tunnel-down' },
      { id: 'forwarder', label: 'A port-forwarder (socat, rinetd, portproxy)', leadsTo: 'dnat-dead-backend' },
      { id: 'only-under-load', label: 'It happens only under load', leadsTo: 'accept-queue-overflow' },
    ],
    paste: LISTENERS_PASTE,
  },
  decide(facts) {
    const attempts = facts.probes.filter((p) => p.status === 'reset');
    const redis = attempts.find((a) => a.banner?.includes('DENIED Redis is running in protected mode'));
    if (redis) {
      return leaf('bind-loopback-only', 'high', `${formatAddressPort(redis.address, redis.port)} answered "DENIED Redis is running in protected mode" and closed: Redis accepts only loopback clients without a password.`);
    }
    const owner = listenerOwner(facts);
    if (owner) {
      const where = `${owner.listener} is owned by ${owner.name}`;
      if (PROXIES.test(owner.name)) return leaf('lb-or-proxy-backend-down', 'medium', `${where}, a proxy: it accepts and closes when no backend answers.`);
      if (CONTAINER_PROXIES.test(owner.name)) return leaf('container-app-binds-loopback', 'medium', `${where}: it accepts for the container and closes when the app inside does not answer on the container's address.`);
      if (WRAPPED.test(owner.name)) return leaf('tcp-wrappers-deny', 'medium', `${where}, which accepts and then closes clients that /etc/hosts.deny (TCP wrappers) refuses.`);
      if (owner.name === 'ssh') return leaf('ssh-tunnel-down', 'high', `${where}: an SSH tunnel accepts here, and its far end refuses the forwarded connection.`);
      if (FORWARDERS.test(owner.name)) return leaf('dnat-dead-backend', 'medium', `${where}, a forwarder whose backend refuses.`);
    }
    const banner = attempts.find((a) => a.banner)?.banner;
    const reason = `The connection was accepted and then ${attempts[0]?.errno === 'ECONNRESET' ? 'reset' : 'closed'} by the peer${banner ? ` after it sent "${banner.slice(0, 80)}"` : ''}.`;
    const missing = ['Which process owns the listener on the server and its log (proxy error log, container state)'];
    return ask(reason, missing, inconclusive(reason, missing, ['lb-or-proxy-backend-down', 'container-app-binds-loopback', 'docker-publish-problem', 'tcp-wrappers-deny', 'ssh-tunnel-down', 'dnat-dead-backend', 'accept-queue-overflow']));
  },
};

/** The program that owns the port's listener, on the server (or this computer for a local target). */
function listenerOwner(facts: DiagnosisFacts): { name: string; listener: string } | null {
  const port = facts.target.port;
  const tables = [facts.remote?.listeners.status === 'ok' ? facts.remote.listeners.listeners : [], facts.localListeners?.status === 'ok' ? facts.localListeners.listeners : []];
  for (const listeners of tables) {
    for (const l of listeners.filter((x) => x.port === port)) {
      const p = l.processes[0];
      if (p) return { name: p.name, listener: formatAddressPort(l.address, l.port) };
    }
  }
  return null;
}

const T31: TreeNode = {
  id: 'T31',
  title: 'An HTTP error page from a proxy',
  why: 'A 502, 503 or 504 is written by a proxy or load balancer that could not reach its backend; the refusal is one hop further.',
  checks: ["the error page's first line", "the proxy's error log"],
  branches: ['lb-or-proxy-backend-down', 'inconclusive'],
  manual: {
    question: 'Which component produced the error page (nginx, HAProxy, a cloud load balancer)? Does its log say the upstream refused?',
    choices: [
      { id: 'proxy-upstream-down', label: 'A proxy: its log says the upstream refused or none is alive', leadsTo: 'lb-or-proxy-backend-down' },
      { id: 'application', label: 'The application itself returned the error', leadsTo: 'inconclusive' },
    ],
    paste: SERVICE_PASTE,
  },
  decide(facts) {
    const signature = facts.remote?.service?.signatures.find((s) => s.signature === 'upstream-refused');
    if (signature) return leaf('lb-or-proxy-backend-down', 'high', `The proxy's log says its upstream refused: "${signature.line.slice(0, 200)}". Restart the diagnosis with the upstream as the target.`);
    const page = facts.probes.find((p) => /^HTTP\/[0-9.]+ 50[234]\b/.test(p.banner ?? ''));
    const reason = page
      ? `${formatAddressPort(page.address, page.port)} answered "${(page.banner ?? '').split(/\r?\n/)[0]}": a proxy in front could not reach its backend.`
      : 'The client got an HTTP error page: a proxy in front could not reach its backend.';
    const missing = ["The proxy's error log (`connect() failed (111: Connection refused) while connecting to upstream`, `no live upstreams`)"];
    return ask(reason, missing, leaf('lb-or-proxy-backend-down', 'medium', reason));
  },
};

const T40: TreeNode = {
  id: 'T40',
  title: 'Timeout: not a refusal',
  why: 'Nothing answered at all. That is a silent drop by a firewall, a security group, or a host that is down: a different problem from a refusal.',
  checks: ['the per-address probes', "the server's DROP rules and policies, when it can be read"],
  branches: [...RULE_CAUSES, 'timeout-filtered', 'accept-queue-overflow'],
  manual: {
    question: 'Is there a cloud security group, a firewall or a VPN between you and the server?',
    choices: [
      { id: 'drop-rule', label: 'A firewall on the server drops it', leadsTo: 'firewall-drop' },
      { id: 'filtered', label: 'A security group, network ACL or VPN filters it', leadsTo: 'timeout-filtered' },
      { id: 'under-load', label: 'Only under heavy load (the accept queue fills)', leadsTo: 'accept-queue-overflow' },
    ],
    paste: FIREWALL_PASTE,
  },
  decide(facts) {
    const fromServer = remoteVerdictForDropOrProhibit(facts, 'drop');
    if (fromServer) return fromServer;
    const ms = Math.max(...facts.probes.map((p) => p.ms));
    const reason = `No answer within ${formatMs(ms)} on any address: the SYN is silently dropped (or the host is down).`;
    return ask(reason, ['What filters traffic between this computer and the server (security group, firewall, VPN)'], leaf('timeout-filtered', 'medium', reason));
  },
};

/** How one address's outcomes changed over the spaced probes. */
export type TimelinePattern = 'steady' | 'became-failing' | 'recovered' | 'flapping';

/** Per-probe timeline of one address, in the order the probes started. */
export function timelinePattern(attempts: readonly ProbeAttempt[]): TimelinePattern {
  const ok = attempts
    .slice()
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((a) => a.status === 'connected');
  const changes = ok.slice(1).filter((v, i) => v !== ok[i]).length;
  if (changes === 0) return 'steady';
  if (changes > 1) return 'flapping';
  return ok[0] ? 'became-failing' : 'recovered';
}

const T50: TreeNode = {
  id: 'T50',
  title: 'Intermittent refusals',
  why: 'Refusals that come and go follow restarts, crash loops, bans after bursts, or load.',
  checks: ['the per-address and per-probe timeline', "the service's restarts and the server's ban rules, when it can be read"],
  branches: ['T10', 'T51', 'dns-wrong-target', 'lb-or-proxy-backend-down', 'service-crash-loop', 'service-oom-killed', 'service-starting-up', 'ban-or-rate-limit', 'ufw-reject-or-limit', 'port-knocking', 'inconclusive'],
  manual: {
    question: 'When do the refusals happen?',
    choices: [
      { id: 'per-address', label: 'Always on the same address of the name', leadsTo: 'lb-or-proxy-backend-down' },
      { id: 'restarts', label: 'When the service restarts (its restart count grows)', leadsTo: 'service-crash-loop' },
      { id: 'after-burst', label: 'After a burst of connections from one client', leadsTo: 'ban-or-rate-limit' },
      { id: 'after-knock', label: 'It works right after a knock sequence, then closes again', leadsTo: 'port-knocking' },
      { id: 'scope-unknown', label: 'Not sure: check who else sees it', leadsTo: 'T51' },
    ],
    paste: SERVICE_PASTE,
  },
  decide(facts) {
    const port = facts.target.port;
    const results = addressResults(facts);
    const timeline = facts.probes
      .slice()
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((p) => `${p.address} r${p.round} ${p.status}`)
      .join(', ');
    const s = facts.remote?.service;
    if (s && (s.result === 'oom-kill' || s.signatures.some((x) => x.signature === 'oom-kill'))) return leaf('service-oom-killed', 'high', `Results changed between probes (${timeline}), and ${s.unit} was killed for lack of memory.`);
    if (s && (s.subState === 'auto-restart' || (s.nRestarts ?? 0) > 0)) return leaf('service-crash-loop', 'high', `Results changed between probes (${timeline}), and ${s.unit} has restarted ${s.nRestarts ?? 0} times (${s.activeState}/${s.subState}).`);
    const culprit = facts.remote?.correlation?.culprits[0];
    if (culprit) {
      const cause = causeOfRule(culprit.rule, facts.remote!.firewall.activeManagers);
      if (cause === 'ban-or-rate-limit' || cause === 'ufw-reject-or-limit') return leaf(cause, 'high', `Results changed between probes (${timeline}), and the rate-limit or ban rule \`${culprit.rule.text}\` counted ${culprit.delta} of them.`);
    }

    // Each address steady but different from another: the difference is per address, not over time.
    const mixedAddresses = results.filter((r) => r.status === 'mixed');
    if (mixedAddresses.length === 0 && results.some((r) => r.status === 'connected')) {
      const bad = results.filter((r) => r.status !== 'connected');
      const reason = `The failures follow the address, not the time: ${bad.map((r) => `${formatAddressPort(r.address.address, port)} ${r.status}`).join(', ')}; the others connect.`;
      return ask(reason, [`Which addresses ${facts.target.host} should have`], inconclusive(reason, [`Which addresses ${facts.target.host} should have`], ['dns-wrong-target', 'lb-or-proxy-backend-down']));
    }
    // Refused and timed out, never connected: ICMP and RST rate limiting turns some rejections into
    // timeouts (catalog §0.1). The underlying cause is still the reject, which T10 goes after.
    const statuses = new Set(facts.probes.map((p) => p.status));
    if (!statuses.has('connected') && statuses.has('refused') && statuses.has('timeout')) {
      return next('T10', `Refused and timed out, never connected (${timeline}): the server rate-limits its rejections, so the refusal itself is consistent.`);
    }
    const patterns = mixedAddresses.map((r) => ({ r, pattern: timelinePattern(r.attempts) }));
    const recovered = patterns.filter((p) => p.pattern === 'recovered');
    if (recovered.length > 0 && s?.activeState === 'activating') return leaf('service-starting-up', 'high', `Refused first, then connected (${timeline}), while ${s.unit} is ${s.activeState}/${s.subState}: it was still starting.`);
    const became = patterns.filter((p) => p.pattern === 'became-failing');
    const reason =
      became.length > 0
        ? `${became.map((p) => `${formatAddressPort(p.r.address.address, port)} (${describeAttempts(p.r)})`).join('; ')} connected first and failed after: a limit or ban that starts after a burst, or a service that went down.`
        : `Results changed between probes (${timeline}).`;
    return ask(reason, ["The service's restart count and log over the same minutes"], next('T51', reason));
  },
};

const T51: TreeNode = {
  id: 'T51',
  title: 'Does it affect everyone, or only some clients?',
  why: 'A ban or a per-client limit hits one client; a restart or overload hits everyone at the same moments.',
  checks: ['the self-probes from the server', 'ban lists and per-client counters'],
  branches: ['ban-or-rate-limit', 'ufw-reject-or-limit', 'dns-wrong-target', 'service-crash-loop', 'restart-reload-gap', 'accept-queue-overflow', 'inconclusive'],
  manual: {
    question: 'Do colleagues see the same failures at the same time?',
    choices: [
      { id: 'only-me-ban', label: 'Only this client or this IP (after failed logins or a burst)', leadsTo: 'ban-or-rate-limit' },
      { id: 'only-me-limit', label: 'Only this client, and ufw has a `limit` rule for the port', leadsTo: 'ufw-reject-or-limit' },
      { id: 'only-me-dns', label: 'Only this client, and its DNS answer differs from the others', leadsTo: 'dns-wrong-target' },
      { id: 'everyone-restarts', label: 'Everyone, whenever the service restarts', leadsTo: 'service-crash-loop' },
      { id: 'everyone-deploys', label: 'Everyone, during deploys, reloads or upgrades', leadsTo: 'restart-reload-gap' },
      { id: 'everyone-load', label: 'Everyone, under load', leadsTo: 'accept-queue-overflow' },
    ],
    paste: null,
  },
  decide(facts) {
    const self = facts.remote?.selfProbes ?? [];
    const serverFine = self.length > 0 && self.every((p) => p.status === 'open');
    const reason = serverFine
      ? 'When Portwise asked, the server reached the service itself, which points at failures specific to some clients (a ban, a per-client limit, a client-side DNS answer); a restart between the checks would look the same.'
      : 'The refusals come and go; whether everyone sees them at the same moments tells a ban or limit from a restart or overload.';
    const candidates: CauseId[] = serverFine
      ? ['ban-or-rate-limit', 'ufw-reject-or-limit', 'dns-wrong-target']
      : ['service-crash-loop', 'service-oom-killed', 'restart-reload-gap', 'ban-or-rate-limit', 'ufw-reject-or-limit', 'accept-queue-overflow', 'dns-wrong-target'];
    const missing = ["The service's restart count and log over the same minutes", 'Ban lists and rate-limit rules on the server (fail2ban, ufw limit)'];
    return ask(reason, missing, inconclusive(reason, missing, candidates));
  },
};

const T55: TreeNode = {
  id: 'T55',
  title: 'The second hop',
  why: 'Clustered services hand out addresses: the client connects to the first one fine, then to an address the server advertised, which it cannot reach.',
  checks: ["the address in the application's error against the configured one"],
  branches: ['advertised-address-mismatch', 'dns-wrong-target', 'inconclusive'],
  manual: {
    question: "Where does the address in the application's error come from?",
    choices: [
      { id: 'advertised', label: 'The server handed it out (Kafka advertised.listeners, a cluster node list, a redirect)', leadsTo: 'advertised-address-mismatch' },
      { id: 'resolved-elsewhere', label: 'The application resolves the same name to another address', leadsTo: 'dns-wrong-target' },
    ],
    paste: null,
  },
  decide(facts) {
    const reason = `The bootstrap address ${facts.target.host}:${facts.target.port} answers; the failing address must come from somewhere else.`;
    const missing = ["The failing address from the application's log", "The server's advertised addresses (e.g. Kafka `advertised.listeners`)"];
    return ask(reason, missing, inconclusive(reason, missing, ['advertised-address-mismatch', 'dns-wrong-target']));
  },
};

export const symptomNodes = { T20, T30, T31, T40, T50, T51, T55 } as const;
