import type { FirewallChain, FirewallRule, FirewallSnapshot, FirewallSource } from '../schema/firewall';
import { ruleMatchesProbe } from './match';

/**
 * Counter correlation, "who sent the RST?" (catalog C intro, T18, T18a). Pure.
 * diffSnapshots pairs each rule of the "before" snapshots with its twin "after" and subtracts the
 * counters; whoRefused then names the rules whose packet delta fits the number of probes sent.
 *
 * Pairing: first by (source, family, table, chain, index, text) — the text without nft's counter
 * values. If the rule set changed in between (a rule inserted moves every index below it), a rule
 * whose text occurs exactly once in that chain before and after is paired by text alone, with
 * `moved: true`. Anything else is reported as unmatched, never guessed.
 */

export type DeltaPairing = 'position' | 'moved';

/** Where a rule sits, as of the "after" snapshot. */
export interface RuleLocation {
  source: FirewallSource;
  family: string;
  table: string;
  chain: string;
  /** Position in the "after" snapshot. */
  index: number;
  text: string;
}

export interface RuleDelta extends RuleLocation {
  before: FirewallRule;
  after: FirewallRule;
  /** after - before; null when either side has no counter, or the counter went down. */
  packets: number | null;
  bytes: number | null;
  /** The counter went down: zeroed (`iptables -Z`) or the rule was replaced in between. */
  reset: boolean;
  pairing: DeltaPairing;
}

export interface ChainDelta {
  source: FirewallSource;
  family: string;
  table: string;
  chain: string;
  hook: string | null;
  policy: string | null;
  packets: number | null;
  bytes: number | null;
}

export interface SnapshotDiff {
  rules: RuleDelta[];
  /** Base chains (those with a policy); policy counters exist for iptables only. */
  chains: ChainDelta[];
  /** Rules that are only in "before" (deleted or changed) or only in "after" (added or changed). */
  unmatchedBefore: FirewallRule[];
  unmatchedAfter: FirewallRule[];
  /** Rule sets listed on one side only (e.g. ip6tables failed the second time). */
  sourcesOnlyBefore: FirewallSource[];
  sourcesOnlyAfter: FirewallSource[];
  /** Hook of every chain seen in "after", keyed by chainKey(). */
  hooks: Record<string, string | null>;
}

const chainKey = (x: { source: string; family: string; table: string; chain: string }) => `${x.source}|${x.family}|${x.table}|${x.chain}`;

/** The rule text without counter values, so the same nft rule reads the same before and after. */
export function stableRuleText(text: string): string {
  return text.replace(/\bcounter packets \d+ bytes \d+/g, 'counter').replace(/^\[\d+:\d+\]\s+/, '').trim();
}

