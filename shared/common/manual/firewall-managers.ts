import { isIpv4, normaliseIpv6 } from '../net/address';
import type { FirewalldRichRule, FirewalldZone } from '../parsers/firewall-cmd';
import { withoutTrailingGroup, type UfwStatus } from '../parsers/ufw-status';
import type { FirewallChain, FirewallRule, FirewallSnapshot, FirewallSource, RuleAction } from '../schema/firewall';

/**
 * `ufw status verbose` and `firewall-cmd --list-all` describe rules, not the netfilter rules they
 * become. For manual mode they are turned into the rules ufw and firewalld generate, named the way
 * the tree recognises them (catalog C3, C4): ufw's in `ufw-user-input` / `ufw-user-limit` /
 * `ufw-reject-input` (`ufw6-...` for IPv6), firewalld's in `table inet firewalld`, zone chains
 * `filter_IN_ZONE_allow` / `_deny` / `filter_IN_ZONE`. The default "reject what is not opened" is
 * one rule over the ports that are not opened, so that reading the rules statically (without
 * counters, which neither listing has) does not blame the default for an opened port.
 * Each rule's text is the line as the person's tool printed it (ufw) or nft-like text (firewalld).
 * Which iptables backend ufw drives is not shown by `ufw status`; its rules are filed under
 * iptables-nft / ip6tables-nft, the default on current distributions.
 */

type PortRange = [number, number];

