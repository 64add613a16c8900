/**
 * `portwise fleet`'s pure side: each server's row, the fleet's verdict line and the terminal table,
 * from handmade reports (the real tree decides their causes) and one real report of the lab.
 */
import { describe, expect, it } from 'vitest';
import { fleetProgressLine, fleetRow, fleetRows, fleetVerdict, loginFailure, renderFleetTable, renderFleetText } from '../../../shared/common/report/fleet';
import { ansiStyle } from '../../../shared/common/report/text';
import { FleetRow, type FleetServerResult } from '../../../shared/common/schema/fleet';
import type { ConnectStatus } from '../../../shared/common/schema/probe';
import type { Evidence, Report } from '../../../shared/common/schema/report';
import { formatAddressPort } from '../../../shared/common/schema/target';
import type { RemoteFacts } from '../../../shared/common/tree/remote-facts';
import { addr, facts, listener, reportFrom, resolved, rounds } from '../tree/factories';
import { correlation, culprit, listeners, owns, policyCulprit, remote, rules, selfProbe, snapshot, unreadable } from '../tree/remote-factories';
import { labReport } from './lab-report';

const PORT = 5432;

function evidence(id: string, where: string, f: Evidence['facts']): Evidence {
  return { id, where, command: id, startedAt: '2025-01-01T00:00:00.000Z', ms: 1, status: 'ok', summary: id, raw: null, origin: 'collected', facts: f };
}

/**
 * A report of `host:5432` as the session writes it: the tree's verdict from these facts, and the
 * evidence the rows read (the DNS answer, the probes, the server's facts when logged in).
 */
function serverReport(host: string, statuses: ConnectStatus[], server: RemoteFacts | null, sshFailure: Report['sshFailure'] = null): Report {
  const f = facts(formatAddressPort(host, PORT), resolved(host, [addr(host, { sources: ['literal'] })]), rounds(host, ...statuses), { remote: server });
  const report = reportFrom(f);
  return {
    ...report,
    evidence: [
      evidence('dns', 'workstation', { check: 'dns', resolution: f.resolution }),
      evidence('tcp-probe', 'workstation', { check: 'tcp-probe', attempts: [...f.probes] }),
      ...(server ? [evidence('server-facts', server.server, { check: 'server-facts', remote: server })] : []),
    ],
    sshFailure,
  };
}

function result(label: string, host: string, report: Report | null, failure: FleetServerResult['failure'] = null): FleetServerResult {
  return { server: label, destination: `admin@${host}`, profile: null, target: formatAddressPort(host, PORT), report, failure: failure ?? (report ? loginFailure(report) : null) };
}

/** Logged in; nothing listens on the port. */
const stopped = (host: string) => remote({ server: `admin@${host}:22`, ownership: [owns(host)], listeners: listeners(listener('0.0.0.0', 22, { processes: [{ name: 'sshd', pid: 601 }] })) });

/** Logged in; postgres listens on every address, and an iptables REJECT counted the three fresh probes. */
const rejected = (host: string) =>
  remote({
    server: `admin@${host}:22`,
    ownership: [owns(host)],
    listeners: listeners(listener('0.0.0.0', PORT, { processes: [{ name: 'postgres', pid: 812 }] })),
    selfProbes: [selfProbe('127.0.0.1', 'open'), selfProbe(host, 'refused')],
    firewall: { snapshots: [snapshot('iptables-nft', [rules.tcpReset])] },
    correlation: correlation([culprit(rules.tcpReset, 3)]),
  });

const SSH_REFUSED: NonNullable<Report['sshFailure']> = { kind: 'auth-failed', message: 'target host 1 of 1, admin@198.18.0.15: no authentication method was accepted', hop: 1 };

