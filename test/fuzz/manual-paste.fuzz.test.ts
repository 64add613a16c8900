import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'vitest';
import { checkPaste, pasteContext, pasteKind, pasteText } from '../unit/manual/paste-inputs';
import { PER_INPUT_MS, fuzzParams } from './budget';

/** Milliseconds one check takes. */
function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// Manual mode reads whatever a person pastes: never a throw, always a valid piece or one sentence, fast.
describe('parsePaste', () => {
  it('returns a valid piece of RemoteFacts or a clear error for any text, fast', () => {
    fc.assert(
      fc.property(pasteKind, pasteText, pasteContext, (kind, text, ctx) => {
        const ms = time(() => checkPaste(kind, text, ctx));
        // Whole rule sets are among the inputs: a garbage collection during one of them is not
        // a slow regular expression, so an input over the budget is timed once more.
        if (ms > PER_INPUT_MS) {
          const again = time(() => checkPaste(kind, text, ctx));
          if (again > PER_INPUT_MS) throw new Error(`one input took ${ms.toFixed(1)} ms, then ${again.toFixed(1)} ms (limit ${PER_INPUT_MS} ms)`);
        }
      }),
      fuzzParams,
    );
  });
});
