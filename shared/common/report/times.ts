/** Times in an exported report, from the report's own timestamps (never the clock): one wording for every format. */

/** Milliseconds from `from` to `to`, or null when either timestamp does not parse. */
export function msBetween(from: string, to: string): number | null {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? null : ms;
}

/** "0.2 ms", "12.3 ms", "1.52 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Number(ms.toFixed(1))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** "+0.42 s" after the run started; an unreadable timestamp is said so rather than shown as NaN. */
export function formatOffset(ms: number | null): string {
  if (ms === null) return 'at an unknown time';
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(2)} s`;
}