/** Five replicas: two stopped, one firewalled, one fine, one that would not let us in, one cancelled. */
function fleet(): FleetServerResult[] {
  return [
    result('a', '198.18.0.11', serverReport('198.18.0.11', ['refused', 'refused'], stopped('198.18.0.11'))),
    result('b', '198.18.0.12', serverReport('198.18.0.12', ['refused', 'refused'], stopped('198.18.0.12'))),
    result('c', '198.18.0.13', serverReport('198.18.0.13', ['refused', 'refused'], rejected('198.18.0.13'))),
    result('d', '198.18.0.14', serverReport('198.18.0.14', ['connected', 'connected'], null)),
    result('e', '198.18.0.15', serverReport('198.18.0.15', ['refused', 'refused'], null, SSH_REFUSED)),
    result('f', '198.18.0.16', null, { kind: 'cancelled', message: 'Cancelled before this server finished.' }),
  ];
}

describe('fleetRow: one server, in words', () => {
  it('a stopped service: refused from here, nothing listens on the port, no rule read, the cause and how sure', () => {
    const [a] = fleet();
    expect(fleetRow(a!)).toEqual({
      server: 'a',
      target: '198.18.0.11:5432',
      probe: 'Refused',
      outcome: 'refused',
      listening: 'Nothing listens on port 5432',
      firewall: 'No rule set found',
      rule: null,
      cause: 'service-not-running',
      title: a!.report!.diagnosis.title,
      confidence: a!.report!.diagnosis.confidence,
      failure: null,
    });
  });

  it('a rejecting rule: the listener with its process, what the rule whose counter rose does, and the rule whole', () => {
    const row = fleetRow(fleet()[2]!);
    expect(row).toMatchObject({
      probe: 'Refused',
      listening: '0.0.0.0:5432 (postgres)',
      firewall: 'REJECT tcp-reset (+3)',
      rule: 'iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset',
      cause: 'iptables-reject',
      confidence: 'high',
    });
  });

  it('a server that connects was not logged in to: "Not asked"; one that refused the login says so, with its kind', () => {
    const rows = fleetRows(fleet());
    expect(rows[3]).toMatchObject({ probe: 'Connected', outcome: 'connected', listening: 'Not asked: it connects', firewall: 'Not asked: it connects', cause: 'not-reproduced', failure: null });
    expect(rows[4]).toMatchObject({ probe: 'Refused', listening: 'Not read: could not log in (auth-failed)', firewall: 'Not read: could not log in (auth-failed)', failure: 'login-failed' });
    expect(rows[5]).toEqual({ server: 'f', target: '198.18.0.16:5432', probe: 'Cancelled', outcome: null, listening: 'Not read: cancelled', firewall: 'Not read: cancelled', rule: null, cause: null, title: null, confidence: null, failure: 'cancelled' });
  });

  it('probes that ended differently are "Mixed", with the count of each', () => {
    const report = serverReport('198.18.0.17', ['connected', 'refused', 'connected'], null);
    expect(fleetRow(result('g', '198.18.0.17', report)).probe).toBe('Mixed: Connected ×2, Refused ×1');
  });

  it('the firewall column: a DROP, a DNAT, a policy that counted the probes; rules that could not be read; rules read but not counted', () => {
    const host = '198.18.0.18';
    const withFacts = (server: RemoteFacts) => {
      const row = fleetRow(result('h', host, serverReport(host, ['timeout'], server)));
      return [row.firewall, row.rule];
    };
    const two = remote({ ownership: [owns(host)], correlation: correlation([culprit(rules.drop, 3), culprit(rules.tcpReset, 3)]) });
    expect(withFacts(two)).toEqual(['DROP (+3, and 1 more)', `iptables-nft filter INPUT: ${rules.drop.text}`]);
    expect(withFacts(remote({ ownership: [owns(host)], correlation: correlation([culprit(rules.dnat, 3)]) }))).toEqual(['DNAT to 10.0.0.99:5432 (+3)', `iptables-nft nat PREROUTING: ${rules.dnat.text}`]);
    expect(withFacts(remote({ ownership: [owns(host)], correlation: correlation([], [policyCulprit()]) }))).toEqual(['Policy DROP (+3)', 'iptables-nft filter INPUT: policy DROP']);
    expect(withFacts(remote({ ownership: [owns(host)], firewall: { unreadable: [unreadable('iptables-nft')] } }))).toEqual(['Rules not readable (needs-privilege)', null]);
    expect(withFacts(remote({ ownership: [owns(host)], firewall: { snapshots: [snapshot('iptables-nft', [])] } }))).toEqual(['Rules read; probes not counted', null]);
    expect(withFacts(remote({ ownership: [owns(host)], correlation: correlation() }))).toEqual(['No rule counted the probes', null]);
  });

  it('the real lab report (iptables REJECT on 198.18.0.2:8105): the python3 listener and the REJECT rule', () => {
    const lab = labReport();
    const row = fleetRow({ server: 'lab', destination: 'root@198.18.0.2', profile: null, target: '198.18.0.2:8105', report: lab, failure: loginFailure(lab) });
    expect(row).toEqual({
      server: 'lab',
      target: '198.18.0.2:8105',
      probe: 'Refused',
      outcome: 'refused',
      listening: '0.0.0.0:8105 (python3)',
      firewall: 'REJECT tcp-reset (+3)',
      rule: 'iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport 8105 -j REJECT --reject-with tcp-reset',
      cause: 'iptables-reject',
      title: 'An iptables rule rejects the connection',
      confidence: 'high',
      failure: null,
    });
    expect(() => FleetRow.parse(row)).not.toThrow();
  });
});

