import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffSnapshots, stableRuleText, whoRefused, type Culprit } from '../../../shared/common/firewall/counters';
import { parseIptablesSave, type IptablesSource } from '../../../shared/common/parsers/iptables-save';
import { parseNftJson } from '../../../shared/common/parsers/nft-json';
import type { FirewallSnapshot } from '../../../shared/common/schema/firewall';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/${name}`, import.meta.url), 'utf8');

function ipt(name: string, source: IptablesSource): FirewallSnapshot {
  const r = parseIptablesSave(fixture(name), source);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
function nft(name: string): FirewallSnapshot {
  const r = parseNftJson(fixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** iptables lab (iptables-save/capture.sh): the three rule sets the tool reads, at one step. */
const iptStep = (step: string) => [
  ipt(`iptables-save/sequence/${step}/iptables-nft-save-c.txt`, 'iptables-nft'),
  ipt(`iptables-save/sequence/${step}/ip6tables-nft-save-c.txt`, 'ip6tables-nft'),
  ipt(`iptables-save/sequence/${step}/iptables-legacy-save-c.txt`, 'iptables-legacy'),
];
const nftStep = (step: string) => [nft(`nft-json/sequence/${step}/nft-j-list-ruleset.json`)];
const ufwStep = (step: string) => [
  ipt(`ufw/sequence/${step}/iptables-save-c.txt`, 'iptables-nft'),
  ipt(`ufw/sequence/${step}/ip6tables-save-c.txt`, 'ip6tables-nft'),
];
const show = (c: Culprit) => [c.source, c.table, c.chain, c.index, c.delta, c.rule.action, c.exact, c.tier];

describe('diffSnapshots on real snapshots', () => {
  it('idle interval: every rule pairs by position and nothing moved', () => {
    const diff = diffSnapshots(iptStep('00-initial'), iptStep('01-idle'));
    expect(diff.rules).toHaveLength(24 + 3);
    expect(diff.rules.every((d) => d.pairing === 'position' && d.packets === 0 && !d.reset)).toBe(true);
    expect(diff.chains.every((c) => c.packets === 0)).toBe(true);
    expect([diff.unmatchedBefore, diff.unmatchedAfter, diff.sourcesOnlyBefore, diff.sourcesOnlyAfter]).toEqual([[], [], [], []]);
  });

  it('3 probes to a tcp-reset REJECT: exactly the rules on the path moved, by 3', () => {
    const diff = diffSnapshots(iptStep('01-idle'), iptStep('02-3x-8082-tcp-reset'));
    expect(diff.rules.filter((d) => d.packets !== 0).map((d) => [d.table, d.chain, d.index, d.packets, d.bytes])).toEqual([
      ['filter', 'INPUT', 3, 3, 180],
      ['filter', 'INPUT', 4, 3, 180],
      ['filter', 'INPUT', 7, 3, 180],
      ['nat', 'PREROUTING', 1, 3, 180],
    ]);
  });

  it('a rule inserted between the snapshots: the others pair by unique text (moved), the new one is unmatched', () => {
    const diff = diffSnapshots(iptStep('10-1x-8089-legacy-reject'), iptStep('11-rule-inserted-then-3x-8082'));
    expect(diff.unmatchedBefore).toEqual([]);
    expect(diff.unmatchedAfter.map((r) => r.text)).toEqual(['-A INPUT -p tcp -m tcp --dport 7000 -j ACCEPT']);
    const moved = diff.rules.filter((d) => d.pairing === 'moved');
    expect(moved.map((d) => `${d.before.index}->${d.index}`)).toEqual(Array.from({ length: 15 }, (_, i) => `${i + 1}->${i + 2}`));
    expect(moved.find((d) => d.text.includes('--dport 8082 -j REJECT'))).toMatchObject({ packets: 3, bytes: 180 });
  });

  it('counters that went down (snapshots in the wrong order, or iptables -Z) are flagged, not negative', () => {
    const diff = diffSnapshots(iptStep('02-3x-8082-tcp-reset'), iptStep('01-idle'));
    const reject = diff.rules.find((d) => d.chain === 'INPUT' && d.index === 7 && d.source === 'iptables-nft');
    expect(reject).toMatchObject({ reset: true, packets: null, bytes: null });
  });

  it('nft: the same rule reads the same before and after once counter values are set aside', () => {
    expect(stableRuleText('tcp dport 8082 counter packets 5 bytes 340 reject with tcp reset')).toBe('tcp dport 8082 counter reject with tcp reset');
    const diff = diffSnapshots(nftStep('00-initial'), nftStep('01-3x-8082-tcp-reset'));
    expect(diff.unmatchedAfter).toEqual([]);
    expect(diff.rules).toHaveLength(28);
    expect(diff.rules.filter((d) => d.packets !== 0 && d.packets !== null).map((d) => [d.table, d.chain, d.index, d.packets])).toEqual([
      ['labfw', 'input', 4, 3],
    ]);
  });
});

describe('whoRefused on real before/after pairs (iptables-nft, ip6tables-nft, iptables-legacy)', () => {
  const corr = (from: string, to: string, probe: Parameters<typeof whoRefused>[1]) => whoRefused(diffSnapshots(iptStep(from), iptStep(to)), probe);

  it('N=3 probes to port 8082: the INPUT REJECT --reject-with tcp-reset, delta 3, exact', () => {
    const c = corr('01-idle', '02-3x-8082-tcp-reset', { probes: 3, port: 8082, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'filter', 'INPUT', 7, 3, 'reject', true, 0]]);
    expect(c.rules[0]).toMatchObject({ text: '-A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset', rule: { rejectWith: 'tcp-reset' } });
    expect([c.policies, c.outsideWindow, c.uncounted, c.unpaired, c.notes]).toEqual([[], [], [], [], []]);
  });

  it('idle interval: nobody', () => {
    const c = corr('00-initial', '01-idle', { probes: 1, port: 8082, family: 4 });
    expect([c.rules, c.policies]).toEqual([[], []]);
  });

  it('kube-proxy "has no endpoints" REJECT in KUBE-EXTERNAL-SERVICES (reached by a jump from INPUT)', () => {
    const c = corr('02-3x-8082-tcp-reset', '03-2x-30080-kube-no-endpoints', { probes: 2, port: 30080, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'filter', 'KUBE-EXTERNAL-SERVICES', 1, 2, 'reject', true, 0]]);
    expect(c.rules[0]?.rule.comment).toBe('default/web:http has no endpoints');
  });

  it('DNAT to a backend port with nothing listening: the nat rule, tier 1', () => {
    const c = corr('03-2x-30080-kube-no-endpoints', '04-1x-8087-dnat-dead-backend', { probes: 1, port: 8087, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'nat', 'LAB-DOCKER', 1, 1, 'dnat', true, 1]]);
    expect(c.rules[0]?.rule.target).toBe('198.18.10.2:8088');
  });

  it('no rule for the port, INPUT policy DROP: no rule, the policy counter rose (2 SYNs: one retransmit)', () => {
    const c = corr('04-1x-8087-dnat-dead-backend', '05-1x-8099-policy-drop', { probes: 1, port: 8099, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.policies).toEqual([{ source: 'iptables-nft', family: 'ip', table: 'filter', chain: 'INPUT', policy: 'DROP', delta: 2, inWindow: true }]);
    const tight = corr('04-1x-8087-dnat-dead-backend', '05-1x-8099-policy-drop', { probes: 1, port: 8099, family: 4, slack: 0 });
    expect(tight.policies[0]?.inWindow).toBe(false);
  });

  it('IPv6: ip6tables icmp6-adm-prohibited over 8000:9999 (2 probes counted 4: within the default slack, not exact)', () => {
    const c = corr('05-1x-8099-policy-drop', '06-2x-v6-8085-adm-prohibited', { probes: 2, port: 8085, family: 6 });
    expect(c.rules.map(show)).toEqual([['ip6tables-nft', 'filter', 'INPUT', 3, 4, 'reject', false, 0]]);
    expect(c.rules[0]?.rule.rejectWith).toBe('icmp6-adm-prohibited');
    expect(corr('05-1x-8099-policy-drop', '06-2x-v6-8085-adm-prohibited', { probes: 2, port: 8085, family: 6, slack: 1 }).outsideWindow.map(show)).toEqual([
      ['ip6tables-nft', 'filter', 'INPUT', 3, 4, 'reject', false, 0],
    ]);
    // The same deltas asked about IPv4 name nobody.
    expect(corr('05-1x-8099-policy-drop', '06-2x-v6-8085-adm-prohibited', { probes: 2, port: 8085, family: 4 }).rules).toEqual([]);
  });

  it('fail2ban f2b-sshd ban, narrowed by the client address when it is known', () => {
    const c = corr('06-2x-v6-8085-adm-prohibited', '07-1x-22-f2b-ban', { probes: 1, port: 22, family: 4, source: '198.18.10.1' });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'filter', 'f2b-sshd', 1, 1, 'reject', true, 0]]);
    expect(corr('06-2x-v6-8085-adm-prohibited', '07-1x-22-f2b-ban', { probes: 1, port: 22, family: 4, source: '198.18.10.77' }).rules).toEqual([]);
  });

  it('an accepted probe names nobody', () => {
    const c = corr('07-1x-22-f2b-ban', '08-1x-8084-accepted', { probes: 1, port: 8084, family: 4 });
    expect([c.rules, c.policies, c.outsideWindow]).toEqual([[], [], []]);
  });

  it('mixed backends: the REJECT that only iptables-legacy holds is found; the nft ACCEPT for 8089 did not count', () => {
    const c = corr('09-legacy-rule-added-idle', '10-1x-8089-legacy-reject', { probes: 1, port: 8089, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-legacy', 'filter', 'INPUT', 1, 1, 'reject', true, 0]]);
  });

  it('rule set changed between snapshots: the moved REJECT is still named', () => {
    const c = corr('10-1x-8089-legacy-reject', '11-rule-inserted-then-3x-8082', { probes: 3, port: 8082, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'filter', 'INPUT', 8, 3, 'reject', true, 0]]);
    expect(c.unpaired).toEqual([]);
  });

  it('a rule set listed on one side only is reported', () => {
    const before = iptStep('01-idle');
    const c = whoRefused(diffSnapshots(before, before.slice(0, 1)), { probes: 1, port: 8082, family: 4 });
    expect(c.notes).toEqual(['Rule sets listed on one side only: ip6tables-nft, iptables-legacy.']);
  });

  it('iptables-save without -c cannot be correlated, and says so', () => {
    const plain = ipt('iptables-save/filter-nat-nft-no-counters.txt', 'iptables-nft');
    const c = whoRefused(diffSnapshots([plain], [plain]), { probes: 1, port: 8082, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.uncounted.map((r) => `${r.chain}#${r.index}`)).toEqual(['INPUT#8', 'LAB-GOTO#1', 'LAB-WEB#2', 'f2b-sshd#1']);
    expect(c.notes[0]).toBe('4 matching reject/drop/DNAT rules have no counter (nft rule without "counter", or iptables-save without -c): they cannot be correlated.');
  });
});

