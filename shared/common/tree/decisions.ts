import type { CauseId } from '../causes/catalog';
import type { Confidence } from '../schema/report';
import { formatAddressPort } from '../schema/target';
import type { AddressResult } from './facts';
import type { Decision, NodeId, SettledDecision } from './types';

/** Small constructors that keep the node files readable. */

export const next = (node: NodeId, reason: string): SettledDecision => ({ kind: 'next', node, reason });

export const leaf = (cause: CauseId, confidence: Confidence, reason: string): SettledDecision => ({ kind: 'leaf', cause, confidence, reason });

export const inconclusive = (reason: string, missing: string[], candidates: CauseId[]): SettledDecision => ({ kind: 'inconclusive', reason, missing, candidates });

/** Needs a person: `fallback` is where the walk ends (or goes on) when nobody answers. */
export const ask = (reason: string, missing: string[], fallback: SettledDecision): Decision => ({ kind: 'ask', reason, missing, fallback });

export const addressList = (results: readonly AddressResult[], port: number): string => results.map((r) => formatAddressPort(r.address.address, port)).join(', ');

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** What would decide a server-side question, for an inconclusive verdict's "missing" list. */
export function serverEvidence(port: number): string[] {
  return [
    `The server's listener table: \`ss -Htlnpe 'sport = :${port}'\` (or \`netstat -tln\`), over SSH or pasted by hand`,
    "The service's state and recent log (`systemctl show UNIT`, `journalctl -u UNIT -n 100`)",
    'The server firewall rules with counters (`iptables-save -c`, `nft list ruleset`)',
  ];
}

/** Where a decision leads: the next node, the leaf's cause, or `inconclusive`. */
export function destination(decision: SettledDecision): NodeId | CauseId {
  switch (decision.kind) {
    case 'next':
      return decision.node;
    case 'leaf':
      return decision.cause;
    case 'inconclusive':
      return 'inconclusive';
  }
}
