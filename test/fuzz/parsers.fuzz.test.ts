import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHostsFile, hostsFileAddresses } from '../../shared/common/parsers/hosts-file';
import { parseProcNetTcp } from '../../shared/common/parsers/proc-net-tcp';
import { Target, parseTarget } from '../../shared/common/schema/target';
import { fuzzParams, withinBudget } from './budget';

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
