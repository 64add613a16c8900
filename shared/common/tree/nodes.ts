import type { CauseId } from '../causes/catalog';
import { isLoopbackAddress } from '../net/address';
import { formatAddressPort } from '../schema/target';
import {
  addressResults,
  describeAttempts,
  describeListener,
  formatMs,
  isLocalAddress,
  listenerCovers,
  listenersOnPort,
  medianMs,
  type AddressResult,
} from './facts';
import { remoteNodes, remoteVerdictForDropOrProhibit } from './remote-nodes';
import type { Decision, NodeId, TreeNode } from './types';

const next = (node: NodeId, reason: string): Decision => ({ kind: 'next', node, reason });

const list = (results: AddressResult[], port: number): string => results.map((r) => formatAddressPort(r.address.address, port)).join(', ');

function serverEvidence(port: number): string[] {
  return [
    `The server's listener table: \`ss -Htlnpe 'sport = :${port}'\` (or \`netstat -tln\`), over SSH or pasted by hand`,
    "The service's state and recent log (`systemctl show UNIT`, `journalctl -u UNIT -n 100`)",
    'The server firewall rules with counters (`iptables-save -c`, `nft list ruleset`)',
  ];
}

const T0: TreeNode = {
  id: 'T0',
  title: 'Resolve the name',
  why: 'Every address the name stands for is probed on its own, so first find them all: DNS, the hosts file, or a literal address.',
  checks: ['dns'],
  ask: 'Paste the exact error and the exact host, URL and port your application uses.',
  decide(facts) {
    const r = facts.resolution;
    if (r.status === 'failed') {
      return { kind: 'leaf', cause: 'dns-failure', confidence: r.errno === 'ENOTFOUND' ? 'high' : 'medium', reason: `${r.name} did not resolve (${r.errno}): ${r.message}` };
    }
    const addrs = r.addresses.map((a) => a.address).join(', ');
    return next('T1', `${r.name} resolved to ${r.addresses.length} address${r.addresses.length === 1 ? '' : 'es'}: ${addrs}.`);
  },
};

const T1: TreeNode = {
  id: 'T1',
  title: 'What did the client really get?',
  why: 'A real refusal (a TCP reset) is a different problem from a timeout, "no route to host", or a connection that is accepted and then closed.',
  checks: ['tcp-probe'],
  ask: 'Does the message say refused, timed out, reset, "no route to host", or an HTTP 502/503?',
  decide(facts) {
    const results = addressResults(facts);
    const port = facts.target.port;
    const has = (s: AddressResult['status']) => results.filter((r) => r.status === s);
    const anyAttempt = (s: string) => results.filter((r) => r.attempts.some((a) => a.status === s));
    if (results.every((r) => r.status === 'connected')) {
      return { kind: 'leaf', cause: 'not-reproduced', confidence: 'high', reason: `Every probe connected: ${list(results, port)}.` };
    }
    if (has('mixed').length > 0) {
      const mixed = has('mixed');
      return next('T50', `Probes to the same address ended differently: ${mixed.map((r) => `${formatAddressPort(r.address.address, port)} (${describeAttempts(r)})`).join('; ')}.`);
    }
    const refused = anyAttempt('refused');
    if (refused.length > 0) return next('T2', `Connection refused by ${list(refused, port)}.`);
    const statuses = new Set(results.map((r) => r.status));
    if (statuses.size > 1) return next('T6', `No refusal, but the addresses answer differently: ${results.map((r) => `${r.address.address} ${r.status}`).join(', ')}.`);
    const unreachable = anyAttempt('unreachable');
    if (unreachable.length > 0) {
      const errnos = [...new Set(unreachable.flatMap((r) => r.attempts.map((a) => a.errno ?? a.status)))].join(', ');
      return next('T20', `Not a refusal: ${errnos} from ${list(unreachable, port)}.`);
    }
    const reset = anyAttempt('reset');
    if (reset.length > 0) return next('T30', `Accepted, then closed or reset by ${list(reset, port)}.`);
    return next('T40', `Every attempt to ${list(results, port)} timed out without an answer.`);
  },
};