describe('fleetVerdict: the fleet in one line, grouped by cause', () => {
  it('counts who refuses, groups them by cause (largest first), and names the login failures and the cancelled', () => {
    const verdict = fleetVerdict(fleet());
    const inconclusive = fleet()[4]!.report!.diagnosis.cause;
    expect(verdict).toEqual({
      text: `4 of 6 refuse: service-not-running on a, b; iptables-reject on c; ${inconclusive} on e. Could not log in to e (auth-failed). Cancelled: f.`,
      total: 6,
      connected: 1,
      failing: 4,
      groups: [
        { cause: 'service-not-running', title: fleet()[0]!.report!.diagnosis.title, servers: ['a', 'b'] },
        { cause: 'iptables-reject', title: 'An iptables rule rejects the connection', servers: ['c'] },
        { cause: inconclusive, title: fleet()[4]!.report!.diagnosis.title, servers: ['e'] },
      ],
      loginFailed: ['e'],
      cancelled: ['f'],
      failed: [],
    });
  });

  it('says "time out" or "do not connect" when not every failing server refused', () => {
    const timedOut = result('t', '198.18.0.19', serverReport('198.18.0.19', ['timeout'], null));
    expect(fleetVerdict([timedOut]).text).toMatch(/^1 of 1 time out: \S+ on t\.$/);
    expect(fleetVerdict([timedOut, fleet()[0]!]).text).toMatch(/^2 of 2 do not connect: /);
  });

  it('every server connects; none was diagnosed; an internal failure is named', () => {
    const ok = fleet()[3]!;
    expect(fleetVerdict([ok, { ...ok, server: 'd2' }]).text).toBe('All 2 connect.');
    expect(fleetVerdict([fleet()[5]!]).text).toBe('No server was diagnosed. Cancelled: f.');
    const broken = result('x', '198.18.0.20', null, { kind: 'failed', message: 'The diagnosis stopped on an internal error.', detail: 'Error: boom' });
    expect(fleetVerdict([ok, broken]).text).toBe('1 of 2 connect; none refuses. Stopped on an internal error: x.');
  });
});

