import { z } from 'zod';

/** Which rule set a rule was read from: iptables has two backends that can both hold rules. */
export const FirewallSource = z.enum(['iptables-nft', 'iptables-legacy', 'ip6tables-nft', 'ip6tables-legacy', 'nft']);
export type FirewallSource = z.infer<typeof FirewallSource>;

export const RuleAction = z.enum(['accept', 'drop', 'reject', 'dnat', 'snat', 'masquerade', 'redirect', 'jump', 'goto', 'return', 'log', 'queue', 'none', 'other']);
export type RuleAction = z.infer<typeof RuleAction>;

/** An inclusive port range; a single port is [p, p]. */
export const PortRange = z.tuple([z.number().int().min(0).max(65535), z.number().int().min(0).max(65535)]);

/** One rule with its counters, as iptables-save -c or nft -j list ruleset shows it. */
export const FirewallRule = z.object({
  source: FirewallSource,
  /** nft family (ip, ip6, inet, ...); for iptables `ip` or `ip6`. */
  family: z.string(),
  table: z.string(),
  chain: z.string(),
  /** 1-based position within its chain, in listing order. */
  index: z.number().int().positive(),
  /** nft rule handle, when listed. */
  handle: z.number().int().nullable(),
  /** The rule as the tool prints it (iptables-save line, or nft rule text rebuilt from JSON). */
  text: z.string(),
  packets: z.number().int().nonnegative().nullable(),
  bytes: z.number().int().nonnegative().nullable(),
  action: RuleAction,
  /** Jump/goto target chain, or the DNAT/SNAT destination. */
  target: z.string().nullable(),
  /** For reject: tcp-reset, icmp-port-unreachable, icmp-host-prohibited, icmpx admin-prohibited, ... */
  rejectWith: z.string().nullable(),
  /** Protocol matched (tcp, udp, ...), null when any. */
  protocol: z.string().nullable(),
  /** Destination ports matched; null when the rule matches any port. */
  dports: z.array(PortRange).nullable(),
  /** Source addresses/prefixes matched; null when any. */
  sources: z.array(z.string()).nullable(),
  /** Destination addresses/prefixes matched; null when any. */
  destinations: z.array(z.string()).nullable(),
  inInterface: z.string().nullable(),
  /** The comment attached to the rule (-m comment, nft comment), if any. */
  comment: z.string().nullable(),
});
export type FirewallRule = z.infer<typeof FirewallRule>;

export const FirewallChain = z.object({
  source: FirewallSource,
  family: z.string(),
  table: z.string(),
  chain: z.string(),
  /** Base chains have a hook and a policy; user chains have neither. */
  hook: z.string().nullable(),
  priority: z.number().int().nullable(),
  policy: z.string().nullable(),
  packets: z.number().int().nonnegative().nullable(),
  bytes: z.number().int().nonnegative().nullable(),
});
export type FirewallChain = z.infer<typeof FirewallChain>;

export const FirewallSnapshot = z.object({
  source: FirewallSource,
  chains: z.array(FirewallChain),
  rules: z.array(FirewallRule),
  /** In-band warnings, e.g. "# Warning: iptables-legacy tables present, use iptables-legacy to see them". */
  warnings: z.array(z.string()),
});
export type FirewallSnapshot = z.infer<typeof FirewallSnapshot>;