export function diffSnapshots(before: readonly FirewallSnapshot[], after: readonly FirewallSnapshot[]): SnapshotDiff {
  const beforeRules = before.flatMap((s) => s.rules);
  const afterRules = after.flatMap((s) => s.rules);
  const rules: RuleDelta[] = [];
  const pairedBefore = new Set<FirewallRule>();
  const pairedAfter = new Set<FirewallRule>();

  const exactKey = (r: FirewallRule) => `${chainKey(r)}|${r.index}|${stableRuleText(r.text)}`;
  const byExact = new Map<string, FirewallRule>();
  for (const r of beforeRules) if (!byExact.has(exactKey(r))) byExact.set(exactKey(r), r);
  for (const a of afterRules) {
    const b = byExact.get(exactKey(a));
    if (b === undefined || pairedBefore.has(b)) continue;
    pairedBefore.add(b);
    pairedAfter.add(a);
    rules.push(delta(b, a, 'position'));
  }

  // Second pass: text unique within its chain on both sides (and the same nft handle, if any).
  const textKey = (r: FirewallRule) => `${chainKey(r)}|${stableRuleText(r.text)}`;
  const group = (list: readonly FirewallRule[]) => {
    const m = new Map<string, FirewallRule[]>();
    for (const r of list) m.set(textKey(r), [...(m.get(textKey(r)) ?? []), r]);
    return m;
  };
  const allBefore = group(beforeRules);
  const allAfter = group(afterRules);
  for (const a of afterRules) {
    if (pairedAfter.has(a)) continue;
    const bs = allBefore.get(textKey(a)) ?? [];
    const as = allAfter.get(textKey(a)) ?? [];
    const [b] = bs;
    if (bs.length !== 1 || as.length !== 1 || b === undefined || pairedBefore.has(b)) continue;
    if (a.handle !== null && b.handle !== null && a.handle !== b.handle) continue;
    pairedBefore.add(b);
    pairedAfter.add(a);
    rules.push(delta(b, a, 'moved'));
  }

  const beforeChains = new Map<string, FirewallChain>();
  for (const c of before.flatMap((s) => s.chains)) beforeChains.set(chainKey(c), c);
  const chains: ChainDelta[] = [];
  const hooks: Record<string, string | null> = {};
  for (const c of after.flatMap((s) => s.chains)) {
    hooks[chainKey(c)] = c.hook;
    if (c.policy === null) continue;
    const b = beforeChains.get(chainKey(c));
    const packets = b && b.packets !== null && c.packets !== null && c.packets >= b.packets ? c.packets - b.packets : null;
    const bytes = b && b.bytes !== null && c.bytes !== null && c.bytes >= b.bytes ? c.bytes - b.bytes : null;
    chains.push({ source: c.source, family: c.family, table: c.table, chain: c.chain, hook: c.hook, policy: c.policy, packets, bytes });
  }

  const sourcesBefore = new Set(before.map((s) => s.source));
  const sourcesAfter = new Set(after.map((s) => s.source));
  return {
    rules,
    chains,
    unmatchedBefore: beforeRules.filter((r) => !pairedBefore.has(r)),
    unmatchedAfter: afterRules.filter((r) => !pairedAfter.has(r)),
    sourcesOnlyBefore: [...sourcesBefore].filter((s) => !sourcesAfter.has(s)),
    sourcesOnlyAfter: [...sourcesAfter].filter((s) => !sourcesBefore.has(s)),
    hooks,
  };
}

function delta(b: FirewallRule, a: FirewallRule, pairing: DeltaPairing): RuleDelta {
  const sub = (x: number | null, y: number | null) => (x === null || y === null || y < x ? null : y - x);
  const reset = (b.packets !== null && a.packets !== null && a.packets < b.packets) || (b.bytes !== null && a.bytes !== null && a.bytes < b.bytes);
  return {
    source: a.source, family: a.family, table: a.table, chain: a.chain, index: a.index, text: a.text,
    before: b, after: a, packets: reset ? null : sub(b.packets, a.packets), bytes: reset ? null : sub(b.bytes, a.bytes), reset, pairing,
  };
}

export interface CorrelationProbe {
  /** How many connection attempts the workstation made between the two snapshots. */
  probes: number;
  port: number;
  family: 4 | 6;
  destination?: string;
  /** The client address as the server sees it, if known (narrows source-specific rules, C5). */
  source?: string;
  /**
   * How many packets above `probes` still count. Default 2 x probes: one attempt can send several
   * SYNs (a DROP makes the client retransmit; in the lab one IPv6 attempt answered with
   * icmp6-adm-prohibited counted 2; Windows retries refused connects).
   */
  slack?: number;
}

export interface Culprit extends RuleLocation {
  rule: FirewallRule;
  delta: number;
  /** delta === probes */
  exact: boolean;
  /** 0: reject/drop in an input/forward path; 1: DNAT; 2: reject/drop elsewhere (output, raw, mangle). */
  tier: 0 | 1 | 2;
}

export interface PolicyCulprit {
  source: FirewallSource;
  family: string;
  table: string;
  chain: string;
  policy: string;
  delta: number;
  /** delta within [probes, probes + slack]. */
  inWindow: boolean;
}

export interface RefusalCorrelation {
  probes: number;
  /** The culprit rules, ranked: tier, then exact delta, then closeness to `probes`. */
  rules: Culprit[];
  /** DROP/REJECT policies whose counter rose. */
  policies: PolicyCulprit[];
  /** Matching reject/drop/DNAT rules that moved, but by a count outside the window (e.g. ufw LIMIT rejecting only some attempts). */
  outsideWindow: Culprit[];
  /** Matching reject/drop/DNAT rules without counters (nft rules without `counter`, iptables-save without -c): cannot be correlated. */
  uncounted: FirewallRule[];
  /** Matching reject/drop/DNAT rules that could not be paired across the snapshots. */
  unpaired: FirewallRule[];
  /** Plain-language caveats for the report. */
  notes: string[];
}

const VERDICT_ACTIONS = new Set(['reject', 'drop', 'dnat']);