const T2: TreeNode = {
  id: 'T2',
  title: 'Is a proxy or tunnel in the path?',
  why: 'An application behind an HTTP or SOCKS proxy connects to the proxy, not to the target; then the refusal may come from the proxy.',
  checks: ['proxy-env'],
  ask: 'Do you use a proxy, VPN or SSH tunnel for this?',
  decide(facts) {
    const proxyNote =
      facts.proxy?.proxyForTarget != null
        ? ` Note: ${facts.proxy.variables.map((v) => v.name).join(', ')} ${facts.proxy.variables.length === 1 ? 'is' : 'are'} set; applications that honour it connect through ${facts.proxy.proxyForTarget} instead.`
        : '';
    return next('T3', `This computer connected directly, without a proxy, and was refused, so the refusal is real at the target.${proxyNote}`);
  },
};

const T3: TreeNode = {
  id: 'T3',
  title: 'Is the target this computer?',
  why: 'When the service should run on this very computer, its own listener table can answer the question at once.',
  checks: ['dns'],
  ask: 'Is the service running on this same computer?',
  decide(facts) {
    const results = addressResults(facts);
    const local = results.filter((r) => isLocalAddress(r.address));
    if (local.length === results.length) {
      const how = local.map((r) => `${r.address.address} (${r.address.loopback ? 'loopback' : `interface ${r.address.localInterface}`})`).join(', ');
      return next('T4', `Every address is this computer's own: ${how}.`);
    }
    return next('T6', local.length === 0 ? 'No address belongs to this computer: the service runs elsewhere.' : `Only some addresses are this computer's own (${local.map((r) => r.address.address).join(', ')}).`);
  },
};

const T4: TreeNode = {
  id: 'T4',
  title: 'Who listens on the port on this computer?',
  why: "The workstation's own listener table tells whether the service runs at all, and on which address.",
  checks: ['local-listeners', 'tcp-probe'],
  ask: 'Is the service running? Does it work with 127.0.0.1 where localhost fails?',
  decide(facts) {
    const port = facts.target.port;
    const results = addressResults(facts);
    const refused = results.filter((r) => r.status === 'refused');
    const connected = results.filter((r) => r.status === 'connected');
    const listeners = listenersOnPort(facts.localListeners, port);
    const source = facts.localListeners?.source ?? 'the listener table';

    if (refused.length > 0 && connected.length > 0) {
      const onlyOtherFamily = refused.every((r) => !connected.some((c) => c.address.family === r.address.family));
      const seen = listeners && listeners.length > 0 ? ` ${source} shows ${listeners.map(describeListener).join(', ')}.` : '';
      if (onlyOtherFamily) {
        return { kind: 'leaf', cause: 'localhost-resolution-mismatch', confidence: 'high', reason: `${list(connected, port)} connects but ${list(refused, port)} is refused: the service listens on one loopback family only.${seen}` };
      }
      return { kind: 'leaf', cause: 'bind-wrong-interface-ip', confidence: 'high', reason: `${list(connected, port)} connects but ${list(refused, port)} is refused.${seen}` };
    }

    if (listeners === null) {
      const why = facts.localListeners?.status === 'unavailable' ? facts.localListeners.reason : 'it was not collected';
      return { kind: 'leaf', cause: 'service-not-running', confidence: 'medium', reason: `Every local address refused on every attempt; the listener table could not confirm it (${why}).` };
    }
    if (listeners.length === 0) {
      return { kind: 'leaf', cause: 'service-not-running', confidence: 'high', reason: `Nothing listens on port ${port} on this computer (${source}), and ${list(refused, port)} refused every attempt.` };
    }
    const covering = listeners.filter((l) => refused.some((r) => listenerCovers(l, r.address)));
    const onlyAssumedDualStack = covering.length > 0 && covering.every((l) => l.address === '::' && l.v6only === null) && refused.every((r) => r.address.family === 4);
    if (onlyAssumedDualStack) {
      // /proc/net/tcp6 shows `::` for a dual-stack and a v6-only socket alike (catalog §2.3); an IPv4
      // refusal beside it is what IPV6_V6ONLY looks like, far likelier than a local block on loopback.
      return { kind: 'leaf', cause: 'v6only-listener-ipv4-refused', confidence: 'medium', reason: `The only listener is ${covering.map(describeListener).join(', ')}, yet ${list(refused, port)} is refused: the socket accepts IPv6 only (v6only), which ${source} cannot show.` };
    }
    if (covering.length > 0) {
      return { kind: 'leaf', cause: 'client-local-block', confidence: 'medium', reason: `${describeListener(covering[0]!)} is listening, yet ${list(refused, port)} was refused in ${formatMs(medianMs(refused.flatMap((r) => r.attempts)))}: something on this computer rejects it.` };
    }
    const refusedFamilies = new Set(refused.map((r) => r.address.family));
    const loopbackOtherFamily = listeners.every((l) => isLoopbackAddress(l.address) && !refusedFamilies.has(l.family));
    if (loopbackOtherFamily) {
      return { kind: 'leaf', cause: 'localhost-resolution-mismatch', confidence: 'high', reason: `The service listens on ${listeners.map(describeListener).join(', ')} only, but the client connects to ${list(refused, port)}.` };
    }
    return { kind: 'leaf', cause: 'bind-wrong-interface-ip', confidence: 'high', reason: `The service listens on ${listeners.map(describeListener).join(', ')}, not on ${list(refused, port)}.` };
  },
};

