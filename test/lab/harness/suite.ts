import { afterAll, beforeAll } from 'vitest';
import { createLab, preflight, type Lab } from './netns';

/**
 * One lab namespace for the calling test file. When the lab cannot be built (not root, no netns),
 * every test of the file FAILS with the reason: a failing hook would leave the tests marked
 * "skipped", and in this project nothing skips silently. Teardown runs in afterAll even after failures.
 */
export function useLab(extraSetup?: (lab: Lab) => Promise<void>): () => Lab {
  let lab: Lab | null = null;
  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      await preflight();
      lab = await createLab();
      await extraSetup?.(lab);
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  });
  afterAll(async () => {
    if (lab === null) return;
    const problems = await lab.teardown();
    if (problems.length > 0) throw new Error(`Lab teardown left something behind: ${problems.join('; ')}`);
  });
  return () => {
    if (setupError) throw new Error(`Lab setup failed: ${setupError.message}`, { cause: setupError });
    if (lab === null) throw new Error('Lab unavailable: setup did not run');
    return lab;
  };
}
