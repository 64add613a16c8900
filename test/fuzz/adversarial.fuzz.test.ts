import { describe, expect, it } from 'vitest';
import { parsePaste } from '../../shared/common/manual/paste';
import { parseJumpSpec, profilePath } from '../../shared/common/ssh-config/host-settings';
import { ProfileInput, slugOf } from '../../shared/common/schema/profile';
import { parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { parseTarget } from '../../shared/common/schema/target';
import { PASTE_KINDS } from '../../shared/common/tree/types';
import { parseKnownHosts } from '../../shared/node/ssh/known-hosts';
import { loadSshConfig } from '../../shared/node/store/ssh-config-import';
import { PER_INPUT_MS, fuzzRuns, withinBudget } from './budget';
import { PARSERS, type Timed } from './parser-table';

/**
 * Catastrophic regular expressions show up on long runs of one character class: a 100 KB line of
 * separators, digits, quotes or brackets. Each parser gets each line alone and after text that
 * brings it to its inner loop (a header, a rule prefix, an open quote). Random inputs are too
 * short and too varied to find these, hence the fixed list. Deterministic: same cases every run.
 */

/**
 * `npm run fuzz` uses 100 KB lines and 100,000-line texts. The quick budget of `npm test` uses a
 * fifth of that, which still exposes a quadratic expression (20 KB of backtracking is 10^8 steps)
 * and keeps this file to seconds.
 */
const SIZE = fuzzRuns >= 100_000 ? 100_000 : 20_000;
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

export const ADVERSARIAL_LINES: { name: string; text: string }[] = [
  ...[' ', '\t', ':', '.', ',', '/', '-', '=', '"', "'", '\\', '(', ')', '[', ']', '{', '}', '<', '#', '%', '*', '0', '9', 'a', 'F', '\u00a0', '\u001b', '\u0000', '\ud800'].map((c) => ({ name: `${JSON.stringify(c)} x100k`, text: fill(c) })),
  ...['a ', '1 ', ' a', ': ', '::', '1.', 'a=', 'a="" ', '"a" ', '((', '))', '[[', '{"a":', '[{', '0:0', '1-', '1,', '.a', 'a.', '%a', ' (', ' (v6)', '(v6) ', 'ALLOW ', ' on ', 'port ', 'port a="" ', 'source NOT ', '\t ', ' \t', '\\n', '1:2 ', '-A ', '--dport ', '\u001b[', '\u001b]'].map((u) => ({ name: `${JSON.stringify(u)} x${Math.ceil(SIZE / u.length)}`, text: fill(u) })),
  { name: 'nested brackets', text: `${'['.repeat(SIZE / 2)}${']'.repeat(SIZE / 2)}` },
  { name: 'nested braces', text: `${'{"a":'.repeat(SIZE / 10)}1${'}'.repeat(SIZE / 10)}` },
  { name: 'nested parentheses', text: `${'('.repeat(SIZE / 2)}${')'.repeat(SIZE / 2)}` },
  { name: 'spaces then a word', text: `${fill(' ')}x` },
  { name: 'spaces then ALLOW then spaces', text: `${' '.repeat(SIZE / 2)}ALLOW${' '.repeat(SIZE / 2)}x` },
  { name: 'digits then a letter', text: `${fill('0')}x` },
  { name: 'unterminated quote', text: `"${fill('a')}` },
  { name: 'one 100 KB JSON string', text: `{"MESSAGE":"${fill('a')}"}` },
];

/**
 * 100,000 short lines (20,000 in the quick budget; `\r` ends a line for several readers). No line
 * is long, so the rule here is linear time: up to 10 µs a line passes at once; slower must take at
 * most 8 times as long as a quarter as many lines (linear is 4 times, quadratic 16). A ratio of
 * two large inputs, because this 2-core machine runs other tiers beside this one, and garbage
 * collection makes small inputs relatively cheaper than large ones (up to 2 times, measured).
 */
export const MANY_LINES: string[] = ['\n', '\r', '\r\n', 'a\n', ' \n', '#\n', '0 0\n', '"\n', '{}\n'];
const MANY = SIZE;
const MANY_LINES_MS = MANY / 100;

/** Null when `read` is linear in the number of lines, else why not. */
async function linearInLines(read: (text: string) => unknown, prefix: string, line: string): Promise<string | null> {
  const best = async (count: number, enough: number): Promise<number> => {
    const text = `${prefix}${line.repeat(count)}`;
    let ms = Infinity;
    for (let attempt = 0; attempt < 3 && ms > enough; attempt++) {
      const t0 = performance.now();
      await read(text);
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  const large = await best(MANY, MANY_LINES_MS);
  if (large <= MANY_LINES_MS) return null;
  const quarter = await best(MANY / 4, 0);
  return large / quarter <= 8 ? null : `${MANY} lines of ${JSON.stringify(line)} after ${JSON.stringify(prefix.slice(-40))}: ${large.toFixed(0)} ms, ${(large / quarter).toFixed(1)} times ${MANY / 4} lines`;
}

/**
 * What one reader got wrong over all its prefixes: each adversarial line within the per-input budget
 * (`check` runs the read through the `run` it is given), and many short lines in linear time.
 */
async function adversarialFailures(prefixes: readonly string[], check: (text: string, run: Timed) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const prefix of prefixes) {
    for (const line of ADVERSARIAL_LINES) {
      try {
        check(`${prefix}${line.text}`, (fn) => withinBudget(fn));
      } catch (e) {
        failures.push(`${line.name} after ${JSON.stringify(prefix.slice(-40))}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const line of MANY_LINES) {
      const why = await linearInLines((t) => check(t, (fn) => fn()), prefix, line);
      if (why !== null) failures.push(why);
    }
  }
  return failures;
}

const failIfAny = (failures: readonly string[]): void => {
  if (failures.length > 0) throw new Error(`${failures.length} inputs failed:\n${failures.slice(0, 20).join('\n')}`);
};

describe('every parser on 100 KB adversarial lines (20 KB quick)', () => {
  for (const parser of PARSERS) {
    it(`${parser.name} reads each long line in under ${PER_INPUT_MS} ms, and 100,000 lines (20,000 quick) in linear time`, async () => {
      failIfAny(await adversarialFailures(parser.prefixes, parser.check));
    }, 120_000);
  }
});

/** The other readers of outside text: pasted output (each kind), targets, destinations, profiles, ssh files. */
const OTHER_READERS: { name: string; prefixes: string[]; read: (text: string) => unknown }[] = [
  ...PASTE_KINDS.map((kind) => ({
    name: `parsePaste(${kind})`,
    prefixes: ['', 'root@db:~# ss -tlnp\n', 'Status: active\n\nTo Action From\n-- ------ ----\n', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ', '● nginx.service - x\n     Active: failed (Result: ', '2: eth0    inet '],
    read: (text: string) => parsePaste(kind, text, { port: 80, failing: [{ address: '198.18.0.2', family: 4 }], service: 'nginx' }),
  })),
  { name: 'parseTarget', prefixes: ['', '[', 'http://'], read: parseTarget },
  { name: 'parseSshDestination', prefixes: ['', 'root@', 'root@['], read: parseSshDestination },
  { name: 'parseJumpSpec', prefixes: ['', 'ssh://', 'u@['], read: parseJumpSpec },
  { name: 'profilePath', prefixes: ['', '~/', '/'], read: (t) => profilePath(t, { h: 'db', d: '~' }) },
  { name: 'ProfileInput', prefixes: [''], read: (t) => ProfileInput.safeParse({ name: t, host: t, user: t, keyPath: `/${t}`, notes: t, groups: [t], serviceHint: t }) },
  { name: 'slugOf', prefixes: ['', 'Prod '], read: slugOf },
  { name: 'parseKnownHosts', prefixes: ['', 'db ssh-ed25519 ', '|1|', '@revoked ', 'db,'], read: (t) => parseKnownHosts(t, '/k') },
];

describe('the other readers of outside text on 100 KB adversarial lines (20 KB quick)', () => {
  for (const reader of OTHER_READERS) {
    it(`${reader.name} reads each long line in under ${PER_INPUT_MS} ms, and 100,000 lines (20,000 quick) in linear time`, async () => {
      failIfAny(await adversarialFailures(reader.prefixes, (text, run) => void run(() => reader.read(text))));
    }, 120_000);
  }

  it(`loadSshConfig reads a config with each long line in under ${PER_INPUT_MS} ms, and 100,000 lines (20,000 quick) in linear time`, async () => {
    const failures: string[] = [];
    const prefixes = ['', 'Host ', 'HostName ', 'ProxyJump ', 'Include ', 'IdentityFile "'];
    const load = (text: string) => loadSshConfig({ home: '/home/fuzz', fs: { readFile: async () => text, readDir: async () => [] } });
    for (const prefix of prefixes) {
      for (const line of ADVERSARIAL_LINES) {
        let best = Infinity;
        for (let attempt = 0; attempt < 5 && best > PER_INPUT_MS; attempt++) {
          const t0 = performance.now();
          const doc = await load(`Host db\n${prefix}${line.text}\n`);
          expect(doc.ok).toBe(true);
          best = Math.min(best, performance.now() - t0);
        }
        if (best > PER_INPUT_MS) failures.push(`${line.name} after ${JSON.stringify(prefix)}: ${best.toFixed(1)} ms`);
      }
      // Every line of such a config is a directive or a Host line whatever the prefix: two prefixes are enough.
      for (const line of prefix === '' || prefix === 'Host ' ? MANY_LINES : []) {
        const why = await linearInLines(load, `Host db\n${prefix}`, line);
        if (why !== null) failures.push(why);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
