import { describe, expect, it } from 'vitest';
import { compareReports, olderFirst, sameTarget } from '../../../shared/common/report/compare';
import { Report, type Evidence } from '../../../shared/common/schema/report';
import { labReport } from './lab-report';

/**
 * The side-by-side comparison, from the real lab report (an iptables REJECT on 198.18.0.2:8105) and
 * a copy edited as the same target reads after the rule was removed: every probe connects, the walk
 * stops at T1 with "not reproduced", the server's listener is the same and no rule counts the probes.
 */

function afterTheFix(): Report {
  const before = labReport();
  const copy = structuredClone(before);
  copy.startedAt = '2026-11-25T16:10:00.000Z';
  copy.finishedAt = '2026-11-25T16:10:01.250Z';
  copy.outcome = 'connected';
  copy.diagnosis = { ...copy.diagnosis, cause: 'not-reproduced', title: 'The connection works from here now', confidence: 'high' };
  copy.path = [copy.path[0]!, { ...copy.path[1]!, next: 'not-reproduced', reason: 'Every probe connected.' }];
  copy.evidence = copy.evidence.map((e): Evidence => {
    if (e.facts.check === 'tcp-probe') {
      return { ...e, facts: { ...e.facts, attempts: e.facts.attempts.map((a) => ({ ...a, status: 'connected', errno: null, detail: 'Connected' })) } };
    }
    if (e.facts.check === 'server-facts') {
      const remote = e.facts.remote;
      return {
        ...e,
        facts: {
          ...e.facts,
          remote: {
            ...remote,
            // Restarted: a new process id, the same program on the same address.
            listeners: { ...remote.listeners, listeners: remote.listeners.listeners.map((l) => ({ ...l, processes: l.processes.map((p) => ({ ...p, pid: p.pid + 1 })) })) },
            firewall: { ...remote.firewall, snapshots: remote.firewall.snapshots.map((s) => ({ ...s, rules: [] })) },
            correlation: { probes: 3, culprits: [], policies: [] },
          },
        },
      };
    }
    return e;
  });
  // Still a report the schema accepts: the comparison is tested on what the engine could write.
  return Report.parse(copy);
}

const rowOf = (rows: { key: string }[], key: string) => {
  const found = rows.find((r) => r.key === key);
  if (!found) throw new Error(`no row ${key} in ${rows.map((r) => r.key).join(', ')}`);
  return found;
};

describe('sameTarget', () => {
  it('is the same host and port; names compare without case', () => {
    const a = labReport();
    expect(sameTarget(a, afterTheFix())).toBe(true);
    expect(sameTarget(a, { target: { ...a.target, port: 8106 } })).toBe(false);
    expect(sameTarget(a, { target: { ...a.target, host: '198.18.0.3' } })).toBe(false);
    const named = { target: { host: 'db.example.com', port: 5432, hostKind: 'name' as const, input: 'db.example.com:5432' } };
    expect(sameTarget(named, { target: { ...named.target, host: 'DB.Example.com', input: 'postgres://DB.Example.com' } })).toBe(true);
  });
});

describe('olderFirst', () => {
  it('puts the run that finished first on the left, whichever order it was given in', () => {
    const [a, b] = [labReport(), afterTheFix()];
    expect(olderFirst(b, a)).toEqual([a, b]);
    expect(olderFirst(a, b)).toEqual([a, b]);
  });
});

