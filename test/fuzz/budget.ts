import type { Parameters } from 'fast-check';

/** `npm test` runs a quick budget; `npm run fuzz` sets PORTWISE_FUZZ_RUNS (at least 100,000). */
export const fuzzRuns = Number(process.env.PORTWISE_FUZZ_RUNS ?? 500);

export const fuzzParams: Parameters<unknown> = { numRuns: fuzzRuns };

/** Longest time one input may take: catches catastrophic regular expressions. */
export const PER_INPUT_MS = 50;
