/**
 * Small builders of RemoteFacts (the server side of the tree) for table-driven tests. Every RemoteFacts
 * they return has passed the zod `RemoteFacts` schema unchanged (no stripped keys), so a factory that
 * drifts from the schema fails loudly instead of testing facts the collector can never produce.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EvidenceStatus } from '../../../shared/common/schema/evidence-status';
import type { FirewallChain, FirewallRule, FirewallSnapshot, FirewallSource } from '../../../shared/common/schema/firewall';
import type { Listener } from '../../../shared/common/schema/listener';
import { RemoteFacts as RemoteFactsSchema } from '../../../shared/common/schema/remote';
import type { LogSignature, PolicyCulprit, RemoteFacts, RuleCulprit, SelfProbe, SelfProbeStatus, ServiceFacts } from '../../../shared/common/tree/remote-facts';

export const SERVER = 'admin@db.example.com:22';

/** Validates against the schema and insists nothing was stripped or coerced. */
export function checked(r: RemoteFacts): RemoteFacts {
  const parsed = RemoteFactsSchema.parse(r);
  if (!isDeepStrictEqual(parsed, r)) throw new Error(`test RemoteFacts changed under the schema:\n${JSON.stringify(r)}\n${JSON.stringify(parsed)}`);
  return r;
}

type RemoteOver = Partial<Omit<RemoteFacts, 'firewall'>> & { firewall?: Partial<RemoteFacts['firewall']> };

/** A server we logged in to as root with nothing read yet: every part is overridable. */
export function remote(over: RemoteOver = {}): RemoteFacts {
  const { firewall, ...rest } = over;
  return checked({
    server: SERVER,
    origin: 'ssh',
    uid: 0,
    sudo: true,
    ownership: [],
    listeners: listeners(),
    selfProbes: [],
    correlation: null,
    service: null,
    kernelAnswers: null,
    containers: null,
    ...rest,
    firewall: { snapshots: [], unreadable: [], activeManagers: [], ...firewall },
  });
}

/** `ss -Htlnpe` read fine and showed these sockets. */
export function listeners(...ls: Listener[]): RemoteFacts['listeners'] {
  return { status: 'ok', source: 'ss -Htlnpe', listeners: ls, reason: null };
}

export function unreadableListeners(status: EvidenceStatus, reason: string | null, source = 'ss'): RemoteFacts['listeners'] {
  return { status, source, listeners: [], reason };
}

export function owns(address: string, owned: boolean | null = true, how?: string): RemoteFacts['ownership'][number] {
  const text = how ?? (owned === true ? `ip route get: local ${address} dev lo table local src ${address} uid 0` : owned === false ? `ip route get: ${address} via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0` : 'no `ip` command on the server');
  return { address, owned, how: text };
}

export function selfProbe(address: string, status: SelfProbeStatus, port = 5432): SelfProbe {
  const detail = { open: 'open', refused: 'bash: connect: Connection refused', timeout: 'timed out after 3 s', unreachable: 'bash: connect: No route to host', error: 'bash: /dev/tcp: unsupported' }[status];
  return { address, port, status, detail };
}

/** `systemctl show` of a unit; defaults to a cleanly stopped, disabled one. */
export function service(over: Partial<ServiceFacts> = {}): ServiceFacts {
  return { unit: 'postgresql.service', loadState: 'loaded', activeState: 'inactive', subState: 'dead', result: 'success', unitFileState: 'disabled', nRestarts: 0, signatures: [], ...over };
}

export function signature(sig: LogSignature, line: string): ServiceFacts['signatures'][number] {
  return { signature: sig, line };
}

const IPTABLES_FAMILY: Record<Exclude<FirewallSource, 'nft'>, string> = { 'iptables-nft': 'ip', 'iptables-legacy': 'ip', 'ip6tables-nft': 'ip6', 'ip6tables-legacy': 'ip6' };

/**
 * One iptables-save line as parseIptablesSave reads it: the chain comes from `-A CHAIN`, the other
 * fields are given (the parser's own tests cover the reading; here they only have to be plausible).
 */