/** Causes that fit one failing family while the other connects, by how that family fails. */
const familyCandidates: Record<4 | 6, Partial<Record<AddressResult['status'], CauseId[]>>> = {
  6: {
    refused: ['aaaa-without-ipv6-listener', 'iptables-reject', 'nftables-reject'],
    timeout: ['firewall-drop', 'aaaa-without-ipv6-listener'],
    unreachable: ['firewalld-reject', 'iptables-reject', 'nftables-reject'],
  },
  4: {
    refused: ['v6only-listener-ipv4-refused', 'iptables-reject', 'nftables-reject'],
    timeout: ['firewall-drop'],
    unreachable: ['firewalld-reject', 'iptables-reject', 'nftables-reject'],
  },
};

/** Causes for an address that fails in a given way, when nothing else narrows it down. */
const statusCandidates: Partial<Record<AddressResult['status'], CauseId[]>> = {
  refused: ['service-not-running', 'bind-wrong-interface-ip', 'iptables-reject', 'nftables-reject'],
  timeout: ['firewall-drop', 'timeout-filtered'],
  unreachable: ['firewalld-reject', 'dnat-dead-backend'],
  reset: ['lb-or-proxy-backend-down', 'docker-publish-problem'],
};

const T6: TreeNode = {
  id: 'T6',
  title: 'Do the results differ per address?',
  why: 'Most "it works for me" cases are per family (IPv4 against IPv6) or per DNS record.',
  checks: ['tcp-probe'],
  ask: 'Does it work when you force IPv4 (curl -4) or IPv6 (curl -6)?',
  decide(facts) {
    const port = facts.target.port;
    const results = addressResults(facts);
    if (results.every((r) => r.status === 'refused')) return next('T9', `All ${results.length} address${results.length === 1 ? '' : 'es'} refused: ${list(results, port)}.`);
    const failing = results.filter((r) => r.status !== 'connected');
    const connected = results.filter((r) => r.status === 'connected');
    const families = (rs: AddressResult[]) => new Set(rs.map((r) => r.address.family));
    const failFamilies = families(failing);
    const okFamilies = families(connected);
    const seen = results.map((r) => `${r.address.address} ${r.status}`).join(', ');
    if (facts.remote) return next('T11', `The addresses answer differently (${seen}); the server's own view decides which listener or rule is involved.`);
    const missing = serverEvidence(port);
    const uniq = (ids: CauseId[]) => [...new Set(ids)];
    const [failFamily] = failFamilies;
    if (failFamily !== undefined && failFamilies.size === 1 && !okFamilies.has(failFamily) && okFamilies.size > 0) {
      const label = failFamily === 6 ? 'IPv6' : 'IPv4';
      const other = failFamily === 6 ? 'IPv4' : 'IPv6';
      const candidates = uniq(failing.flatMap((r) => familyCandidates[failFamily][r.status] ?? []));
      return { kind: 'inconclusive', reason: `Only ${label} fails (${seen}); ${other} connects. The server treats the two families differently: a listener or a firewall rule for one family only.`, missing, candidates };
    }
    if ([...okFamilies].some((f) => failFamilies.has(f))) {
      return {
        kind: 'inconclusive',
        reason: `Addresses of the same family disagree (${seen}): a stale DNS record, or one dead backend behind round-robin DNS, is likely.`,
        missing: [`Which addresses ${facts.target.host} should have`, ...missing],
        candidates: ['dns-wrong-target', 'lb-or-proxy-backend-down'],
      };
    }
    return {
      kind: 'inconclusive',
      reason: `No address connects, and they fail in different ways (${seen}).`,
      missing,
      candidates: uniq(failing.flatMap((r) => statusCandidates[r.status] ?? [])),
    };
  },
};

