import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { UnquotableError, sh, shellQuote } from '../../shared/common/shell';
import { anyScalars } from './arbitraries';
import { fuzzRuns, propertyTimeout } from './budget';

vi.setConfig({ testTimeout: propertyTimeout });

// shellQuote must make every string a single literal word for real shells. Values are checked in
// batches: one `printf '%s\0' <quoted>...` per batch, run by sh, dash-compatible and bash.
const shells = ['sh', 'bash'];

function roundTrip(shell: string, values: string[]): string[] {
  const script = `printf '%s\\0' ${values.map((v) => shellQuote(v)).join(' ')}`;
  const run = spawnSync(shell, ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(run.status).toBe(0);
  return run.stdout.split('\0').slice(0, -1);
}

const nasty = fc.oneof(
  // Any code points; fast-check's `unit: 'binary'` is the same set but costs about 1.5 ms a string.
  anyScalars(80),
  fc.string({ unit: fc.constantFrom("'", '"', '\\', '$', '`', '(', ')', ';', '&', '|', '<', '>', '*', '?', '[', ']', '{', '}', '~', '#', '!', '\n', '\t', ' ', '-', '=', '%', 'a'), maxLength: 60 }),
).filter((s) => !s.includes('\0'));

describe('shellQuote', () => {
  for (const shell of shells) {
    it(`every value comes back unchanged from ${shell}`, () => {
      const batches = Math.max(1, Math.ceil(fuzzRuns / 200));
      for (let b = 0; b < batches; b++) {
        const values = fc.sample(nasty, 200);
        expect(roundTrip(shell, values)).toEqual(values);
      }
    });
  }

  it('refuses a NUL byte instead of truncating the argument', () => {
    expect(() => shellQuote('a\0b')).toThrow(UnquotableError);
  });

  it('quotes an option-looking value and spreads arrays as separate words', () => {
    expect(shellQuote('-oProxyCommand=x')).toBe("'-oProxyCommand=x'");
    expect(sh`ss -Htlnpe ${'sport = :5432'}`.text).toBe("ss -Htlnpe 'sport = :5432'");
    expect(sh`systemctl show ${['a b', "c'd"]}`.text).toBe(`systemctl show 'a b' 'c'\\''d'`);
  });
});
