import type { CauseId } from '../causes/catalog';
import { addressList, ask, inconclusive, next, plural, serverEvidence } from './decisions';
import { addressResults, formatMs, medianMs, type AddressResult, type DiagnosisFacts } from './facts';
import { LISTENERS_PASTE } from './pastes';
import type { Decision, TreeNode } from './types';

/**
 * From "the server refused" to the server's own evidence (catalog T6–T10, T60): per-address and
 * per-family differences, how far away the refusal was generated, whether it is consistent, and
 * whether the server can be asked at all.
 */

const uniq = <T>(items: readonly T[]): T[] => [...new Set(items)];

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

const seenText = (results: readonly AddressResult[]) => results.map((r) => `${r.address.address} ${r.status}`).join(', ');

const T6: TreeNode = {
  id: 'T6',
  title: 'Do the results differ per address?',
  why: 'Most "it works for me" cases are per family (IPv4 against IPv6) or per DNS record.',
  checks: ['the per-address probes'],
  branches: ['T6a', 'T6b', 'T7', 'T11', 'dns-wrong-target', 'lb-or-proxy-backend-down', 'inconclusive'],
  manual: {
    question: 'Does it work when you force IPv4 (`curl -4`) or IPv6 (`curl -6`)? Which addresses should the name have?',
    choices: [
      { id: 'only-ipv6-fails', label: 'IPv4 works, IPv6 fails', leadsTo: 'T6a' },
      { id: 'only-ipv4-fails', label: 'IPv6 works, IPv4 fails', leadsTo: 'T6b' },
      { id: 'stale-record', label: 'One of the addresses should not be there (an old DNS record)', leadsTo: 'dns-wrong-target' },
      { id: 'one-backend-down', label: 'Every address is a backend of the same service (round-robin DNS)', leadsTo: 'lb-or-proxy-backend-down' },
      { id: 'all-fail', label: 'Every address fails the same way', leadsTo: 'T7' },
    ],
    paste: null,
  },
  decide(facts) {
    const port = facts.target.port;
    const results = addressResults(facts);
    if (results.every((r) => r.status === 'refused')) return next('T7', `${results.length === 1 ? 'The only address' : `All ${results.length} addresses`} refused: ${addressList(results, port)}.`);
    const failing = results.filter((r) => r.status !== 'connected');
    const connected = results.filter((r) => r.status === 'connected');
    const families = (rs: AddressResult[]) => new Set(rs.map((r) => r.address.family));
    const failFamilies = families(failing);
    const okFamilies = families(connected);
    const seen = seenText(results);
    const [failFamily] = failFamilies;
    if (failFamily !== undefined && failFamilies.size === 1 && !okFamilies.has(failFamily) && okFamilies.size > 0) {
      return failFamily === 6
        ? next('T6a', `Only IPv6 fails (${seen}); IPv4 connects.`)
        : next('T6b', `Only IPv4 fails (${seen}); IPv6 connects.`);
    }
    if ([...okFamilies].some((f) => failFamilies.has(f))) {
      if (facts.remote) return next('T11', `Addresses of the same family disagree (${seen}); the server's own addresses tell whether each belongs to it.`);
      return ask(
        `Addresses of the same family disagree (${seen}): a stale DNS record, or one dead backend behind round-robin DNS.`,
        [`Which addresses ${facts.target.host} should have`],
        inconclusive(`Addresses of the same family disagree (${seen}): a stale DNS record, or one dead backend behind round-robin DNS, is likely.`, [`Which addresses ${facts.target.host} should have`, ...serverEvidence(port)], [
          'dns-wrong-target',
          'lb-or-proxy-backend-down',
        ]),
      );
    }
    if (facts.remote) return next('T11', `No address connects, and they fail in different ways (${seen}); the server's view decides.`);
    return inconclusive(`No address connects, and they fail in different ways (${seen}).`, serverEvidence(port), uniq(failing.flatMap((r) => statusCandidates[r.status] ?? [])));
  },
};

