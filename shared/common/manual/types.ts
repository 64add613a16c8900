import type { FirewallSnapshot } from '../schema/firewall';
import type { RemoteFacts, ServiceFacts } from '../tree/remote-facts';
import type { PasteKind } from '../tree/types';

/** What a paste is read against: the target port, the addresses the workstation could not reach, the service. */
export interface PasteContext {
  port: number;
  failing: readonly { address: string; family: 4 | 6 }[];
  service: string | null;
}

/** The piece of the server's evidence one paste provides; serverFactsWithPastes puts it in place. */
export type PastePatch =
  /** Only listeners on the context's port; `source` names the detected format + ' (pasted)'. */
  | { kind: 'listeners'; listeners: RemoteFacts['listeners'] }
  /** One entry per failing address of the context: is it among the pasted interface addresses? */
  | { kind: 'addresses'; ownership: RemoteFacts['ownership'] }
  | { kind: 'service'; service: ServiceFacts }
  | { kind: 'firewall'; snapshots: FirewallSnapshot[]; activeManagers: string[] }
  | { kind: 'containers'; containers: NonNullable<RemoteFacts['containers']> };

export interface ParsedPaste {
  patch: PastePatch;
  /** The command whose output was recognised: 'ss -tlnp', 'netstat -tlnp', '/proc/net/tcp', 'iptables-save', 'nft -j list ruleset', ... */
  format: string;
  /** One line for the report. */
  summary: string;
}

export interface PasteError {
  kind: PasteKind;
  /** A clear sentence that names what was expected. */
  message: string;
  /** 1-based line of the paste the problem is on, when there is one. */
  line?: number;
}
