import type { Parameters } from 'fast-check';
import { performance } from 'node:perf_hooks';

/** `npm test` runs a quick budget; `npm run fuzz` sets PORTWISE_FUZZ_RUNS (at least 100,000). */
export const fuzzRuns = Number(process.env.PORTWISE_FUZZ_RUNS ?? 500);

export const fuzzParams: Parameters<unknown> = { numRuns: fuzzRuns };

/** Longest time one input may take: catches catastrophic regular expressions. */
export const PER_INPUT_MS = 50;

/**
 * Runs `fn` and returns its value; throws when it took longer than `limitMs` twice in a row. A
 * catastrophic regular expression is slow every time; a garbage collection or a busy CPU (the
 * other test tiers run beside this one) only once, so an input over the budget is timed again.
 */
export function withinBudget<T>(fn: () => T, limitMs: number = PER_INPUT_MS): T {
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  if (ms <= limitMs) return value;
  const t1 = performance.now();
  fn();
  const again = performance.now() - t1;
  if (again > limitMs) throw new Error(`one input took ${ms.toFixed(1)} ms, then ${again.toFixed(1)} ms (limit ${limitMs} ms)`);
  return value;
}
