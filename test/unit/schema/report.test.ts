import { describe, expect, it } from 'vitest';
import { Report, SshFailureDetail, type Evidence } from '../../../shared/common/schema/report';
import { addr, facts, reportFrom, resolved, rounds } from '../tree/factories';

// A report with a failed SSH login, as the JSON the CLI wrote before the failure had fields.
function oldReport(): unknown {
  const base = reportFrom(facts('192.0.2.10:5432', resolved('192.0.2.10', [addr('192.0.2.10', { sources: ['literal'] })]), rounds('192.0.2.10', 'refused', 'refused')));
  const login: Evidence = {
    id: 'ssh-login',
    where: 'workstation',
    command: 'ssh -J me@bastion:22 alice@192.0.2.10:22',
    startedAt: '2025-01-01T00:00:00.500Z',
    ms: 12,
    status: 'error',
    summary: 'target host 2 of 2, alice@192.0.2.10:22: the host key has CHANGED. ...',
    raw: 'known_hosts lookup: changed',
    origin: 'collected',
    facts: { check: 'ssh-login', server: 'alice@192.0.2.10:22', ok: false, errorKind: 'host-key-changed', hops: [] },
  };
  return JSON.parse(JSON.stringify({ ...base, evidence: [login], sshFailure: { kind: 'host-key-changed', message: login.summary, hop: 2 } }));
}

const bastion = { index: 1, total: 2, user: 'me', host: 'bastion', port: 22, role: 'jump' as const };
const server = { index: 2, total: 2, user: 'alice', host: '192.0.2.10', port: 22, role: 'target' as const };
const detail: SshFailureDetail = {
  failedHop: server,
  chain: [
    { hop: bastion, status: 'ok' },
    { hop: server, status: 'failed' },
  ],
  presented: { keyType: 'ssh-ed25519', fingerprint: 'SHA256:new' },
  known: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:old', file: '/home/alice/.ssh/known_hosts', line: 7 }],
  methodsTried: [],
  serverMethods: null,
  keyPath: null,
};

describe('Report: the failed SSH login', () => {
  it('a report written before the fields existed still parses, and gains none', () => {
    const report = Report.parse(oldReport());
    expect(report.sshFailure).toEqual({ kind: 'host-key-changed', message: expect.any(String), hop: 2 });
    expect(report.evidence[0]?.facts).toEqual({ check: 'ssh-login', server: 'alice@192.0.2.10:22', ok: false, errorKind: 'host-key-changed', hops: [] });
  });

  it('the fields round-trip, in sshFailure and in the ssh-login evidence', () => {
    const old = oldReport() as { sshFailure: object; evidence: { facts: object }[] };
    const withFields = { ...old, sshFailure: { ...old.sshFailure, ...detail }, evidence: old.evidence.map((e) => ({ ...e, facts: { ...e.facts, ...detail } })) };
    const report = Report.parse(JSON.parse(JSON.stringify(withFields)));
    expect(report.sshFailure).toMatchObject(detail);
    const login = report.evidence[0]?.facts;
    expect(login?.check === 'ssh-login' && login.known).toEqual(detail.known);
    expect(login?.check === 'ssh-login' && login.chain?.map((c) => c.status)).toEqual(['ok', 'failed']);
  });

  it('every field may be null (a failure outside the SSH layer has none)', () => {
    const nulls = Object.fromEntries(Object.keys(SshFailureDetail.shape).map((k) => [k, null]));
    expect(SshFailureDetail.parse(nulls)).toEqual(nulls);
    expect(Report.shape.sshFailure.parse({ kind: 'error', message: 'boom', hop: 0, ...nulls })).toMatchObject({ hop: 0, failedHop: null, chain: null });
  });

  it('rejects a malformed field, and drops anything the schema does not name', () => {
    expect(SshFailureDetail.safeParse({ ...detail, chain: [{ hop: server, status: 'maybe' }] }).success).toBe(false);
    expect(SshFailureDetail.safeParse({ ...detail, failedHop: { ...server, index: 0 } }).success).toBe(false);
    expect(SshFailureDetail.safeParse({ ...detail, known: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:old' }] }).success).toBe(false);
    const parsed = SshFailureDetail.parse({ ...detail, password: 'hunter2', presented: { ...detail.presented, blob: 'AAAA' } });
    expect(JSON.stringify(parsed)).not.toMatch(/hunter2|AAAA/);
  });
});
