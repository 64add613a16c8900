import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosisEvent } from '../../shared/common/schema/events';
import type { ProbeOptions } from '../../shared/common/schema/probe';
import { Report } from '../../shared/common/schema/report';
import { parseTarget } from '../../shared/common/schema/target';
import { startDiagnosis, type RunEnd } from '../../shared/node/session';
import { closedPort, listen, type TestServer } from './loopback';

const options: ProbeOptions = { rounds: 2, timeoutMs: 1000, spacingMs: 0, closeGraceMs: 50 };

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function diagnose(input: string, env: NodeJS.ProcessEnv = {}) {
  const target = parseTarget(input);
  if (!target.ok) throw new Error(target.error.message);
  const events: DiagnosisEvent[] = [];
  const run = startDiagnosis({ runId: 'test-run', input, target: target.value, options, env, onEvent: (e) => events.push(DiagnosisEvent.parse(e)) });
  const end: RunEnd = await run.done;
  if (end.status !== 'finished') throw new Error(`run ended ${end.status}${end.status === 'failed' ? `: ${end.message} ${end.detail}` : ''}`);
  const report = Report.parse(end.report);
  expect(events[0]?.type).toBe('started');
  expect(events.at(-1)).toEqual({ type: 'finished', report: end.report });
  return { report, events, nodes: report.path.map((s) => s.node) };
}

describe('startDiagnosis on loopback (real sockets, real /proc)', () => {
  it('listener on 127.0.0.1 only, probed as [::1]:P -> localhost-resolution-mismatch via the listener table', async () => {
    const s = await listen({ host: '127.0.0.1' });
    servers.push(s);
    const { report, nodes } = await diagnose(`[::1]:${s.port}`);
    expect(report.outcome).toBe('refused');
    expect(report.diagnosis.cause).toBe('localhost-resolution-mismatch');
    expect(report.diagnosis.confidence).toBe('high');
    expect(nodes).toEqual(['T0', 'T1', 'T2', 'T3', 'T4']);
    expect(report.diagnosis.reason).toContain(`127.0.0.1:${s.port}`);
    const listeners = report.evidence.find((e) => e.id === 'local-listeners');
    expect(listeners?.status).toBe('ok');
    expect(listeners?.facts.check === 'local-listeners' && listeners.facts.table.status === 'ok' && listeners.facts.table.listeners.some((l) => l.address === '127.0.0.1' && l.port === s.port)).toBe(true);
    expect(listeners?.raw).toContain('# /proc/net/tcp6');
    expect(s.accepted).toHaveLength(0);
  });

  it('an open port -> not-reproduced, both rounds connected', async () => {
    const s = await listen({ host: '127.0.0.1' });
    servers.push(s);
    const { report, events, nodes } = await diagnose(`127.0.0.1:${s.port}`);
    expect(report.outcome).toBe('connected');
    expect(report.diagnosis.cause).toBe('not-reproduced');
    expect(nodes).toEqual(['T0', 'T1', 'T5']);
    const probes = events.filter((e) => e.type === 'probe');
    expect(probes.map((e) => e.type === 'probe' && [e.attempt.round, e.attempt.status])).toEqual([
      [1, 'connected'],
      [2, 'connected'],
    ]);
    expect(s.accepted).toHaveLength(2);
  });

  it('a closed port -> service-not-running, high confidence', async () => {
    const port = await closedPort('127.0.0.1');
    const { report, nodes, events } = await diagnose(`127.0.0.1:${port}`);
    expect(report.outcome).toBe('refused');
    expect(report.diagnosis).toMatchObject({ cause: 'service-not-running', confidence: 'high' });
    // Live progress: each activity starts before it ends, and the stages without access say why.
    const activities = events.flatMap((e) => (e.type === 'activity' ? [[e.activity.id, e.activity.stage, e.activity.state]] : []));
    expect(activities).toEqual([
      ['dns', 'workstation', 'running'],
      ['dns', 'workstation', 'done'],
      ['probes', 'workstation', 'running'],
      ['probes', 'workstation', 'done'],
      ['local-listeners', 'workstation', 'running'],
      ['local-listeners', 'workstation', 'done'],
      ['login-skipped', 'login', 'skipped'],
      ['server-skipped', 'server', 'skipped'],
      ['decide', 'decide', 'running'],
      ['decide', 'decide', 'done'],
    ]);
    const skipped = events.find((e) => e.type === 'activity' && e.activity.state === 'skipped');
    expect(skipped?.type === 'activity' && skipped.activity.label).toContain('No server access was chosen');
    const probeDone = events.findIndex((e) => e.type === 'activity' && e.activity.id === 'probes' && e.activity.state === 'done');
    expect(events.findLastIndex((e) => e.type === 'probe')).toBeLessThan(probeDone);
    expect(nodes).toEqual(['T0', 'T1', 'T2', 'T3', 'T4']);
    expect(report.diagnosis.explanation).toContain(`port ${port}`);
    expect(report.evidence.map((e) => e.id)).toEqual(['proxy-env', 'dns', 'tcp-probe', 'local-listeners']);
    const probe = report.evidence.find((e) => e.id === 'tcp-probe');
    expect(probe?.facts.check === 'tcp-probe' && probe.facts.attempts.map((a) => a.errno)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('no-such-host.invalid:80 -> dns-failure, nothing probed', async () => {
    const { report, events, nodes } = await diagnose('no-such-host.invalid:80');
    expect(report.outcome).toBe('dns-failure');
    expect(report.diagnosis).toMatchObject({ cause: 'dns-failure', confidence: 'high' });
    expect(nodes).toEqual(['T0']);
    expect(events.some((e) => e.type === 'probe')).toBe(false);
    const lookup = events.filter((e) => e.type === 'activity' && e.activity.id === 'dns').at(-1);
    expect(lookup?.type === 'activity' && [lookup.activity.state, lookup.activity.label]).toEqual(['failed', expect.stringMatching(/^no-such-host\.invalid did not resolve \([A-Z_]+\)$/)]);
    expect(events.some((e) => e.type === 'activity' && e.activity.stage === 'server' && e.activity.label.startsWith('Not run: the name did not resolve'))).toBe(true);
    expect(report.evidence.map((e) => e.id)).toEqual(['proxy-env', 'dns']);
  });

  it('uses the env it is given for proxy settings, never leaking credentials', async () => {
    const port = await closedPort('127.0.0.1');
    const { report } = await diagnose(`127.0.0.1:${port}`, { ALL_PROXY: 'socks5://bob:hunter2@proxy.invalid:1080' });
    const proxy = report.evidence.find((e) => e.id === 'proxy-env');
    expect(proxy?.summary).toContain('ALL_PROXY=socks5://proxy.invalid:1080');
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('a v6only listener on [::]:P refuses 127.0.0.1:P: not blamed on this computer', async () => {
    // /proc/net/tcp6 cannot tell a v6only `::` from a dual-stack one (catalog §2.3 rule 5, A5), so a
    // refused IPv4 connect next to a `::` listener is the A5 situation, not a local firewall (A6).
    const s = await listen({ host: '::', ipv6Only: true });
    servers.push(s);
    const { report } = await diagnose(`127.0.0.1:${s.port}`);
    expect(report.outcome).toBe('refused');
    expect(report.diagnosis.cause).not.toBe('client-local-block');
    expect([report.diagnosis.cause, ...report.diagnosis.candidates.map((c) => c.id)]).toContain('v6only-listener-ipv4-refused');
  });
});
