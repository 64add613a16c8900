import type { Parameters } from 'fast-check';
import { performance } from 'node:perf_hooks';

/** `npm test` runs a quick budget; `npm run fuzz` sets PORTWISE_FUZZ_RUNS (at least 100,000). */
export const fuzzRuns = Number(process.env.PORTWISE_FUZZ_RUNS ?? 500);

export const fuzzParams: Parameters<unknown> = { numRuns: fuzzRuns };

/** Time one property may take: room for 10 ms a case on a busy machine (the unit tier's 5 s default is too tight at 500 cases). */
export const propertyTimeout = Math.max(60_000, fuzzRuns * 10);

/** Longest time one input may take: catches catastrophic regular expressions. */
export const PER_INPUT_MS = 50;

/**
 * Runs `fn` and returns its value; throws when it took longer than `limitMs` five times in a row.
 * A catastrophic regular expression is slow every time (10 to 10,000 times the budget); a garbage
 * collection or a busy CPU (the other test tiers share this 2-core machine, at load 10 at times)
 * only now and then, so an input over the budget is timed again, up to four times.
 */
export function withinBudget<T>(fn: () => T, limitMs: number = PER_INPUT_MS): T {
  const times: number[] = [];
  let value: T | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const t0 = performance.now();
    const v = fn();
    times.push(performance.now() - t0);
    if (attempt === 0) value = v;
    if (times[attempt]! <= limitMs) return value as T;
  }
  throw new Error(`one input took ${times.map((ms) => ms.toFixed(1)).join(', ')} ms (limit ${limitMs} ms)`);
}