/** T6a and T6b differ only in the family that fails. */
function familyNode(id: 'T6a' | 'T6b', failing: 4 | 6): TreeNode {
  const label = failing === 6 ? 'IPv6' : 'IPv4';
  const other = failing === 6 ? 'IPv4' : 'IPv6';
  const listenerCause: CauseId = failing === 6 ? 'aaaa-without-ipv6-listener' : 'v6only-listener-ipv4-refused';
  return {
    id,
    title: `Only ${label} fails`,
    why: `The server treats the two families differently: a listener for ${other} only, or a firewall rule for ${label} only.`,
    checks: ["the server's listener table", "the server's firewall rules for each family"],
    branches: ['T11', listenerCause, 'iptables-reject', 'nftables-reject', 'inconclusive'],
    manual: {
      question: `Does the server listen on ${label}? Paste its listener table, or say what you know.`,
      choices: [
        { id: `${other.toLowerCase()}-only-listener`, label: failing === 6 ? 'The service listens on 0.0.0.0 (IPv4) only' : 'The service listens on [::] with IPv6-only set', leadsTo: listenerCause },
        { id: 'iptables-rule', label: `An ${failing === 6 ? 'ip6tables' : 'iptables'} rule rejects ${label}`, leadsTo: 'iptables-reject' },
        { id: 'nft-rule', label: `An nftables rule rejects ${label}`, leadsTo: 'nftables-reject' },
      ],
      paste: LISTENERS_PASTE,
    },
    decide(facts): Decision {
      const results = addressResults(facts);
      const failingResults = results.filter((r) => r.status !== 'connected');
      const seen = seenText(results);
      if (facts.remote) return next('T11', `Only ${label} fails (${seen}); the server's listeners and rules per family decide.`);
      const candidates = uniq(failingResults.flatMap((r) => familyCandidates[failing][r.status] ?? []));
      return ask(
        `Only ${label} fails (${seen}); ${other} connects. The server treats the two families differently.`,
        serverEvidence(facts.target.port),
        inconclusive(`Only ${label} fails (${seen}); ${other} connects. The server treats the two families differently: a listener or a firewall rule for one family only.`, serverEvidence(facts.target.port), candidates),
      );
    },
  };
}

/** A refusal this much faster than the round trip to the server cannot have come from the server. */
const NEAR_CLIENT_FACTOR = 5;
/** Below this baseline the network is too close (a LAN, a namespace) to tell near from far. */
const MIN_BASELINE_MS = 2;

/**
 * Whether a baseline round trip this long places a refusal this fast near this computer (T7). The
 * baseline is the fastest of its samples, so once one sample says no, no later sample can say yes:
 * the session stops timing there.
 */
export function baselinePlacesRefusalNear(baselineMs: number, refusalMs: number): boolean {
  return baselineMs >= MIN_BASELINE_MS && refusalMs * NEAR_CLIENT_FACTOR < baselineMs;
}

const T7: TreeNode = {
  id: 'T7',
  title: 'How fast was the refusal?',
  why: "A refusal that arrives much faster than a round trip to the server was generated close to this computer: a local firewall, a security agent, a proxy or a VPN client.",
  checks: ['the refusal times', 'a baseline connect time to the same address'],
  branches: ['T8', 'T9'],
  manual: {
    question: 'Was the refusal immediate, much faster than a normal connection to that server?',
    choices: [
      { id: 'much-faster', label: 'Much faster than the server is away (well under its ping time)', leadsTo: 'T8' },
      { id: 'about-rtt', label: 'About one round trip to the server', leadsTo: 'T9' },
    ],
    paste: null,
  },
  decide(facts) {
    const refusedAttempts = addressResults(facts).flatMap((r) => r.attempts.filter((a) => a.status === 'refused'));
    const refusalMs = medianMs(refusedAttempts);
    const b = facts.baseline;
    // Timing is a heuristic; the server's own counters are proof. A busy computer (a fleet of runs
    // in one process, a loaded CPU) can delay a connect by tens of milliseconds and make a baseline
    // look far longer than a refusal timed a moment earlier.
    const answered = serverAnsweredTheProbes(facts);
    if (answered) return next('T9', `Refused in ${formatMs(refusalMs)}${b ? ` against a ${formatMs(b.ms)} baseline` : ''}, but the server's own counters show the fresh probes reached it: ${answered}.`);
    if (!b) return next('T9', `Refused in ${formatMs(refusalMs)} (median); no baseline round trip to the server was measured, so the refusal is taken to come from the server's side.`);
    if (baselinePlacesRefusalNear(b.ms, refusalMs)) {
      return next('T8', `Refused in ${formatMs(refusalMs)}, far faster than the ${formatMs(b.ms)} baseline (${b.source}): the refusal was generated near this computer.`);
    }
    return next('T9', `Refused in ${formatMs(refusalMs)} against a ${formatMs(b.ms)} baseline (${b.source}): the refusal comes from about the server's distance.`);
  },
};

