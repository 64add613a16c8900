import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parseHostsFile, hostsFileAddresses } from '../../shared/common/parsers/hosts-file';
import { parseProcNetTcp } from '../../shared/common/parsers/proc-net-tcp';
import { parsePortList } from '../../shared/common/parsers/iptables-save';
import { parseUfwStatus, withoutTrailingGroup } from '../../shared/common/parsers/ufw-status';
import { Target, parseTarget } from '../../shared/common/schema/target';
import { parserInput } from './arbitraries';
import { fuzzParams, propertyTimeout, withinBudget } from './budget';
import { PARSERS } from './parser-table';
import { parseUfwStatus as parseUfwStatusByRegex } from './reference/ufw-status-regex';

vi.setConfig({ testTimeout: propertyTimeout });

const timed = <T>(fn: () => T): T => withinBudget(fn);

// Inputs that look like what the parsers expect, so the fuzzer reaches past the first check.
const targetish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.tuple(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.ipV6()), fc.oneof(fc.integer({ min: -5, max: 70_000 }).map(String), fc.string({ maxLength: 8 }))).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.constantFrom('http', 'https', 'postgres', 'redis', 'zz'), fc.string({ maxLength: 60 })).map(([s, r]) => `${s}://${r}`),
  fc.string({ unit: fc.constantFrom(':', '[', ']', '.', '0', 'f', 'a', '%', ' ', '/', '@'), maxLength: 2500 }),
);

describe('parseTarget', () => {
  it('returns a valid Target or a typed error, never throws, fast', () => {
    fc.assert(
      fc.property(targetish, (input) => {
        const result = timed(() => parseTarget(input));
        if (result.ok) {
          expect(Target.safeParse(result.value).success).toBe(true);
          // Whatever it accepts, it accepts again in its own printed form.
          const again = parseTarget(result.value.hostKind === 'ipv6' ? `[${result.value.host}]:${result.value.port}` : `${result.value.host}:${result.value.port}`);
          expect(again).toEqual(result);
        } else {
          expect(result.error.message.length).toBeGreaterThan(0);
          expect(result.error.message).not.toContain('\n');
        }
      }),
      fuzzParams,
    );
  });
});

const hexWord = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: n, maxLength: n });
const procLine = fc
  .tuple(fc.nat(9999), hexWord(8), hexWord(4), hexWord(8), hexWord(4), hexWord(2), fc.nat(70000), fc.nat(999999))
  .map(([sl, la, lp, ra, rp, st, uid, ino]) => `  ${sl}: ${la}:${lp} ${ra}:${rp} ${st} 00000000:00000000 00:00000000 00000000 ${uid} 0 ${ino} 1 0000000000000000 100 0 0 10 0`);
const procText = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.array(fc.oneof(procLine, fc.string({ maxLength: 200 })), { maxLength: 50 }).map((lines) => ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode', ...lines].join('\n')),
);

describe('parseProcNetTcp', () => {
  it('returns sockets or a typed error, never throws, fast', () => {
    fc.assert(
      fc.property(procText, fc.constantFrom('little', 'big' as const), (text, endianness) => {
        const result = timed(() => parseProcNetTcp(text, endianness));
        if (result.ok) for (const s of result.value) expect(s.localPort).toBeLessThanOrEqual(0xffff);
        else expect(['not-proc-net-tcp', 'bad-line']).toContain(result.error.code);
      }),
      fuzzParams,
    );
  });
});

describe('parseHostsFile', () => {
  it('never throws and only returns entries with names', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.domain(), (text, name) => {
        const entries = timed(() => parseHostsFile(text));
        for (const e of entries) expect(e.names.length).toBeGreaterThan(0);
        expect(Array.isArray(hostsFileAddresses(entries, name))).toBe(true);
      }),
      fuzzParams,
    );
  });

  it('survives one very long adversarial line', () => {
    const line = `${'1.'.repeat(20_000)} ${'a'.repeat(50_000)}\t${'#'.repeat(10)}`;
    expect(() => timed(() => parseHostsFile(line))).not.toThrow();
  });
});