export function iptRule(text: string, over: Partial<FirewallRule> & Pick<FirewallRule, 'action'>): FirewallRule {
  const source = over.source ?? 'iptables-nft';
  const chain = /^-A (\S+)/.exec(text)?.[1];
  if (!chain || source === 'nft') throw new Error(`not an iptables rule: ${text}`);
  return {
    source, family: IPTABLES_FAMILY[source], table: 'filter', chain, index: 1, handle: null, text,
    packets: 0, bytes: 0, target: null, rejectWith: null, protocol: null, dports: null, sources: null, destinations: null, inInterface: null, comment: null,
    ...over,
  };
}

/** One nft rule as parseNftJson reads it (`nft -j list ruleset`, text rebuilt). */
export function nftRule(text: string, over: Partial<FirewallRule> & Pick<FirewallRule, 'action'>): FirewallRule {
  return {
    source: 'nft', family: 'inet', table: 'filter', chain: 'input', index: 1, handle: 10, text,
    packets: 0, bytes: 0, target: null, rejectWith: null, protocol: null, dports: null, sources: null, destinations: null, inInterface: null, comment: null,
    ...over,
  };
}

/** A base chain with a hook and policy, as both parsers report them. */
export function baseChain(source: FirewallSource, chain: string, policy: string, over: Partial<FirewallChain> = {}): FirewallChain {
  const family = source === 'nft' ? 'inet' : IPTABLES_FAMILY[source];
  return { source, family, table: 'filter', chain, hook: chain.toLowerCase(), priority: 0, policy, packets: 0, bytes: 0, ...over };
}

export function snapshot(source: FirewallSource, rules: FirewallRule[], over: Partial<Omit<FirewallSnapshot, 'source' | 'rules'>> = {}): FirewallSnapshot {
  return { source, chains: [], rules, warnings: [], ...over };
}

export const LEGACY_WARNING = '# Warning: iptables-legacy tables present, use iptables-legacy to see them';

export function unreadable(source: FirewallSource, status: EvidenceStatus = 'needs-privilege', reason = 'iptables v1.8.9 (nf_tables): Permission denied (you must be root)'): RemoteFacts['firewall']['unreadable'][number] {
  return { source, status, reason };
}

export function culprit(rule: FirewallRule, delta = 3): RuleCulprit {
  return { rule, delta };
}

export function policyCulprit(over: Partial<PolicyCulprit> = {}): PolicyCulprit {
  return { source: 'iptables-nft', table: 'filter', chain: 'INPUT', policy: 'DROP', delta: 3, ...over };
}

/** The counter correlation around 3 fresh probes from the workstation. */
export function correlation(culprits: RuleCulprit[] = [], policies: PolicyCulprit[] = [], probes = 3): NonNullable<RemoteFacts['correlation']> {
  return { probes, culprits, policies };
}

