import type { Target } from '../schema/target';
import type { ListenerTable, Listener } from '../schema/listener';
import type { ConnectStatus, Outcome, ProbeAttempt, Resolution, ResolvedAddress } from '../schema/probe';
import type { ProxySettings } from '../schema/proxy';
import type { Symptom } from '../schema/report';
import type { RemoteFacts } from './remote-facts';

/** Everything the decision tree may look at. Collected by the engine, read by pure `decide`s. */
export interface DiagnosisFacts {
  target: Target;
  resolution: Resolution;
  probes: readonly ProbeAttempt[];
  /** The workstation's own listener table (read for local targets; null when not collected). */
  localListeners: ListenerTable | null;
  proxy: ProxySettings | null;
  /** Evidence from the server, over SSH or pasted by a person; null when there is none. */
  remote: RemoteFacts | null;
  /**
   * A TCP connect to a port known to answer on the same address (catalog §0.3): how far away the
   * server is. Null when no such port was probed.
   */
  baseline: Baseline | null;
  /** The service the user named (`--service`), if any. */
  serviceHint: string | null;
  /** What the user reported seeing, if they said. */
  symptom: Symptom | null;
  /** The SSH login was tried and failed (its kind: `host-key-changed`, `auth-failed`...); absent when not tried. */
  sshFailure?: { kind: string } | null;
}

export interface Baseline {
  address: string;
  port: number;
  ms: number;
  /** Where the figure comes from, in words: `TCP connect to the SSH port`. */
  source: string;
}

/** One address and how its attempts ended: a single status when they agree, `mixed` otherwise. */
export interface AddressResult {
  address: ResolvedAddress;
  attempts: ProbeAttempt[];
  status: ConnectStatus | 'mixed' | 'not-probed';
}

export function addressResults(facts: DiagnosisFacts): AddressResult[] {
  if (facts.resolution.status !== 'resolved') return [];
  return facts.resolution.addresses.map((address) => {
    const attempts = facts.probes.filter((p) => p.address === address.address);
    const statuses = new Set(attempts.map((a) => a.status));
    const [only] = statuses;
    const status = attempts.length === 0 ? 'not-probed' : statuses.size === 1 && only ? only : 'mixed';
    return { address, attempts, status };
  });
}

/** What the client saw for the whole target, as the report's `outcome`. */
export function overallOutcome(facts: DiagnosisFacts): Outcome {
  if (facts.resolution.status === 'failed') return 'dns-failure';
  const statuses = new Set(facts.probes.map((p) => p.status));
  const [only] = statuses;
  return statuses.size === 1 && only ? only : 'mixed';
}

export const isLocalAddress = (a: ResolvedAddress): boolean => a.loopback || a.localInterface !== null;

const wildcard = { 4: '0.0.0.0', 6: '::' } as const;

/** Does this listener accept connections sent to `address`? (Device binding is treated as not covering.) */
export function listenerCovers(listener: Listener, address: ResolvedAddress): boolean {
  if (listener.device !== null) return false;
  if (listener.address === address.address) return true;
  if (listener.family === address.family && listener.address === wildcard[address.family]) return true;
  // A dual-stack `::` socket also accepts IPv4; only an explicit v6only:1 says it does not.
  if (address.family === 4 && listener.address === '::' && listener.v6only !== true) return true;
  if (address.family === 4 && listener.address === `::ffff:${address.address}`) return true;
  return false;
}

export function listenersOnPort(table: ListenerTable | null, port: number): Listener[] | null {
  if (table === null || table.status !== 'ok') return null;
  return table.listeners.filter((l) => l.port === port);
}

export function describeListener(l: Listener): string {
  const host = l.family === 6 ? `[${l.address}]` : l.address;
  const device = l.device ? `%${l.device}` : '';
  return `${host}${device}:${l.port}`;
}

export function describeAttempts(result: AddressResult): string {
  const byStatus = new Map<string, number>();
  for (const a of result.attempts) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  return [...byStatus].map(([s, n]) => `${s} ×${n}`).join(', ');
}

export function medianMs(attempts: readonly ProbeAttempt[]): number {
  const sorted = attempts.map((a) => a.ms).sort((x, y) => x - y);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const formatMs = (ms: number): string => (ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`);