// Every parser of remote or pasted output (parser-table.ts): random text, binary, and real output
// cut, spliced and mixed with the format's own words. Each call is timed against the 50 ms rule.
describe('every parser: a typed result or a typed error, never a throw, within 50 ms', () => {
  for (const parser of PARSERS) {
    it(`${parser.name} on near-valid input`, () => {
      fc.assert(
        fc.property(parserInput(parser.seeds, parser.vocab), (text) => parser.check(text, (fn) => withinBudget(fn))),
        fuzzParams,
      );
    });
  }
});

// Two rewrites made for speed (issue 9) must give what the expressions they replaced gave.
const portListText = fc.array(fc.oneof(fc.integer({ min: 0, max: 99_999 }).map(String), fc.constantFrom(':', ' ', '', 'ssh', '-', '00080'), fc.tuple(fc.option(fc.integer({ min: 0, max: 99_999 })), fc.option(fc.integer({ min: 0, max: 99_999 }))).map(([a, b]) => `${a ?? ''}:${b ?? ''}`)), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(','));

/** parsePortList as it was, with the range check its `:N` branch lacked, and repeats dropped. */
function referencePortList(value: string): [number, number][] | null {
  const out: [number, number][] = [];
  for (const part of value.split(',')) {
    const m = /^(\d{1,5})(?::(\d{1,5})?)?$/.exec(part.trim());
    let range: [number, number];
    if (!m) {
      const open = /^:(\d{1,5})$/.exec(part.trim());
      if (!open) return null;
      range = [0, Number(open[1])];
    } else {
      const lo = Number(m[1]);
      const hi = m[2] !== undefined ? Number(m[2]) : part.includes(':') ? 65535 : lo;
      range = lo <= hi ? [lo, hi] : [hi, lo];
    }
    if (range[1] > 65535) return null;
    if (!out.some(([a, b]) => a === range[0] && b === range[1])) out.push(range);
  }
  return out.length > 0 ? out : null;
}

describe('parsePortList', () => {
  it('reads a port list as the regular expressions did, and never a port past 65535', () => {
    fc.assert(
      fc.property(portListText, (text) => {
        const ranges = parsePortList(text);
        expect(ranges).toEqual(referencePortList(text));
        for (const [a, b] of ranges ?? []) expect(0 <= a && a <= b && b <= 65535).toBe(true);
      }),
      fuzzParams,
    );
  });

  it('refuses ":99999" instead of returning the range 0-99999', () => {
    expect(parsePortList(':99999')).toBeNull();
    expect(parsePortList(':1023')).toEqual([[0, 1023]]);
  });
});

describe('withoutTrailingGroup', () => {
  it('drops a last (...) group exactly as /\\s*\\([^)]*\\)$/ did', () => {
    const text = fc.string({ unit: fc.constantFrom('(', ')', ' ', '\t', 'a', '2', '/', 'v', '6'), maxLength: 30 });
    fc.assert(
      fc.property(text, (t) => {
        expect(withoutTrailingGroup(t)).toBe(t.replace(/\s*\([^)]*\)$/, ''));
      }),
      fuzzParams,
    );
  });
});

describe('parseUfwStatus', () => {
  it('reads short lines as the single expression it replaced did', () => {
    const ufw = PARSERS.find((p) => p.name === 'parseUfwStatus')!;
    // Short lines, and no \r, \u2028 or \u2029 inside a line: the old expression's `.` did not
    // match those, so it refused a column holding one; the new split keeps it (both are junk).
    const short = parserInput(ufw.seeds, ufw.vocab).map((t) => `Status: active\n\nTo Action From\n-- ------ ----\n${t}`.split('\n').map((l) => l.slice(0, 120).replace(/[\r\u2028\u2029](?!$)/g, ' ')).join('\n'));
    fc.assert(
      fc.property(short, (text) => {
        expect(parseUfwStatus(text)).toEqual(parseUfwStatusByRegex(text));
      }),
      fuzzParams,
    );
  });
});