describe('renderFleetTable: aligned columns, colour only on a terminal', () => {
  it('one header and one line per server, every column starting at the same place', () => {
    const text = renderFleetTable(fleetRows(fleet()));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^SERVER +PROBE FROM HERE +LISTENING ON THE SERVER +FIREWALL +CAUSE +CONFIDENCE$/);
    const column = (heading: string) => lines[0]!.indexOf(heading);
    for (const heading of ['PROBE FROM HERE', 'LISTENING ON THE SERVER', 'FIREWALL', 'CAUSE']) {
      // Every row has a cell starting exactly under its heading (two spaces after the widest cell before it).
      for (const line of lines.slice(1)) expect(line.slice(column(heading) - 2, column(heading)), `${heading} in ${line}`).toBe('  ');
    }
    expect(lines[3]).toMatch(/^c +Refused +0\.0\.0\.0:5432 \(postgres\) +REJECT tcp-reset \(\+3\) +iptables-reject +high$/);
    expect(lines[6]).toMatch(/^f +Cancelled +Not read: cancelled +Not read: cancelled +- +-$/);
    expect(text).not.toContain('\u001b');
  });

  it('a long cell is cut with "…" in the table only (the row keeps it whole)', () => {
    const host = '198.18.0.21';
    const name = `replica-${'x'.repeat(60)}.db.example.com`;
    const row = fleetRow(result(name, host, serverReport(host, ['refused'], stopped(host))));
    expect(row.server).toBe(name);
    const line = renderFleetTable([row]).split('\n')[1]!;
    expect(line).toMatch(/^replica-x+… {2}Refused/);
    expect(line).not.toContain(name);
  });

  it('with colour: the probe cell green or red, the header bold; the columns still line up as without', () => {
    const rows = fleetRows(fleet());
    const coloured = renderFleetTable(rows, ansiStyle);
    expect(coloured).toContain('\u001b[31mRefused');
    expect(coloured).toContain('\u001b[32mConnected');
    // eslint-disable-next-line no-control-regex -- stripping the colour codes is the point
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderFleetTable(rows));
  });

  it('renderFleetText: the table; each cause once with its title; each rule whole, by server (a long one too); the verdict', () => {
    const long = iptLong();
    const host = '198.18.0.21';
    const results = [...fleet(), result('g', host, serverReport(host, ['refused'], remote({ ownership: [owns(host)], correlation: correlation([culprit(long, 3)]) })))];
    const text = renderFleetText(fleetRows(results), fleetVerdict(results));
    const table = renderFleetTable(fleetRows(results));
    expect(text.startsWith(`${table}\n`)).toBe(true);
    const notes = text.slice(table.length + 1).split('\n');
    const title = (cause: string) => results.find((r) => r.report?.diagnosis.cause === cause)!.report!.diagnosis.title;
    expect(notes.slice(0, 5)).toEqual([
      'Causes:',
      `  service-not-running  ${title('service-not-running')}`,
      '  iptables-reject      An iptables rule rejects the connection',
      `  not-reproduced       ${title('not-reproduced')}`,
      `  inconclusive         ${title('inconclusive')}`,
    ]);
    expect(notes.slice(-6)).toEqual([
      'Rules that counted the probes:',
      '  c  iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset',
      `  g  iptables-nft filter INPUT: ${long.text}`,
      '',
      `Verdict: ${fleetVerdict(results).text}`,
      '',
    ]);
  });
});

describe('fleetProgressLine: one line per server as it ends', () => {
  it('the count, the server, the probe, the cause and how sure; a refused login and a cancel say so', () => {
    const results = fleet();
    expect(fleetProgressLine(results[2]!, 1, 6)).toBe('[1/6] c  Refused  iptables-reject (high)');
    expect(fleetProgressLine(results[4]!, 2, 6)).toMatch(/^\[2\/6\] e {2}Refused {2}\S+.*; could not log in: target host 1 of 1, admin@198\.18\.0\.15: no authentication method was accepted$/);
    expect(fleetProgressLine(results[5]!, 6, 6)).toBe('[6/6] f  cancelled');
  });
});

function iptLong() {
  const text = `-A INPUT -s 198.18.0.0/15 -p tcp -m tcp --dport 5432 -m comment --comment "${'replicas behind the pool, kept closed during the migration '.repeat(2).trim()}" -j REJECT --reject-with tcp-reset`;
  return { ...rules.tcpReset, text };
}