/**
 * What proves the fresh probes reached the server (so the refusal was not made near this computer):
 * a rule of its own, not a DROP, whose counter rose by at least the probes sent, or its kernel
 * sending that many resets or ICMP errors.
 */
function serverAnsweredTheProbes(facts: DiagnosisFacts): string | null {
  const corr = facts.remote?.correlation;
  const rule = corr?.culprits.find((c) => c.rule.action !== 'drop' && c.delta >= corr.probes);
  if (corr && rule) return `a ${rule.rule.action.toUpperCase()} rule in ${rule.rule.source} ${rule.rule.table} ${rule.rule.chain} counted ${rule.delta} packets for ${plural(corr.probes, 'probe')}`;
  const k = facts.remote?.kernelAnswers;
  if (k && k.probes > 0 && k.tcpResets + k.icmpUnreachable + k.icmp6Unreachable >= k.probes) {
    return `its kernel sent ${plural(k.tcpResets, 'TCP reset')} and ${plural(k.icmpUnreachable + k.icmp6Unreachable, 'ICMP unreachable')} during ${plural(k.probes, 'probe')}`;
  }
  return null;
}

const T8: TreeNode = {
  id: 'T8',
  title: 'Was the refusal generated near this computer?',
  why: 'Something between this computer and the server answered for the server: a local block, a device on this network, or the edge router.',
  checks: ['the refusal times against the baseline', "the server's counters, when it can be read"],
  branches: ['client-local-block', 'middlebox-rst', 'nat-hairpin-or-port-forward-missing', 'inconclusive'],
  manual: {
    question: 'Does it work from another network (a phone hotspot) or from another computer?',
    choices: [
      { id: 'only-this-computer', label: 'It fails only from this computer', leadsTo: 'client-local-block' },
      { id: 'this-network', label: 'It fails from this site or network only', leadsTo: 'middlebox-rst' },
      { id: 'own-public-ip', label: "The target is this site's own public address", leadsTo: 'nat-hairpin-or-port-forward-missing' },
    ],
    paste: null,
  },
  decide(facts) {
    const ms = medianMs(addressResults(facts).flatMap((r) => r.attempts.filter((a) => a.status === 'refused')));
    const reason = `The refusal (${formatMs(ms)}) arrived long before a round trip to the server (${formatMs(facts.baseline?.ms ?? 0)}).`;
    return ask(reason, ['Whether the same connection fails from another computer or another network'], inconclusive(`${reason} It was generated on this computer or on the network near it.`, ['Whether the same connection fails from another computer or another network'], ['client-local-block', 'middlebox-rst', 'nat-hairpin-or-port-forward-missing']));
  },
};

const T9: TreeNode = {
  id: 'T9',
  title: 'Consistent or intermittent?',
  why: 'A refusal on every spaced probe points at configuration; one that comes and goes points at restarts, bans or load.',
  checks: ['the probe rounds over time'],
  branches: ['T10', 'T50'],
  manual: {
    question: 'Does it fail every time, or only sometimes?',
    choices: [
      { id: 'every-time', label: 'Every time', leadsTo: 'T10' },
      { id: 'sometimes', label: 'Only sometimes', leadsTo: 'T50' },
    ],
    paste: null,
  },
  decide(facts) {
    const rounds = Math.max(0, ...facts.probes.map((p) => p.round));
    if (addressResults(facts).some((r) => r.status === 'mixed')) return next('T50', 'Some probes to the same address succeeded and others did not.');
    return next('T10', `Refused on every one of ${plural(rounds, 'spaced round')}: the refusal is consistent.`);
  },
};

