import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffSnapshots, whoRefused } from '../../../shared/common/firewall/counters';
import { parseFirewallCmdListAll } from '../../../shared/common/parsers/firewall-cmd';
import { parseIptablesSave } from '../../../shared/common/parsers/iptables-save';
import { parseNftJson } from '../../../shared/common/parsers/nft-json';
import { parseUfwStatus } from '../../../shared/common/parsers/ufw-status';
import { FirewallSnapshot } from '../../../shared/common/schema/firewall';
import { PER_INPUT_MS, fuzzParams, withinBudget } from '../../fuzz/budget';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/${name}`, import.meta.url), 'utf8');

// Damage a real fixture: cut it, drop or duplicate lines, splice in characters the formats care about.
const special = fc.constantFrom('"', '\\', '[', ']', ':', '{', '}', ',', '-', ' ', '\t', '\n', '!', '#', '(', ')', '0', '@', '/');
function mutated(text: string) {
  const lines = text.split('\n');
  return fc.oneof(
    fc.nat(text.length).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat(lines.length), fc.nat(lines.length)).map(([a, b]) => [...lines.slice(0, a), ...lines.slice(b)].join('\n')),
    fc.tuple(fc.nat(lines.length - 1), fc.nat(3)).map(([a, k]) => [...lines.slice(0, a + 1), ...Array<string>(k).fill(lines[a] ?? ''), ...lines.slice(a + 1)].join('\n')),
    fc.tuple(fc.nat(text.length), fc.string({ unit: special, maxLength: 6 })).map(([at, s]) => text.slice(0, at) + s + text.slice(at)),
  );
}

// Whole real rule sets: four times the per-input budget, timed again once when over it.
const timed = <T>(fn: () => T): T => withinBudget(fn, PER_INPUT_MS * 4);

describe('firewall parsers on damaged real output: a Result every time, never a throw', () => {
  it('parseIptablesSave', () => {
    const text = fixture('iptables-save/sequence/10-1x-8089-legacy-reject/iptables-nft-save-c.txt');
    fc.assert(fc.property(mutated(text), (input) => {
      const r = timed(() => parseIptablesSave(input, 'iptables-nft'));
      if (r.ok) expect(FirewallSnapshot.safeParse(r.value).success).toBe(true);
      else expect(r.error.message).not.toBe('');
    }), fuzzParams);
  });

  it('parseNftJson', () => {
    const text = fixture('nft-json/sequence/08-1x-8098-ip-table-bare-reject/nft-j-list-ruleset.json');
    fc.assert(fc.property(mutated(text), (input) => {
      const r = timed(() => parseNftJson(input));
      if (r.ok) expect(FirewallSnapshot.safeParse(r.value).success).toBe(true);
      else expect(r.error.message).not.toBe('');
    }), fuzzParams);
  });

  it('parseUfwStatus and parseFirewallCmdListAll', () => {
    const ufw = fixture('ufw/status-numbered-active.txt');
    const zones = fixture('firewalld/list-all-zones.txt');
    fc.assert(fc.property(mutated(ufw), mutated(zones), (a, b) => {
      const u = timed(() => parseUfwStatus(a));
      const z = timed(() => parseFirewallCmdListAll(b));
      expect(typeof u.ok).toBe('boolean');
      expect(typeof z.ok).toBe('boolean');
    }), fuzzParams);
  });

  it('diffSnapshots / whoRefused on any pair of parsed variants', () => {
    const before = fixture('iptables-save/sequence/01-idle/iptables-nft-save-c.txt');
    const after = fixture('iptables-save/sequence/02-3x-8082-tcp-reset/iptables-nft-save-c.txt');
    fc.assert(fc.property(mutated(before), mutated(after), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 65535 }), (a, b, probes, port) => {
      const pa = parseIptablesSave(a, 'iptables-nft');
      const pb = parseIptablesSave(b, 'iptables-nft');
      if (!pa.ok || !pb.ok) return;
      const c = whoRefused(diffSnapshots([pa.value], [pb.value]), { probes, port, family: 4 });
      for (const r of c.rules) expect(r.delta).toBeGreaterThanOrEqual(probes);
    }), { numRuns: Math.min(fuzzParams.numRuns ?? 500, 500) });
  });
});
