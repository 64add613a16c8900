import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { checkPaste, pasteContext, pasteKind, pasteText } from '../unit/manual/paste-inputs';
import { fuzzParams, propertyTimeout, withinBudget } from './budget';

vi.setConfig({ testTimeout: propertyTimeout });

// Manual mode reads whatever a person pastes: never a throw, always a valid piece or one sentence, fast.
describe('parsePaste', () => {
  it('returns a valid piece of RemoteFacts or a clear error for any text, fast', () => {
    fc.assert(
      fc.property(pasteKind, pasteText, pasteContext, (kind, text, ctx) => {
        withinBudget(() => checkPaste(kind, text, ctx));
      }),
      fuzzParams,
    );
  });
});
