import type { ConnectStatus, ProbeAttempt } from '../schema/probe';
import { attemptWord, formatMs, plural } from './attempt-words';

/** Verify-fix, per address: what the diagnosis saw (every round) and what one probe sees now. */

export interface AttemptsSummary {
  /** "Refused", or "Refused 2 of 3, Connected 1 of 3" when the rounds differ. */
  word: string;
  /** Times and errnos: "3 rounds · 0.4 ms · ECONNREFUSED". */
  detail: string;
  /** The status that colours the cell: connected only when every attempt connected. */
  status: ConnectStatus | 'mixed';
}

export interface VerifyRow {
  address: string;
  before: AttemptsSummary | null;
  after: AttemptsSummary | null;
  fixed: boolean;
}

function summarise(attempts: readonly ProbeAttempt[]): AttemptsSummary | null {
  if (attempts.length === 0) return null;
  const words = new Map<string, number>();
  for (const a of attempts) words.set(attemptWord(a), (words.get(attemptWord(a)) ?? 0) + 1);
  const statuses = new Set(attempts.map((a) => a.status));
  const last = attempts[attempts.length - 1]!;
  const errnos = [...new Set(attempts.map((a) => a.errno).filter((e): e is string => e !== null))];
  const word = words.size === 1 ? [...words.keys()][0]! : [...words].map(([w, n]) => `${w} ${n} of ${attempts.length}`).join(', ');
  const times = attempts.length === 1 ? formatMs(last.ms) : `${plural(attempts.length, 'round', 'rounds')} · last ${formatMs(last.ms)}`;
  return { word, detail: [times, ...errnos].join(' · '), status: statuses.size === 1 ? last.status : 'mixed' };
}

export function verifyRows(before: readonly ProbeAttempt[], after: readonly ProbeAttempt[]): VerifyRow[] {
  const addresses = [...new Set([...after.map((a) => a.address), ...before.map((a) => a.address)])];
  return addresses.map((address) => {
    const now = after.filter((a) => a.address === address);
    return {
      address,
      before: summarise(before.filter((a) => a.address === address).sort((a, b) => a.round - b.round)),
      after: summarise(now),
      fixed: now.length > 0 && now.every((a) => a.status === 'connected'),
    };
  });
}