// Rules seen on real servers (catalog §4.5/§4.6, test/fixtures/firewall), port 5432 unless named.
export const rules = {
  tcpReset: iptRule('-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset', { action: 'reject', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[5432, 5432]], index: 4, packets: 3, bytes: 180 }),
  hostProhibited: iptRule('-A INPUT -j REJECT --reject-with icmp-host-prohibited', { action: 'reject', rejectWith: 'icmp-host-prohibited', index: 7 }),
  drop: iptRule('-A INPUT -i eth0 -p tcp -m tcp --dport 5432 -j DROP', { action: 'drop', protocol: 'tcp', dports: [[5432, 5432]], inInterface: 'eth0', index: 5 }),
  v6Drop: iptRule('-A INPUT -i eth0 -p tcp -m tcp --dport 5432 -j DROP', { source: 'ip6tables-nft', action: 'drop', protocol: 'tcp', dports: [[5432, 5432]], inInterface: 'eth0', index: 5, packets: 3, bytes: 240 }),
  v6Prohibited: iptRule('-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with icmp6-adm-prohibited', { source: 'ip6tables-nft', action: 'reject', rejectWith: 'icmp6-adm-prohibited', protocol: 'tcp', dports: [[5432, 5432]], index: 3 }),
  v6Reset: iptRule('-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset', { source: 'ip6tables-nft', action: 'reject', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[5432, 5432]], index: 2 }),
  otherPort: iptRule('-A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset', { action: 'reject', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[8082, 8082]], index: 3 }),
  acceptPort: iptRule('-A INPUT -p tcp -m tcp --dport 5432 -j ACCEPT', { action: 'accept', protocol: 'tcp', dports: [[5432, 5432]], index: 3, packets: 3, bytes: 180 }),
  dnat: iptRule('-A PREROUTING -p tcp -m tcp --dport 5432 -m comment --comment "to the old db" -j DNAT --to-destination 10.0.0.99:5432', {
    action: 'dnat', table: 'nat', target: '10.0.0.99:5432', protocol: 'tcp', dports: [[5432, 5432]], comment: 'to the old db', index: 2, packets: 1, bytes: 60,
  }),
  dnatOtherPort: iptRule('-A LAB-DOCKER -p tcp -m tcp --dport 8087 -j DNAT --to-destination 198.18.10.2:8088', { action: 'dnat', table: 'nat', target: '198.18.10.2:8088', protocol: 'tcp', dports: [[8087, 8087]] }),
  v6Dnat: iptRule('-A PREROUTING -p tcp -m tcp --dport 5432 -j DNAT --to-destination [fd00::99]:5432', { source: 'ip6tables-nft', action: 'dnat', table: 'nat', target: '[fd00::99]:5432', protocol: 'tcp', dports: [[5432, 5432]] }),
  ufwInput: iptRule('-A ufw-user-input -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset', { action: 'reject', chain: 'ufw-user-input', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[5432, 5432]] }),
  ufwLimit: iptRule('-A ufw-user-limit -j REJECT --reject-with icmp-port-unreachable', { action: 'reject', rejectWith: 'icmp-port-unreachable' }),
  ufw6Input: iptRule('-A ufw6-user-input -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset', { source: 'ip6tables-nft', action: 'reject', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[5432, 5432]] }),
  firewalldIptables: iptRule('-A IN_public_deny -p tcp -m tcp --dport 5432 -j REJECT --reject-with icmp-host-prohibited', { action: 'reject', rejectWith: 'icmp-host-prohibited', protocol: 'tcp', dports: [[5432, 5432]] }),
  firewalldInputDirect: iptRule('-A INPUT_direct -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset', { action: 'reject', rejectWith: 'tcp-reset', protocol: 'tcp', dports: [[5432, 5432]] }),
  f2b: iptRule('-A f2b-postgresql -s 198.51.100.7/32 -j REJECT --reject-with icmp-port-unreachable', { action: 'reject', rejectWith: 'icmp-port-unreachable', sources: ['198.51.100.7/32'] }),
  nftReset: nftRule('tcp dport 5432 counter packets 3 bytes 180 reject with tcp reset', { action: 'reject', rejectWith: 'tcp reset', protocol: 'tcp', dports: [[5432, 5432]], handle: 9, index: 4, packets: 3, bytes: 180 }),
  nftAdminProhibited: nftRule('tcp dport 5432 counter packets 3 bytes 180 reject with icmpx admin-prohibited', { action: 'reject', rejectWith: 'icmpx admin-prohibited', protocol: 'tcp', dports: [[5432, 5432]], handle: 11, index: 5 }),
  nftDrop: nftRule('tcp dport 5432 counter packets 3 bytes 180 drop', { action: 'drop', protocol: 'tcp', dports: [[5432, 5432]], handle: 14, index: 6 }),
  nftFirewalld: nftRule('reject with icmpx admin-prohibited', { action: 'reject', table: 'firewalld', chain: 'filter_IN_public_reject', rejectWith: 'icmpx admin-prohibited', handle: 88, index: 3 }),
  nftFirewalldZoneChain: nftRule('tcp dport 5432 reject with icmpx admin-prohibited', { action: 'reject', table: 'filter', chain: 'filter_INPUT_ZONES', rejectWith: 'icmpx admin-prohibited', protocol: 'tcp', dports: [[5432, 5432]] }),
} satisfies Record<string, FirewallRule>;
