import { describe, expect, it } from 'vitest';
import { ansiStyle, plainStyle, renderReportText } from '../../../shared/common/report/text';
import { Report } from '../../../shared/common/schema/report';
import { addr, facts, listenerTable, reportFrom, resolved, rounds } from '../tree/factories';

const ESC = '\u001b';
// Matching terminal escapes is the point of these tests.
/* eslint-disable no-control-regex */

const notRunning = Report.parse(
  reportFrom(facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), rounds('127.0.0.1', 'refused', 'refused'), { localListeners: listenerTable() })),
);
const inconclusiveV6 = Report.parse(
  reportFrom(
    facts('[2001:db8::10]:443', resolved('2001:db8::10', [addr('2001:db8::10', { sources: ['literal'] })]), rounds('2001:db8::10', 'refused', 'refused')),
    'https://[2001:db8::10]/',
  ),
);

describe('renderReportText', () => {
  it('plain style has no ESC anywhere; ansi style has SGR sequences', () => {
    for (const report of [notRunning, inconclusiveV6]) {
      expect(renderReportText(report, plainStyle)).not.toContain(ESC);
      expect(renderReportText(report)).not.toContain(ESC);
      expect(renderReportText(report, ansiStyle)).toMatch(/\u001b\[1m.*\u001b\[0m/);
    }
  });

  it('ansi and plain differ only by the escape sequences', () => {
    const stripped = renderReportText(notRunning, ansiStyle).replace(/\u001b\[[0-9;]*m/g, '');
    expect(stripped).toBe(renderReportText(notRunning, plainStyle));
  });

  it('shows target, outcome, cause, every path step and the remediation commands', () => {
    const text = renderReportText(notRunning, plainStyle);
    const lines = text.split('\n');
    expect(lines[0]).toBe('127.0.0.1:5432  outcome: refused');
    expect(text).toContain('Diagnosis: Nothing is listening: the service is not running (service-not-running, high confidence)');
    for (const step of notRunning.path) expect(text).toContain(`${step.node.padEnd(4)} ${step.title} → ${step.next}`);
    expect(text).toContain("Linux: ss -Htlnp 'sport = :5432'");
    expect(text).toContain('Verify: Run `portwise diagnose 127.0.0.1:5432` again');
    expect(text).not.toContain('Missing evidence:');
    expect(text).not.toContain('Possible causes:');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('an inconclusive report lists missing evidence and candidate causes, IPv6 in brackets', () => {
    const text = renderReportText(inconclusiveV6, plainStyle);
    expect(text.split('\n')[0]).toBe('[2001:db8::10]:443  outcome: refused');
    expect(text).toContain('(inconclusive)');
    expect(text).toContain('Missing evidence:');
    for (const m of inconclusiveV6.diagnosis.missing) expect(text).toContain(`  - ${m}`);
    expect(text).toContain('Possible causes:');
    for (const c of inconclusiveV6.diagnosis.candidates) expect(text).toContain(`  - ${c.title} (${c.id})`);
  });

  it('wraps prose at 78 columns', () => {
    const text = renderReportText(inconclusiveV6, plainStyle);
    const prose = text.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  -') && !/^\s+(Linux|macOS|Windows|Any):/.test(l) && !/^ {7}/.test(l));
    expect(prose.length).toBeGreaterThan(3);
    for (const l of prose) if (l.trim().includes(' ')) expect(l.length, l).toBeLessThanOrEqual(78);
  });
});
