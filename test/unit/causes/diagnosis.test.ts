import { describe, expect, it } from 'vitest';
import { causeIndex, causeSummary, isCauseId } from '../../../shared/common/causes/catalog';
import { causeDefinitions, fillPlaceholders, type VerdictCauseId } from '../../../shared/common/causes/definitions';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import { Diagnosis } from '../../../shared/common/schema/report';
import type { Verdict } from '../../../shared/common/tree/evaluate';
import { target } from '../tree/factories';

const verdictIds = Object.keys(causeDefinitions) as VerdictCauseId[];

describe('cause catalog', () => {
  it('has the 40 catalog entries with refs A1..D6, unique ids, and the extra leaves', () => {
    const ids = causeIndex.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(causeIndex.filter((c) => c.ref !== null)).toHaveLength(40);
    for (const extra of ['not-reproduced', 'timeout-filtered', 'firewall-drop', 'host-firewall-suspected', 'dns-failure', 'inconclusive']) expect(isCauseId(extra)).toBe(true);
    expect(isCauseId('no-such-cause')).toBe(false);
    expect(() => causeSummary('no-such-cause' as never)).toThrow();
  });

  it('every definition is keyed by its own catalog id', () => {
    for (const id of verdictIds) {
      expect(isCauseId(id), id).toBe(true);
      expect(causeDefinitions[id].id).toBe(id);
    }
  });
});

describe('buildDiagnosis', () => {
  const t = target('db.example.com:6543');

  it.each(verdictIds)('%s: fills {host}/{port} everywhere and passes the Diagnosis schema', (cause) => {
    const verdict: Verdict = {
      cause,
      confidence: cause === 'inconclusive' ? 'low' : 'high',
      reason: 'Because the test says so.',
      missing: cause === 'inconclusive' ? ['the server listener table'] : [],
      candidates: cause === 'inconclusive' ? ['service-not-running', 'iptables-reject'] : [],
    };
    const d = buildDiagnosis(verdict, t);
    expect(Diagnosis.parse(d)).toEqual(d);
    const json = JSON.stringify(d);
    expect(json).not.toMatch(/\{host\}|\{port\}/);
    expect(d).toMatchObject({ cause, confidence: verdict.confidence, reason: verdict.reason, title: causeSummary(cause).title, missing: verdict.missing });
    expect(d.summary).toBe(`${causeSummary(cause).title}. Because the test says so.`);
    expect(d.remediation.length).toBeGreaterThan(0);
    expect(d.candidates).toEqual(verdict.candidates.map((id) => ({ id, title: causeSummary(id).title })));
  });

  it('puts the real host and port into the text and commands', () => {
    const notRunning = buildDiagnosis({ cause: 'service-not-running', confidence: 'high', reason: 'r', missing: [], candidates: [] }, t);
    expect(notRunning.explanation).toContain('port 6543');
    expect(notRunning.remediation.flatMap((s) => s.commands.map((c) => c.command))).toContain("ss -Htlnp 'sport = :6543'");
    expect(notRunning.verify).toContain('portwise diagnose db.example.com:6543');
    const dns = buildDiagnosis({ cause: 'dns-failure', confidence: 'high', reason: 'r', missing: [], candidates: [] }, t);
    expect(dns.explanation).toContain('"db.example.com"');
    expect(dns.remediation[0]?.commands.map((c) => c.command)).toContain('Resolve-DnsName db.example.com');
  });

  it('fillPlaceholders replaces every occurrence', () => {
    expect(fillPlaceholders('{host}:{port} {host}/{port}', { host: 'h', port: 1 })).toBe('h:1 h/1');
  });
});