const T9: TreeNode = {
  id: 'T9',
  title: 'Consistent or intermittent?',
  why: 'A refusal on every spaced probe points at configuration; one that comes and goes points at restarts, bans or load.',
  checks: ['tcp-probe'],
  ask: 'Does it fail every time, or only sometimes?',
  decide(facts) {
    const rounds = Math.max(0, ...facts.probes.map((p) => p.round));
    const results = addressResults(facts);
    if (results.some((r) => r.status === 'mixed')) return next('T50', 'Some probes to the same address succeeded and others did not.');
    return next('T10', `Refused on every one of ${rounds} spaced round${rounds === 1 ? '' : 's'}: the refusal is consistent.`);
  },
};

const T10: TreeNode = {
  id: 'T10',
  title: 'Can we collect evidence on the server?',
  why: "Once the refusal is real and consistent, only the server's own view (listeners, service, firewall) can tell which cause it is.",
  checks: [],
  ask: 'Can you log in to the server, or paste command output from it?',
  decide(facts) {
    if (facts.remote) return next('T11', `Logged in to ${facts.remote.server} as uid ${facts.remote.uid}${facts.remote.sudo ? ' (sudo -n allowed)' : ''}.`);
    return {
      kind: 'inconclusive',
      reason: `The server refuses ${facts.target.host}:${facts.target.port} consistently, but no server-side evidence was collected to tell why.`,
      missing: serverEvidence(facts.target.port),
      candidates: ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip', 'port-mismatch', 'iptables-reject', 'nftables-reject', 'ufw-reject-or-limit', 'docker-publish-problem'],
    };
  },
};

const T20: TreeNode = {
  id: 'T20',
  title: '"No route to host" or "Permission denied"',
  why: 'A fast "no route to host" is almost always a firewall sending an ICMP "prohibited" answer, not a routing problem; one after about 3 s is a host or backend that is down.',
  checks: ['tcp-probe'],
  ask: 'Is a firewall such as firewalld enabled on the server? Is the host up?',
  decide(facts) {
    const fromServer = remoteVerdictForDropOrProhibit(facts, 'refuse');
    if (fromServer) return fromServer;
    const results = addressResults(facts).filter((r) => r.attempts.some((a) => a.status === 'unreachable'));
    const ms = medianMs(results.flatMap((r) => r.attempts.filter((a) => a.status === 'unreachable')));
    const slow = ms >= 2500;
    return {
      kind: 'inconclusive',
      reason: slow
        ? `The "unreachable" answer came after ${formatMs(ms)}: a router or forwarder could not reach the host, which is down or not assigned.`
        : `The "unreachable" answer came after ${formatMs(ms)}: typical of a firewall rejecting with an ICMP "prohibited" message.`,
      missing: slow ? ['Whether the server is up and which machine holds the address', 'Port-forward (DNAT) rules in front of it'] : serverEvidence(facts.target.port).slice(2).concat(['Whether firewalld runs on the server (`firewall-cmd --state`)']),
      candidates: slow ? ['dnat-dead-backend', 'dns-wrong-target'] : ['firewalld-reject', 'iptables-reject', 'nftables-reject'],
    };
  },
};