describe('compareReports', () => {
  it('a report against itself: nothing changed, the paths do not part', () => {
    const c = compareReports(labReport(), labReport());
    expect(c.changed).toBe(false);
    expect(c.path.divergesAt).toBeNull();
    expect([...c.verdict, ...c.addresses, ...c.server, ...c.path.rows].filter((r) => r.changed)).toEqual([]);
    expect(c.target).toBe('198.18.0.2:8105');
    expect(c.sameTarget).toBe(true);
  });

  it('before and after the fix: outcome, cause and the address changed; confidence and DNS did not', () => {
    const before = labReport();
    const c = compareReports(before, afterTheFix());
    expect(c.changed).toBe(true);
    expect(c.before.finishedAt).toBe(before.finishedAt);
    expect(c.after).toEqual({ startedAt: '2026-11-25T16:10:00.000Z', finishedAt: '2026-11-25T16:10:01.250Z', took: '1.25 s', input: '198.18.0.2:8105' });

    expect(rowOf(c.verdict, 'outcome')).toEqual({ key: 'outcome', label: 'Outcome', before: 'Refused', after: 'Connected', changed: true });
    expect(rowOf(c.verdict, 'cause')).toMatchObject({
      before: 'An iptables rule rejects the connection (iptables-reject)',
      after: 'The connection works from here now (not-reproduced)',
      changed: true,
    });
    expect(rowOf(c.verdict, 'confidence')).toMatchObject({ before: 'High', after: 'High', changed: false });
    expect(c.verdict.map((r) => r.key)).toEqual(['outcome', 'cause', 'confidence']);

    expect(rowOf(c.addresses, 'dns')).toMatchObject({ label: 'Name resolution', before: '198.18.0.2', after: '198.18.0.2', changed: false });
    expect(rowOf(c.addresses, 'address:198.18.0.2')).toEqual({ key: 'address:198.18.0.2', label: '198.18.0.2:8105', before: 'Refused ×2', after: 'Connected ×2', changed: true });
  });

  it('the decision paths part at the step whose branch differs; the longer walk has rows of its own', () => {
    const c = compareReports(labReport(), afterTheFix());
    expect(c.path.divergesAt).toBe(2);
    const [first, second, third] = c.path.rows;
    expect(first).toMatchObject({ position: 1, changed: false, before: { node: 'T0', next: 'T1' }, after: { node: 'T0', next: 'T1' } });
    expect(second).toMatchObject({ position: 2, changed: true, before: { node: 'T1', next: 'T2' }, after: { node: 'T1', next: 'not-reproduced' } });
    expect(third).toMatchObject({ position: 3, changed: true, before: { node: 'T2', title: 'Is a proxy or tunnel in the path?' }, after: null });
    expect(c.path.rows).toHaveLength(labReport().path.length);
    expect(c.path.rows.at(-1)?.before?.next).toBe('iptables-reject');
  });

  it("the server: the same listener (a restart's new pid is no change), the rejecting rule gone", () => {
    const c = compareReports(labReport(), afterTheFix());
    expect(rowOf(c.server, 'listeners')).toMatchObject({ label: 'Listening on the server', before: '0.0.0.0:8105 (python3)', after: '0.0.0.0:8105 (python3)', changed: false });
    expect(rowOf(c.server, 'firewall')).toMatchObject({
      before: 'iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport 8105 -j REJECT --reject-with tcp-reset',
      after: 'No rule counted the probes',
      changed: true,
    });
    expect(rowOf(c.server, 'managers')).toMatchObject({ before: 'None active', after: 'None active', changed: false });
  });

  it('a run without server evidence says so beside the other; neither: no server rows', () => {
    const before = labReport();
    const noServer = { ...afterTheFix(), evidence: afterTheFix().evidence.filter((e) => e.facts.check !== 'server-facts') };
    const c = compareReports(before, noServer);
    expect(rowOf(c.server, 'listeners')).toMatchObject({ after: 'Not read (no server evidence in this run)', changed: true });
    expect(compareReports(noServer, noServer).server).toEqual([]);
  });

  it('listeners that could not be read, and nothing on the port, are said in words', () => {
    const gone = structuredClone(labReport());
    const unread = structuredClone(labReport());
    for (const e of gone.evidence) if (e.facts.check === 'server-facts') e.facts.remote.listeners.listeners = [];
    for (const e of unread.evidence) if (e.facts.check === 'server-facts') e.facts.remote.listeners = { status: 'needs-privilege', source: 'ss -Htlnpe', listeners: [], reason: 'ss needs root to name the processes' };
    expect(rowOf(compareReports(gone, unread).server, 'listeners')).toMatchObject({
      before: 'Nothing listens on port 8105',
      after: 'Could not be read: ss needs root to name the processes',
      changed: true,
    });
  });

  it('the listeners on this computer (a local target), when either run read them', () => {
    expect(compareReports(labReport(), afterTheFix()).workstation).toEqual([]);
    const withTable = (table: Extract<Evidence['facts'], { check: 'local-listeners' }>['table']): Report => {
      const r = structuredClone(labReport());
      r.evidence.push({ ...r.evidence[0]!, id: 'local-listeners', command: 'read /proc/net/tcp', facts: { check: 'local-listeners', table } });
      return r;
    };
    const none = withTable({ status: 'ok', source: '/proc/net/tcp', listeners: [] });
    const node = { address: '127.0.0.1', port: 8105, family: 4 as const, v6only: null, device: null, uid: 1000, inode: 1, processes: [{ name: 'node', pid: 4242 }] };
    const listening = withTable({ status: 'ok', source: '/proc/net/tcp', listeners: [node, { ...node, port: 22, processes: [] }] });
    expect(compareReports(none, listening).workstation).toEqual([
      { key: 'local-listeners', label: 'Listening on this computer', before: 'Nothing listens on port 8105', after: '127.0.0.1:8105 (node)', changed: true },
    ]);
    const unread = withTable({ status: 'unavailable', source: 'listener table', reason: 'reading listeners on darwin is not supported yet' });
    expect(compareReports(labReport(), unread).workstation).toMatchObject([{ before: 'Not read in this run', after: 'Could not be read: reading listeners on darwin is not supported yet', changed: true }]);
  });

  it('an address only one run probed reads "Not probed" on the other side', () => {
    const after = afterTheFix();
    for (const e of after.evidence) {
      if (e.facts.check === 'tcp-probe') e.facts.attempts.push({ ...e.facts.attempts[0]!, address: '2001:2::5', family: 6, status: 'reset', afterConnect: true });
    }
    const c = compareReports(labReport(), after);
    expect(c.addresses.map((r) => r.key)).toEqual(['dns', 'address:198.18.0.2', 'address:2001:2::5']);
    expect(rowOf(c.addresses, 'address:2001:2::5')).toMatchObject({ label: '[2001:2::5]:8105', before: 'Not probed', after: 'Closed at once ×1', changed: true });
  });

  it('the same kinds of ending in a different number of rounds is no change; a new kind is', () => {
    const fewer = structuredClone(labReport());
    const mixed = structuredClone(labReport());
    for (const e of fewer.evidence) if (e.facts.check === 'tcp-probe') e.facts.attempts = e.facts.attempts.slice(0, 1);
    for (const e of mixed.evidence) if (e.facts.check === 'tcp-probe') e.facts.attempts[1] = { ...e.facts.attempts[1]!, status: 'timeout' };
    expect(rowOf(compareReports(labReport(), fewer).addresses, 'address:198.18.0.2')).toMatchObject({ before: 'Refused ×2', after: 'Refused ×1', changed: false });
    expect(rowOf(compareReports(labReport(), mixed).addresses, 'address:198.18.0.2')).toMatchObject({ after: 'Refused ×1, Timed out ×1', changed: true });
  });

  it('a failed name lookup, and the last "verify the fix" of each run when either has one', () => {
    const failed = structuredClone(labReport());
    for (const e of failed.evidence) if (e.facts.check === 'dns') e.facts.resolution = { status: 'failed', name: 'db.example.com', errno: 'ENOTFOUND', message: 'not found', ms: 2 };
    expect(rowOf(compareReports(labReport(), failed).addresses, 'dns')).toMatchObject({ after: 'Did not resolve (ENOTFOUND)', changed: true });

    const verified = structuredClone(labReport());
    const attempts = labReport().evidence.flatMap((e) => (e.facts.check === 'tcp-probe' ? e.facts.attempts : []));
    verified.verifications = [{ at: '2026-11-24T15:00:00.000Z', before: attempts, after: attempts.map((a) => ({ ...a, status: 'connected' as const })), fixed: true }];
    expect(rowOf(compareReports(labReport(), verified).verdict, 'verify')).toMatchObject({ before: 'Not run', after: 'Fixed: every address connected', changed: true });
  });
});
