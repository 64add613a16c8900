import type { ConnectStatus, ProbeAttempt } from '../schema/probe';

/** Words for what a probe got: the app and the exported reports say it the same way. */

export const statusWord: Readonly<Record<ConnectStatus, string>> = {
  connected: 'Connected',
  refused: 'Refused',
  timeout: 'Timed out',
  unreachable: 'Unreachable',
  reset: 'Reset',
};

export function attemptWord(attempt: ProbeAttempt): string {
  if (attempt.status === 'reset' && attempt.afterConnect) return 'Closed at once';
  return statusWord[attempt.status];
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