const T30: TreeNode = {
  id: 'T30',
  title: 'Accepted, then closed',
  why: 'When the connection opens and is closed at once, a program did answer: a proxy with no backend, a container proxy, TCP wrappers or Redis in protected mode.',
  checks: ['tcp-probe'],
  ask: 'Which program listens on the port: a proxy, a container, sshd, Redis?',
  decide(facts) {
    const attempts = facts.probes.filter((p) => p.status === 'reset');
    const redis = attempts.find((a) => a.banner?.includes('DENIED Redis is running in protected mode'));
    if (redis) {
      return { kind: 'leaf', cause: 'bind-loopback-only', confidence: 'high', reason: `${formatAddressPort(redis.address, redis.port)} answered "DENIED Redis is running in protected mode" and closed: Redis accepts only loopback clients without a password.` };
    }
    const banner = attempts.find((a) => a.banner)?.banner;
    return {
      kind: 'inconclusive',
      reason: `The connection was accepted and then ${attempts[0]?.errno === 'ECONNRESET' ? 'reset' : 'closed'} by the peer${banner ? ` after it sent "${banner.slice(0, 80)}"` : ''}.`,
      missing: ["Which process owns the listener on the server and its log (proxy error log, container state)"],
      candidates: ['lb-or-proxy-backend-down', 'container-app-binds-loopback', 'docker-publish-problem', 'tcp-wrappers-deny', 'ssh-tunnel-down', 'dnat-dead-backend', 'accept-queue-overflow'],
    };
  },
};

const T40: TreeNode = {
  id: 'T40',
  title: 'Timeout: not a refusal',
  why: 'Nothing answered at all. That is a silent drop by a firewall, a security group, or a host that is down: a different problem from a refusal.',
  checks: ['tcp-probe'],
  ask: 'Is there a cloud security group, a firewall or a VPN between you and the server?',
  decide(facts) {
    const fromServer = remoteVerdictForDropOrProhibit(facts, 'drop');
    if (fromServer) return fromServer;
    const ms = Math.max(...facts.probes.map((p) => p.ms));
    return { kind: 'leaf', cause: 'timeout-filtered', confidence: 'medium', reason: `No answer within ${formatMs(ms)} on any address: the SYN is silently dropped (or the host is down).` };
  },
};

const T50: TreeNode = {
  id: 'T50',
  title: 'Intermittent refusals',
  why: 'Refusals that come and go follow restarts, crash loops, bans after bursts, or load.',
  checks: ['tcp-probe'],
  ask: 'Do colleagues see the same failures at the same time?',
  decide(facts) {
    const timeline = facts.probes
      .slice()
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((p) => `${p.address} r${p.round} ${p.status}`)
      .join(', ');
    return {
      kind: 'inconclusive',
      reason: `Results changed between probes (${timeline}).`,
      missing: ["The service's restart count and log over the same minutes", 'Ban lists and rate-limit rules on the server (fail2ban, ufw limit)'],
      candidates: ['service-crash-loop', 'service-oom-killed', 'restart-reload-gap', 'ban-or-rate-limit', 'ufw-reject-or-limit', 'accept-queue-overflow', 'dns-wrong-target'],
    };
  },
};

export const treeNodes: Readonly<Record<NodeId, TreeNode>> = { T0, T1, T2, T3, T4, T6, T9, T10, ...remoteNodes, T20, T30, T40, T50 };

export const ROOT_NODE: NodeId = 'T0';