describe('whoRefused on native nftables pairs', () => {
  const corr = (from: string, to: string, probe: Parameters<typeof whoRefused>[1]) => whoRefused(diffSnapshots(nftStep(from), nftStep(to)), probe);

  it('N=3 to "tcp dport 8082 counter reject with tcp reset"', () => {
    const c = corr('00-initial', '01-3x-8082-tcp-reset', { probes: 3, port: 8082, family: 4 });
    expect(c.rules.map(show)).toEqual([['nft', 'labfw', 'input', 4, 3, 'reject', true, 0]]);
    expect(c.rules[0]?.text).toBe('tcp dport 8082 counter packets 3 bytes 180 reject with tcp reset');
    expect(c.notes).toEqual(['nft base chains have no policy counters: a drop policy in nft cannot be seen moving.']);
  });

  it('icmpx admin-prohibited, DNAT, IPv6, named set, second table, ip-family bare reject', () => {
    expect(corr('01-3x-8082-tcp-reset', '02-2x-8086-icmpx-admin-prohibited', { probes: 2, port: 8086, family: 4 }).rules.map(show)).toEqual([
      ['nft', 'labfw', 'input', 6, 2, 'reject', true, 0],
    ]);
    expect(corr('02-2x-8086-icmpx-admin-prohibited', '03-1x-8087-dnat-dead-backend', { probes: 1, port: 8087, family: 4 }).rules.map(show)).toEqual([
      ['nft', 'labnat', 'prerouting', 1, 1, 'dnat', true, 1],
    ]);
    expect(corr('03-1x-8087-dnat-dead-backend', '04-2x-v6-8082-tcp-reset', { probes: 2, port: 8082, family: 6 }).rules.map(show)).toEqual([
      ['nft', 'labfw', 'input', 4, 2, 'reject', true, 0],
    ]);
    expect(corr('04-2x-v6-8082-tcp-reset', '05-1x-7001-named-set', { probes: 1, port: 7001, family: 4 }).rules.map((c) => c.text)).toEqual([
      'tcp dport @blocked_ports counter packets 1 bytes 60 reject with tcp reset comment "blocked by set"',
    ]);
    expect(corr('06-1x-8094-rule-without-counter', '07-1x-8096-second-table', { probes: 1, port: 8096, family: 4 }).rules.map(show)).toEqual([
      ['nft', 'labfw2', 'input', 1, 1, 'reject', true, 0],
    ]);
    expect(corr('07-1x-8096-second-table', '08-1x-8098-ip-table-bare-reject', { probes: 1, port: 8098, family: 4 }).rules.map((c) => [c.table, c.text])).toEqual([
      ['labip', 'tcp dport 8098 counter packets 1 bytes 60 reject'],
    ]);
  });

  it('a reject rule without a counter statement: refused for real, but not correlatable', () => {
    const c = corr('05-1x-7001-named-set', '06-1x-8094-rule-without-counter', { probes: 1, port: 8094, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.uncounted.map((r) => r.text)).toEqual(['tcp dport 8094 reject with tcp reset']);
    expect(c.notes[0]).toMatch(/^1 matching reject\/drop\/DNAT rule has no counter/);
  });
});

describe('whoRefused on ufw and firewalld', () => {
  it('ufw reject: the rule in ufw-user-input', () => {
    const c = whoRefused(diffSnapshots(ufwStep('00-initial'), ufwStep('01-3x-8082-ufw-reject')), { probes: 3, port: 8082, family: 4 });
    expect(c.rules.map(show)).toEqual([['iptables-nft', 'filter', 'ufw-user-input', 3, 3, 'reject', true, 0]]);
  });

  it('ufw limit: 8 attempts, the last 3 rejected by ufw-user-limit, outside the window (intermittent)', () => {
    const c = whoRefused(diffSnapshots(ufwStep('02-2x-v6-8086-ufw-reject-any-proto'), ufwStep('03-8x-22-ufw-limit')), { probes: 8, port: 22, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.outsideWindow.map(show)).toEqual([['iptables-nft', 'filter', 'ufw-user-limit', 2, 3, 'reject', false, 0]]);
  });

  it('ufw default deny: the INPUT DROP policy moved', () => {
    const c = whoRefused(diffSnapshots(ufwStep('03-8x-22-ufw-limit'), ufwStep('04-1x-8080-default-deny')), { probes: 1, port: 8080, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.policies).toEqual([{ source: 'iptables-nft', family: 'ip', table: 'filter', chain: 'INPUT', policy: 'DROP', delta: 2, inWindow: true }]);
  });

  it('firewalld (nft backend): no counters at all, so only the caveat and the candidate rules', () => {
    const before = [nft('firewalld/sequence/00-initial/nft-j-list-ruleset.json')];
    const after = [nft('firewalld/sequence/01-2x-8086-not-opened/nft-j-list-ruleset.json')];
    const c = whoRefused(diffSnapshots(before, after), { probes: 2, port: 8086, family: 4 });
    expect(c.rules).toEqual([]);
    expect(c.uncounted.map((r) => `${r.chain}: ${r.text}`)).toContain('filter_INPUT: reject with icmpx admin-prohibited');
    expect(c.notes[0]).toMatch(/rules have no counter/);
  });
});