export function whoRefused(diff: SnapshotDiff, probe: CorrelationProbe): RefusalCorrelation {
  const n = probe.probes;
  const slack = probe.slack ?? 2 * n;
  const shape = {
    port: probe.port, protocol: 'tcp' as const, family: probe.family,
    ...(probe.destination !== undefined ? { destination: probe.destination } : {}),
    ...(probe.source !== undefined ? { source: probe.source } : {}),
  };
  const relevant = (r: FirewallRule) => VERDICT_ACTIONS.has(r.action) && ruleMatchesProbe(r, shape);
  const inWindow = (d: number) => d >= n && d <= n + slack;

  const culprits: Culprit[] = [];
  const outsideWindow: Culprit[] = [];
  const uncounted: FirewallRule[] = [];
  const notes: string[] = [];
  let resets = 0;
  for (const d of diff.rules) {
    if (!relevant(d.after)) continue;
    if (d.reset) {
      resets++;
      continue;
    }
    if (d.packets === null) {
      uncounted.push(d.after);
      continue;
    }
    if (d.packets === 0) continue;
    const c: Culprit = {
      rule: d.after, delta: d.packets, source: d.source, family: d.family, table: d.table, chain: d.chain,
      index: d.index, text: d.text, exact: d.packets === n, tier: tierOf(d.after, diff.hooks),
    };
    (inWindow(d.packets) ? culprits : outsideWindow).push(c);
  }
  const rank = (a: Culprit, b: Culprit) =>
    a.tier - b.tier || Number(b.exact) - Number(a.exact) || Math.abs(a.delta - n) - Math.abs(b.delta - n) || 0;
  culprits.sort(rank);
  outsideWindow.sort(rank);

  const policies: PolicyCulprit[] = diff.chains
    .filter((c) => c.policy !== null && /^(drop|reject)$/i.test(c.policy) && c.packets !== null && c.packets > 0)
    .filter((c) => c.hook === 'input' || c.hook === 'forward')
    .filter((c) => probe.family === 6 ? c.family !== 'ip' : c.family !== 'ip6')
    .map((c) => ({ source: c.source, family: c.family, table: c.table, chain: c.chain, policy: c.policy ?? '', delta: c.packets ?? 0, inWindow: inWindow(c.packets ?? 0) }))
    .sort((a, b) => Number(b.inWindow) - Number(a.inWindow) || Math.abs(a.delta - n) - Math.abs(b.delta - n));

  const unpaired = [...diff.unmatchedBefore, ...diff.unmatchedAfter].filter(relevant);
  if (uncounted.length > 0) {
    notes.push(`${uncounted.length} matching reject/drop/DNAT rule${uncounted.length === 1 ? ' has' : 's have'} no counter (nft rule without "counter", or iptables-save without -c): they cannot be correlated.`);
  }
  if (unpaired.length > 0) {
    notes.push(`The rule set changed between the snapshots: ${unpaired.length} matching rule${unpaired.length === 1 ? '' : 's'} could not be paired and ${unpaired.length === 1 ? 'was' : 'were'} left out.`);
  }
  if (resets > 0) notes.push(`${resets} matching rule counter${resets === 1 ? '' : 's'} went down between the snapshots (zeroed or replaced) and ${resets === 1 ? 'was' : 'were'} left out.`);
  if (diff.sourcesOnlyBefore.length > 0 || diff.sourcesOnlyAfter.length > 0) {
    notes.push(`Rule sets listed on one side only: ${[...diff.sourcesOnlyBefore, ...diff.sourcesOnlyAfter].join(', ')}.`);
  }
  if (diff.chains.some((c) => c.source === 'nft')) {
    notes.push('nft base chains have no policy counters: a drop policy in nft cannot be seen moving.');
  }
  return { probes: n, rules: culprits, policies, outsideWindow, uncounted, unpaired, notes };
}

function tierOf(rule: FirewallRule, hooks: Readonly<Record<string, string | null>>): 0 | 1 | 2 {
  if (rule.action === 'dnat') return 1;
  const hook = hooks[chainKey(rule)];
  if (hook === 'input' || hook === 'forward') return 0;
  if (hook === undefined || hook === null) {
    // A regular chain is reached by a jump; in the iptables raw/mangle/nat tables that is not the filter path.
    return ['raw', 'mangle', 'nat'].includes(rule.table) ? 2 : 0;
  }
  return 2;
}
