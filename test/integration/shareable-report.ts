import type { Report } from '../../shared/common/schema/report';
import { addr, facts, reportFrom, resolved, rounds } from '../unit/tree/factories';

/**
 * A finished report with everything redaction hides: a host name, an address (test ranges only),
 * an SSH login user, a home path, and a password in a command's output. Walked by the real tree.
 */
export const SHAREABLE = {
  host: 'db.example.com',
  address: '198.18.0.10',
  user: 'alice',
  path: '/home/alice/.pgpass',
  secret: 'hunter2-very-secret',
} as const;

export function shareableReport(): Report {
  const { host, address, user, path, secret } = SHAREABLE;
  const report = reportFrom(facts(`${host}:5432`, resolved(host, [addr(address)]), rounds(address, 'refused', 'refused', 'refused')));
  return {
    ...report,
    evidence: [
      {
        id: 'remote-env',
        where: `${user}@${host}:22`,
        command: `ssh ${user}@${host} -- cat ${path}`,
        startedAt: report.startedAt,
        ms: 12,
        status: 'ok',
        summary: `read ${path} on ${host}`,
        raw: `# ${path}\nPGHOST=${address}\npassword=${secret}\n`,
        origin: 'collected',
        facts: { check: 'remote-command', id: 'pgpass', exitCode: 0, stderr: '', sudo: false, truncated: false },
      },
    ],
  };
}