export interface ManagerRules {
  snapshots: FirewallSnapshot[];
  /** What could not be turned into rules (application profiles, unknown services), in words. */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// ufw

const UFW_POLICY: Record<string, string> = { deny: 'DROP', reject: 'DROP', allow: 'ACCEPT' };

export function ufwRules(status: UfwStatus): ManagerRules {
  const warnings: string[] = [];
  const snapshots: FirewallSnapshot[] = [];
  for (const family of [4, 6] as const) {
    const source: FirewallSource = family === 4 ? 'iptables-nft' : 'ip6tables-nft';
    const nf = family === 4 ? 'ip' : 'ip6';
    const prefix = family === 4 ? 'ufw' : 'ufw6';
    const unreachable = family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
    const rules: FirewallRule[] = [];
    const perChain = new Map<string, number>();
    const add = (chain: string, fields: Omit<FirewallRule, 'source' | 'family' | 'table' | 'chain' | 'index' | 'handle' | 'packets' | 'bytes' | 'comment'>) => {
      const index = (perChain.get(chain) ?? 0) + 1;
      perChain.set(chain, index);
      rules.push({ source, family: nf, table: 'filter', chain, index, handle: null, packets: null, bytes: null, comment: null, ...fields });
    };
    const opened: PortRange[] = [];
    for (const rule of status.rules) {
      if (rule.direction !== 'IN' && rule.direction !== null) continue;
      if (rule.v6 !== (family === 6)) continue;
      const to = ufwSide(rule.to);
      const from = ufwSide(rule.from);
      if (to === null || from === null) {
        warnings.push(`ufw rule "${rule.text}" names an application profile whose ports are not shown: run \`sudo ufw status verbose\``);
        continue;
      }
      // As ufw writes them: a port rule without a protocol becomes a TCP and a UDP rule; a rule
      // without port and protocol stays one rule. REJECT answers TCP with a reset, the rest with ICMP.
      const protocols: (string | null)[] = rule.proto !== null ? [rule.proto] : rule.ports !== null ? ['tcp', 'udp'] : [null];
      const everyone = from.address === null && to.address === null && rule.toInterface === null;
      for (const protocol of protocols) {
        const base = { protocol, dports: rule.ports, sources: from.address, destinations: to.address, inInterface: rule.toInterface, text: rule.text, target: null };
        if (rule.action === 'ALLOW') add(`${prefix}-user-input`, { ...base, action: 'accept', rejectWith: null });
        else if (rule.action === 'DENY') add(`${prefix}-user-input`, { ...base, action: 'drop', rejectWith: null });
        else if (rule.action === 'REJECT') add(`${prefix}-user-input`, { ...base, action: 'reject', rejectWith: protocol === 'tcp' ? 'tcp-reset' : unreachable });
        // LIMIT: new connections are accepted until one address opens the 6th within 30 s, which is rejected.
        else add(`${prefix}-user-limit`, { ...base, text: `${rule.text}  (over the limit: the 6th new connection from one address within 30 s)`, action: 'reject', rejectWith: unreachable });
        if ((rule.action === 'ALLOW' || rule.action === 'LIMIT') && everyone && protocol !== 'udp') opened.push(...(rule.ports ?? [[0, 65535]]));
      }
    }
    if (status.defaults.incoming === 'reject') {
      const closed = complement(opened);
      if (closed.length > 0) {
        add(`${prefix}-reject-input`, {
          text: `Default: reject (incoming): TCP ports no ALLOW rule opens to everyone (${describeRanges(closed)})`,
          action: 'reject', rejectWith: unreachable, protocol: 'tcp', dports: closed, sources: null, destinations: null, inInterface: null, target: null,
        });
      }
    }
    const policy = status.defaults.incoming ? UFW_POLICY[status.defaults.incoming.toLowerCase()] : undefined;
    const chains: FirewallChain[] = policy ? [{ source, family: nf, table: 'filter', chain: 'INPUT', hook: 'input', priority: 0, policy, packets: null, bytes: null }] : [];
    snapshots.push({ source, chains, rules, warnings: family === 4 ? ['read from `ufw status`: rules without counters, in ufw\'s own words'] : [] });
  }
  return { snapshots, warnings };
}

/** A To or From column: `Anywhere`, an address or prefix, then optionally ports; null for an application profile. */
function ufwSide(value: string): { address: string[] | null } | null {
  const words = withoutTrailingGroup(value).split(/\s+/).filter((w) => w !== '');
  let address: string[] | null = null;
  for (const word of words) {
    if (word === 'Anywhere' || /^[\d:,]+(?:\/(?:tcp|udp))?$/.test(word) || /^\/(?:tcp|udp)$/.test(word)) continue;
    // As iptables-save prints it: a single address with its full prefix length.
    if (isAddressOrPrefix(word)) address = [word.includes('/') ? word : `${word}/${word.includes(':') ? 128 : 32}`];
    else return null;
  }
  return { address };
}

function isAddressOrPrefix(word: string): boolean {
  const [host = '', len] = word.split('/');
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return false;
  return isIpv4(host) || normaliseIpv6(host) !== null;
}

// ---------------------------------------------------------------------------------------------
// firewalld

/**
 * Ports of firewalld's stock services (`/usr/lib/firewalld/services/NAME.xml`) that commonly stand
 * between a client and a refused port. Others are reported as unknown rather than guessed.
 */
const SERVICES: Readonly<Record<string, readonly { port: PortRange; protocol: string }[]>> = {
  ssh: [{ port: [22, 22], protocol: 'tcp' }],
  http: [{ port: [80, 80], protocol: 'tcp' }],
  https: [{ port: [443, 443], protocol: 'tcp' }],
  http3: [{ port: [443, 443], protocol: 'udp' }],
  postgresql: [{ port: [5432, 5432], protocol: 'tcp' }],
  mysql: [{ port: [3306, 3306], protocol: 'tcp' }],
  redis: [{ port: [6379, 6379], protocol: 'tcp' }],
  mongodb: [{ port: [27017, 27017], protocol: 'tcp' }],
  mssql: [{ port: [1433, 1433], protocol: 'tcp' }],
  dns: [{ port: [53, 53], protocol: 'tcp' }, { port: [53, 53], protocol: 'udp' }],
  'dhcpv6-client': [{ port: [546, 546], protocol: 'udp' }],
  dhcp: [{ port: [67, 67], protocol: 'udp' }],
  cockpit: [{ port: [9090, 9090], protocol: 'tcp' }],
  ftp: [{ port: [21, 21], protocol: 'tcp' }],
  smtp: [{ port: [25, 25], protocol: 'tcp' }],
  smtps: [{ port: [465, 465], protocol: 'tcp' }],
  'smtp-submission': [{ port: [587, 587], protocol: 'tcp' }],
  imap: [{ port: [143, 143], protocol: 'tcp' }],
  imaps: [{ port: [993, 993], protocol: 'tcp' }],
  pop3: [{ port: [110, 110], protocol: 'tcp' }],
  pop3s: [{ port: [995, 995], protocol: 'tcp' }],
  ntp: [{ port: [123, 123], protocol: 'udp' }],
  ldap: [{ port: [389, 389], protocol: 'tcp' }],
  ldaps: [{ port: [636, 636], protocol: 'tcp' }],
  rdp: [{ port: [3389, 3389], protocol: 'tcp' }],
  mdns: [{ port: [5353, 5353], protocol: 'udp' }],
  amqp: [{ port: [5672, 5672], protocol: 'tcp' }],
  amqps: [{ port: [5671, 5671], protocol: 'tcp' }],
  nfs: [{ port: [2049, 2049], protocol: 'tcp' }],
};

const FIREWALLD_TABLE = 'firewalld';

export function firewalldRules(zones: readonly FirewalldZone[]): ManagerRules {
  const warnings: string[] = [];
  const rules: FirewallRule[] = [];
  const perChain = new Map<string, number>();
  const add = (chain: string, fields: Omit<FirewallRule, 'source' | 'family' | 'table' | 'chain' | 'index' | 'handle' | 'packets' | 'bytes'>) => {
    const index = (perChain.get(chain) ?? 0) + 1;
    perChain.set(chain, index);
    rules.push({ source: 'nft', family: 'inet', table: FIREWALLD_TABLE, chain, index, handle: null, packets: null, bytes: null, ...fields });
  };
  // The zones that apply: the active ones and the default one (it takes every interface not bound elsewhere).
  const flagged = zones.filter((z) => z.active || z.isDefault);
  const applied = flagged.length > 0 ? flagged : zones.length === 1 ? zones : [];
  if (applied.length === 0 && zones.length > 0) warnings.push('no zone in the listing is active or the default one: no rule was taken from it');

  for (const zone of applied) {
    const zoneSources = zone.sources.length > 0 && zone.interfaces.length === 0 ? zone.sources : null;
    const where = zoneSources ? `ip saddr { ${zoneSources.join(', ')} } ` : '';
    const opened: Record<4 | 6, PortRange[]> = { 4: [], 6: [] };
    const open = (families: readonly (4 | 6)[], ports: PortRange[]) => families.forEach((f) => opened[f].push(...ports));
    const allow = `filter_IN_${zone.name}_allow`;
    const deny = `filter_IN_${zone.name}_deny`;
    const base = { target: null, rejectWith: null, destinations: null, inInterface: null, sources: zoneSources };

    for (const service of zone.services) {
      const ports = SERVICES[service];
      if (!ports) {
        warnings.push(`firewalld service "${service}" in zone ${zone.name}: its ports are not known here, so they are not counted as opened`);
        continue;
      }
      for (const p of ports) {
        add(allow, { ...base, text: `${where}${p.protocol} dport ${rangeText(p.port)} accept`, action: 'accept', protocol: p.protocol, dports: [p.port], comment: `service ${service}` });
        if (p.protocol === 'tcp') open([4, 6], [p.port]);
      }
    }
    for (const p of zone.ports) {
      add(allow, { ...base, text: `${where}${p.protocol} dport ${rangeText(p.ports)} accept`, action: 'accept', protocol: p.protocol, dports: [p.ports], comment: null });
      if (p.protocol === 'tcp') open([4, 6], [p.ports]);
    }
    for (const rich of zone.richRules) {
      const decoded = richRule(rich, zoneSources);
      if (decoded === null) {
        warnings.push(`firewalld rich rule in zone ${zone.name} not read: ${rich.text}`);
        continue;
      }
      add(decoded.action === 'accept' ? allow : deny, { ...decoded.rule, comment: `rich rule: ${rich.text}` });
      if (decoded.action === 'accept' && decoded.rule.sources === null && !rich.sourceInverted && (decoded.rule.protocol === 'tcp' || decoded.rule.protocol === null)) {
        open(decoded.families, decoded.rule.dports ?? [[0, 65535]]);
      }
    }
    for (const fwd of zone.forwardPorts) {
      if (fwd.port === null) continue;
      const to = fwd.toaddr ? `${fwd.toaddr.includes(':') ? `[${fwd.toaddr}]` : fwd.toaddr}${fwd.toport ? `:${rangeText(fwd.toport)}` : ''}` : fwd.toport ? rangeText(fwd.toport) : null;
      const action: RuleAction = fwd.toaddr ? 'dnat' : 'redirect';
      add(`nat_PRE_${zone.name}_allow`, {
        ...base,
        text: `${where}${fwd.proto ?? 'tcp'} dport ${rangeText(fwd.port)} ${fwd.toaddr ? `dnat to ${to}` : `redirect to :${to ?? ''}`}`,
        action, target: to, protocol: fwd.proto, dports: [fwd.port], comment: `forward-port ${fwd.text}`,
      });
    }

    const target = (zone.target ?? 'default').toUpperCase();
    const verdict: 'reject' | 'drop' | null = target === 'DROP' ? 'drop' : target === 'ACCEPT' ? null : 'reject';
    if (verdict !== null) {
      const closed4 = complement(opened[4]);
      const closed6 = complement(opened[6]);
      const same = sameRanges(closed4, closed6);
      const parts: { families: string; closed: PortRange[] }[] = same ? [{ families: '', closed: closed4 }] : [{ families: 'meta nfproto ipv4 ', closed: closed4 }, { families: 'meta nfproto ipv6 ', closed: closed6 }];
      for (const part of parts) {
        if (part.closed.length === 0) continue;
        const tail = verdict === 'reject' ? 'reject with icmpx admin-prohibited' : 'drop';
        add(`filter_IN_${zone.name}`, {
          ...base,
          text: `${part.families}${where}tcp dport { ${describeRanges(part.closed)} } ${tail}`,
          action: verdict, rejectWith: verdict === 'reject' ? 'icmpx admin-prohibited' : null, protocol: 'tcp', dports: part.closed,
          comment: `zone ${zone.name}: target ${zone.target ?? 'default'}, for the TCP ports the zone does not open`,
        });
      }
    }
  }

  const chains: FirewallChain[] = [{ source: 'nft', family: 'inet', table: FIREWALLD_TABLE, chain: 'filter_INPUT', hook: 'input', priority: 10, policy: 'accept', packets: null, bytes: null }];
  return { snapshots: [{ source: 'nft', chains, rules, warnings: ['read from `firewall-cmd --list-all`: firewalld rules, which carry no counters'] }], warnings };
}

interface DecodedRich {
  action: 'accept' | 'reject' | 'drop';
  families: (4 | 6)[];
  rule: Omit<FirewallRule, 'source' | 'family' | 'table' | 'chain' | 'index' | 'handle' | 'packets' | 'bytes' | 'comment'>;
}

function richRule(rich: FirewalldRichRule, zoneSources: string[] | null): DecodedRich | null {
  if (rich.action === null || rich.action === 'mark') return null;
  let dports: PortRange[] | null = rich.port ? [rich.port] : null;
  let protocol = rich.protocol;
  if (rich.service !== null) {
    const ports = SERVICES[rich.service];
    if (!ports) return null;
    dports = ports.map((p) => p.port);
    protocol = ports.every((p) => p.protocol === ports[0]?.protocol) ? (ports[0]?.protocol ?? null) : null;
  }
  const families: (4 | 6)[] = rich.family === 'ipv4' ? [4] : rich.family === 'ipv6' ? [6] : [4, 6];
  // `source NOT address=...` cannot be expressed: the rule is then read as matching every source.
  const sources = rich.sourceAddress !== null && !rich.sourceInverted ? [rich.sourceAddress] : zoneSources;
  const family = rich.family === 'ipv4' ? 'meta nfproto ipv4 ' : rich.family === 'ipv6' ? 'meta nfproto ipv6 ' : '';
  const from = sources ? `${sources.some((s) => s.includes(':')) ? 'ip6' : 'ip'} saddr ${sources.length === 1 ? sources[0] : `{ ${sources.join(', ')} }`} ` : '';
  const match = dports ? `${protocol ?? 'th'} dport ${dports.map(rangeText).join(', ')} ` : '';
  const rejectWith = rich.action === 'reject' ? (rich.rejectType ?? (rich.family === 'ipv4' ? 'icmp port-unreachable' : rich.family === 'ipv6' ? 'icmpv6 port-unreachable' : 'icmpx port-unreachable')) : null;
  const verdict = rich.action === 'reject' ? `reject with ${rejectWith}` : rich.action;
  return {
    action: rich.action,
    families,
    rule: {
      text: `${family}${from}${match}${verdict}`, action: rich.action, target: null, rejectWith, protocol,
      dports, sources, destinations: rich.destinationAddress ? [rich.destinationAddress] : null, inInterface: null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Port ranges

/** The ports in 0-65535 that none of the ranges covers. */
export function complement(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: PortRange[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 65535) out.push([next, 65535]);
  return out;
}

function sameRanges(a: readonly PortRange[], b: readonly PortRange[]): boolean {
  return a.length === b.length && a.every(([lo, hi], i) => b[i]?.[0] === lo && b[i]?.[1] === hi);
}

function rangeText([lo, hi]: PortRange): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

function describeRanges(ranges: readonly PortRange[]): string {
  return ranges.map(rangeText).join(', ');
}
