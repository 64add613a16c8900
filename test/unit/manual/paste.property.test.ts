import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste } from '../../../shared/common/manual/paste';
import { MAX_PASTE_BYTES } from '../../../shared/common/schema/answers';
import { PASTE_KINDS } from '../../../shared/common/tree/types';
import { checkPaste, pasteContext, pasteKind, pasteText } from './paste-inputs';

// The fuzz tier runs the same property with many more inputs (test/fuzz/manual-paste.fuzz.test.ts).
describe('parsePaste never throws', () => {
  it('for every kind: a valid piece of RemoteFacts or one clear error', () => {
    fc.assert(fc.property(pasteKind, pasteText, pasteContext, (kind, text, ctx) => checkPaste(kind, text, ctx)), { numRuns: 100 });
  });

  it('a paste over the cap is refused at once, and a large real one is read in time', () => {
    const ctx = { port: 47113, failing: [], service: null };
    const over = parsePaste('listeners', 'x'.repeat(MAX_PASTE_BYTES + 1), ctx);
    expect(!over.ok && over.error.message).toMatch(/^The paste is 2097153 characters long, more than the 2 MiB a paste may hold/);
    const table = readFileSync(new URL('../../fixtures/ss/ss-Htlnpe.txt', import.meta.url), 'utf8');
    const big = table.repeat(Math.floor(MAX_PASTE_BYTES / table.length));
    for (const kind of PASTE_KINDS) {
      const t0 = performance.now();
      const r = parsePaste(kind, big, ctx);
      expect(performance.now() - t0).toBeLessThan(2000);
      if (kind === 'listeners') expect(r.ok && r.value.patch.kind === 'listeners' && r.value.patch.listeners.listeners.length).toBe(Math.floor(MAX_PASTE_BYTES / table.length));
      else expect(r.ok).toBe(false);
    }
  });
});