const T10: TreeNode = {
  id: 'T10',
  title: 'Can we collect evidence on the server?',
  why: "Once the refusal is real and consistent, only the server's own view (listeners, service, firewall) can tell which cause it is.",
  checks: ['an SSH login, or output pasted from the server'],
  branches: ['T11', 'T60'],
  manual: {
    question: 'Can you run commands on the server and paste their output?',
    choices: [
      { id: 'can-paste', label: 'Yes, I can run commands there', leadsTo: 'T11' },
      { id: 'no-access', label: 'No, nobody here can', leadsTo: 'T60' },
    ],
    paste: null,
  },
  decide(facts) {
    const r = facts.remote;
    if (r?.origin === 'ssh') return next('T11', `Logged in to ${r.server} as uid ${r.uid}${r.sudo ? ' (sudo -n allowed)' : ''}.`);
    if (r) return next('T11', `No SSH login; using the output a person pasted from ${r.server}.`);
    if (facts.sshFailure) return next('T60', `The SSH login failed (${sshFailureWords(facts.sshFailure.kind)}) and nothing was pasted from the server: asking instead.`);
    return next('T60', 'No SSH access and nothing pasted from the server: asking instead.');
  },
};

function sshFailureWords(kind: string): string {
  const words: Readonly<Record<string, string>> = {
    'host-key-changed': "the server's host key has changed",
    'host-key-revoked': "the server's host key is revoked",
    'host-key-unknown': "the server's host key is not trusted yet",
    'host-key-rejected': 'the host key was not accepted',
    'auth-failed': 'authentication was refused',
    'connect-failed': 'the SSH port could not be reached',
    timeout: 'it timed out',
    cancelled: 'it was cancelled',
    'key-unreadable': 'the key file could not be read',
  };
  return words[kind] ?? kind;
}

const T60: TreeNode = {
  id: 'T60',
  title: 'No access to the server: questions instead',
  why: 'Without a login, a few answers or one pasted command output from someone who can reach the server narrow it down just as well.',
  checks: ['answers and pasted output from a person'],
  branches: ['T11', 'T13', 'T14', 'T14a', 'T17', 'T12', 'ban-or-rate-limit', 'inconclusive'],
  manual: {
    question: 'Ask someone on the server, in this order, and stop at the first answer that fits. Best of all: paste what listens on the port.',
    choices: [
      { id: 'fails-on-server', label: 'It fails on the server itself too (`curl -v telnet://127.0.0.1:PORT`)', leadsTo: 'T14' },
      { id: 'works-on-server', label: 'It works on the server itself', leadsTo: 'T13' },
      { id: 'container', label: 'The service runs in Docker or Kubernetes', leadsTo: 'T14a' },
      { id: 'firewall-enabled', label: 'A firewall is enabled on the server', leadsTo: 'T17' },
      { id: 'failed-logins', label: 'There were failed logins, or fail2ban is installed', leadsTo: 'ban-or-rate-limit' },
      { id: 'something-in-front', label: 'A load balancer, NAT or port-forward sits in front', leadsTo: 'T12' },
    ],
    paste: LISTENERS_PASTE,
  },
  decide(facts: DiagnosisFacts) {
    const port = facts.target.port;
    if (facts.remote) return next('T11', `Server evidence is at hand (${facts.remote.origin === 'ssh' ? 'over SSH' : 'pasted'}).`);
    const reason = `The server refuses ${facts.target.host}:${port} consistently, but no server-side evidence was collected to tell why.`;
    return ask(
      reason,
      serverEvidence(port),
      inconclusive(reason, serverEvidence(port), ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip', 'port-mismatch', 'iptables-reject', 'nftables-reject', 'ufw-reject-or-limit', 'docker-publish-problem']),
    );
  },
};

export const pathNodes = { T6, T6a: familyNode('T6a', 6), T6b: familyNode('T6b', 4), T7, T8, T9, T10, T60 } as const;

