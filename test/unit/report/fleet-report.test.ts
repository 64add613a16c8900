/**
 * `portwise fleet --report`'s pure side: the fleet as one Markdown, HTML or JSON file, from the real
 * lab report (two servers made of it), a server whose label and output are hostile, and two servers
 * without a report (cancelled, failed). The HTML is read back with jsdom and parse5.
 */
import { parse, type ParserError } from 'parse5';
import { describe, expect, it } from 'vitest';
import { fleetRows, fleetVerdict, renderFleetTable } from '../../../shared/common/report/fleet';
import { FLEET_COLUMNS, nestedReportMarkup, redactFleet, renderFleetExport, renderFleetHtml, renderFleetJson, renderFleetMarkdown, shiftMarkdownHeadings } from '../../../shared/common/report/fleet-export';
import { CONTENT_SECURITY_POLICY } from '../../../shared/common/report/html';
import { escapeText, renderReportMarkdown } from '../../../shared/common/report/markdown';
import { FLEET_SCHEMA, FleetDocument, type FleetServerResult } from '../../../shared/common/schema/fleet';
import { Report } from '../../../shared/common/schema/report';
import { labReport } from './lab-report';
import { all, parseHtml } from '../../shared/read-markup';

const CONTEXT = { writtenAt: '2026-11-24T21:00:00.000Z', version: '9.9.9-test' };
const HOSTILE_LABEL = '<img src=x onerror="alert(1)"> # ## | `tick` *bold*';
const HOSTILE_OUTPUT = "<script>alert('out')</script>\n# not a heading\n<b onclick=\"x()\">bold</b>\n```\n## still output\n";

/** The lab report of 198.18.0.2, as if it were another replica at `host`. */
function replica(host: string): Report {
  return Report.parse(JSON.parse(JSON.stringify(labReport()).replaceAll('198.18.0.2', host)));
}

function result(server: string, report: Report | null, failure: FleetServerResult['failure'] = null, profile: string | null = null): FleetServerResult {
  const host = report?.target.host ?? /@(.*)$/.exec(server)?.[1] ?? '198.18.0.9';
  return { server, destination: `root@${host}`, profile, target: `${host}:8105`, report, failure };
}

function doc(servers: FleetServerResult[]): FleetDocument {
  return { schema: FLEET_SCHEMA, port: 8105, servers, rows: fleetRows(servers), verdict: fleetVerdict(servers) };
}

/** Four servers: the lab's, a hostile one (a profile), one cancelled, one whose run failed. */
function fleet(): FleetDocument {
  const hostile = replica('198.18.0.3');
  const evidence = hostile.evidence.find((e) => e.id === 'server:listeners-ss4');
  if (!evidence) throw new Error('the lab report has no ss evidence');
  evidence.raw = HOSTILE_OUTPUT;
  evidence.summary = 'a summary with <i>markup</i> and <img src=y onerror=z>';
  return doc([
    result('root@198.18.0.2', labReport()),
    result(HOSTILE_LABEL, hostile, null, HOSTILE_LABEL),
    result('root@198.18.0.4', null, { kind: 'cancelled', message: 'Cancelled before this server finished.' }),
    result('root@198.18.0.5', null, { kind: 'failed', message: 'boom <script>x()</script>', detail: 'Error: boom\n# at line 1\n    at <anonymous>' }),
  ]);
}

/** Markdown's lines outside fenced blocks (a fence closes on a line of at least its length of backticks). */
function outsideFences(md: string): string[] {
  const prose: string[] = [];
  let open = 0;
  for (const line of md.split('\n')) {
    const run = /^\s*(`{3,})(.*)$/.exec(line);
    if (open > 0) {
      if (run && run[1]!.length >= open && run[2]!.trim() === '') open = 0;
    } else if (run) open = run[1]!.length;
    else prose.push(line);
  }
  return prose;
}

function parseErrors(html: string): string[] {
  const errors: ParserError[] = [];
  parse(html, { onParseError: (e) => errors.push(e) });
  return errors.map((e) => `${e.code} at line ${e.startLine}, column ${e.startCol}`);
}

describe('fleet report, Markdown', () => {
  const d = fleet();
  const md = renderFleetMarkdown(d, CONTEXT);
  const prose = outsideFences(md);
  const headings = prose.filter((l) => /^#{1,6} /.test(l));

  it('a title with the port and when, the facts, the verdict line, then the table with the terminal table\'s columns', () => {
    const lab = labReport();
    expect(md.split('\n')[0]).toBe(`# Portwise fleet report: port 8105 on 4 servers (${lab.startedAt})`);
    expect(md).toContain(`- **Started:** ${lab.startedAt}\n- **Finished:** ${lab.finishedAt}\n- **Written:** ${CONTEXT.writtenAt}\n- **Portwise:** 9.9.9-test`);
    expect(prose).toContain(`**Verdict:** ${escapeText(d.verdict.text)}`);
    expect(d.verdict.text).toContain(HOSTILE_LABEL);
    const terminalHeader = renderFleetTable(d.rows).split('\n')[0]!.split(/ {2,}/);
    expect(FLEET_COLUMNS.map((c) => c.toUpperCase())).toEqual(terminalHeader);
    const table = prose.filter((l) => l.startsWith('| '));
    expect(table[0]).toBe(`| ${FLEET_COLUMNS.join(' | ')} |`);
    expect(table).toHaveLength(2 + d.servers.length);
    // Every row has six cells: a pipe in a label or a cell is escaped, never a new column.
    for (const row of table) expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
    expect(md).toContain(`- \`iptables-reject\`: ${d.rows[0]!.title}`);
  });

  it('one section per server, in order, holding its whole report two heading levels down', () => {
    expect(headings.filter((h) => h.startsWith('# '))).toHaveLength(1);
    expect(headings.filter((h) => /^## Server /.test(h)).map((h) => h.slice(0, 20))).toEqual(['## Server 1 of 4: `r', '## Server 2 of 4: ``', '## Server 3 of 4: `r', '## Server 4 of 4: `r']);
    // The lab report's own outline, every heading two levels down, in its section.
    const own = renderReportMarkdown(labReport());
    const ownHeadings = outsideFences(own).filter((l) => /^#{1,6} /.test(l));
    const first = md.slice(md.indexOf('## Server 1 of 4'), md.indexOf('## Server 2 of 4'));
    expect(outsideFences(first).filter((l) => /^#{3,6} /.test(l))).toEqual(ownHeadings.map((h) => `##${h}`));
    // No heading skips a level going down: the outline stays a tree.
    let level = 0;
    for (const h of headings) {
      const next = /^#+/.exec(h)![0].length;
      expect(next, h).toBeLessThanOrEqual(level + 1);
      level = next;
    }
    // The rest of the report (its facts, fences, lists) is there byte for byte.
    expect(first).toContain(shiftMarkdownHeadings(own.trimEnd(), 2));
  });

  it('keeps the hostile label and output as text: in code spans, escaped prose or their own fence', () => {
    // Outside fences and code spans (a span closes on a backtick run of its own length), no markup at all.
    const outsideCode = prose.join('\n').replace(/(?<!`)(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
    expect(outsideCode).not.toMatch(/<[a-z]/i);
    expect(prose.join('\n')).toMatch(/<img src=x/);
    expect(md).toContain(`## Server 2 of 4: \`\`${HOSTILE_LABEL}\`\``);
    // The output's "# not a heading" and "## still output" stay in a fence longer than its backticks, unshifted.
    expect(md).toContain(`\`\`\`\`text\n${HOSTILE_OUTPUT}\`\`\`\``);
    expect(headings.some((h) => h.includes('not a heading') || h.includes('still output'))).toBe(false);
    expect(md).toContain('a summary with &lt;i&gt;markup&lt;/i&gt;');
  });

  it('a server without a report says why, with the failure\'s detail as a block', () => {
    const cancelled = md.slice(md.indexOf('## Server 3 of 4'), md.indexOf('## Server 4 of 4'));
    expect(cancelled).toContain('- **Cancelled:** Cancelled before this server finished.');
    expect(cancelled).toContain('No report: the diagnosis of this server did not finish.');
    const failed = md.slice(md.indexOf('## Server 4 of 4'));
    expect(failed).toContain('- **Stopped on an internal error:** boom &lt;script&gt;x()&lt;/script&gt;');
    expect(failed).toContain('```text\nError: boom\n# at line 1\n    at <anonymous>\n```');
    expect(md.endsWith('No report: the diagnosis of this server did not finish.\n')).toBe(true);
  });

  it('shiftMarkdownHeadings: only headings outside fences move, and a fence closes only on a run as long as its opening', () => {
    const text = ['# A', '````sh', '# in', '```', '## still in', '````', '## B', '   ```', '# in an indented fence', '   ```', '### C'].join('\n');
    expect(shiftMarkdownHeadings(text, 2).split('\n')).toEqual(['### A', '````sh', '# in', '```', '## still in', '````', '#### B', '   ```', '# in an indented fence', '   ```', '##### C']);
  });
});

describe('fleet report, HTML', () => {
  const d = fleet();
  const html = renderFleetHtml(d, CONTEXT);
  const page = parseHtml(html);

  it('one valid, self-contained page under the single report\'s CSP, with no script and nothing to load', () => {
    expect(parseErrors(html)).toEqual([]);
    expect(all(page, 'meta[http-equiv="Content-Security-Policy"]').map((m) => Array.from(m.attributes).find((a) => a.name === 'content')?.value)).toEqual([CONTENT_SECURITY_POLICY]);
    expect(all(page, 'script, img, iframe, object, embed, link, base, form, b, i')).toEqual([]);
    expect(page.title).toBe(`Portwise fleet report: port 8105 on 4 servers (${labReport().startedAt})`);
  });

  it('no element or attribute comes from remote text: every attribute is the renderer\'s own, and the hostile text reads back whole', () => {
    const attributes = new Set(all(page, '*').flatMap((el) => Array.from(el.attributes).map((a) => a.name)));
    for (const name of attributes) expect(name, name).not.toMatch(/^on|^src$|^href$|^xlink:href$/);
    expect(all(page, 'section.server > h2').map((h) => h.textContent)).toEqual(d.servers.map((s, i) => `Server ${i + 1} of 4: ${s.server}`));
    expect(all(page, 'table.fleet tbody th').map((th) => th.textContent)).toEqual(d.servers.map((s) => s.server));
    expect(all(page, '#server-2 pre.output samp').map((s) => s.textContent)).toContain(HOSTILE_OUTPUT);
    expect(page.querySelector('#server-4 pre.output samp')?.textContent).toBe('Error: boom\n# at line 1\n    at <anonymous>');
  });

  it('the verdict, the table with the terminal\'s columns and every cell whole, then each server\'s report nested two levels down with ids of its own', () => {
    expect(page.querySelector('#verdict .title')?.textContent).toBe(d.verdict.text);
    expect(all(page, 'table.fleet thead th').map((th) => th.textContent)).toEqual([...FLEET_COLUMNS]);
    expect(all(page, 'table.fleet tbody tr').map((tr) => all(tr, 'th, td').map((c) => c.textContent))).toEqual(
      d.rows.map((r) => [r.server, r.probe, r.listening, r.firewall, r.cause ?? '-', r.confidence ?? '-']),
    );
    expect(all(page, 'h1')).toHaveLength(1);
    for (const h of all(page, 'h3, h4, h5')) expect(h.closest('.server-report, #servers'), h.textContent ?? '').not.toBeNull();
    expect(all(page, '#server-1 .server-report h4').map((h) => h.textContent)).toEqual(['Diagnosis', 'Fix', 'Verify the fix', 'Decision path', 'Evidence']);
    const ids = all(page, '[id]').map((el) => el.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('server-2-evidence-1');
    expect(page.querySelector('#server-3 p:last-of-type')?.textContent).toBe('No report: the diagnosis of this server did not finish.');
  });

  it('nestedReportMarkup moves only the renderer\'s headings and ids', () => {
    expect(nestedReportMarkup('<section id="fix">\n<h2>Fix</h2><h3 class="x">a &lt;h1&gt; id=&quot;y&quot;</h3>', 3)).toBe('<section id="server-3-fix">\n<h4>Fix</h4><h5 class="x">a &lt;h1&gt; id=&quot;y&quot;</h5>');
  });
});

describe('fleet report, JSON', () => {
  it('is the portwise.fleet/1 document --json prints, checked by its schema', () => {
    const d = fleet();
    const json = renderFleetJson(d);
    expect(json).toBe(`${JSON.stringify(d, null, 2)}\n`);
    expect(FleetDocument.parse(JSON.parse(json))).toEqual(d);
    expect(renderFleetExport(d, 'json', CONTEXT)).toBe(json);
    expect(() => renderFleetJson({ ...d, port: 'x' } as unknown as FleetDocument)).toThrow(/does not match portwise\.fleet\/1/);
  });
});

describe('redactFleet', () => {
  it('nothing to replace: the document itself', () => {
    const d = doc([result('root@198.18.0.2', labReport())]);
    expect(redactFleet(d, new Set())).toEqual({ redacted: d, replaced: {} });
  });

  it('one plan for every server: each original has one alias in every report, the table and the verdict; profile names become profile-N', () => {
    const d = fleet();
    const { redacted, replaced } = redactFleet(d, new Set(['hosts', 'ips', 'users']));
    expect(FleetDocument.parse(redacted)).toEqual(redacted);
    const texts = [renderFleetMarkdown(redacted, CONTEXT), renderFleetHtml(redacted, CONTEXT), renderFleetJson(redacted)];
    for (const text of texts) for (const original of ['198.18.0.2', '198.18.0.3', '198.18.0.4', '198.18.0.5', 'root@', HOSTILE_LABEL]) expect(text).not.toContain(original);
    // The same user on every server is one alias; each server's address is its own.
    const users = redacted.servers.map((s) => s.destination.split('@')[0]);
    expect(new Set(users)).toEqual(new Set(['user1']));
    const hosts = redacted.servers.map((s) => s.destination.split('@')[1]);
    expect(new Set(hosts).size).toBe(4);
    expect(redacted.servers.map((s) => s.target.split(':')[0])).toEqual(hosts);
    // The report's own target is the same alias as the table's.
    expect(redacted.servers[0]!.report!.target.host).toBe(hosts[0]);
    expect(redacted.servers[1]!.report!.target.host).toBe(hosts[1]);
    expect(redacted.servers[1]).toMatchObject({ server: 'profile-1', profile: 'profile-1' });
    expect(redacted.rows.map((r) => r.server)).toEqual(redacted.servers.map((s) => s.server));
    expect(redacted.verdict.text).toContain('profile-1');
    expect(replaced.users).toBe(1);
    expect(replaced.ips).toBeGreaterThanOrEqual(4);
    expect(replaced.hosts).toBeGreaterThanOrEqual(1);
    // The failure's words went through the same plan.
    expect(redacted.servers[3]!.failure).toEqual(d.servers[3]!.failure);
  });

  it('secrets always, in every server\'s report and in a failure\'s words', () => {
    const withSecret = replica('198.18.0.3');
    withSecret.evidence[6]!.raw = 'DATABASE_URL=postgres://app:hunter2secret@db/app\npassword=hunter2secret\n';
    const d = doc([result('root@198.18.0.2', labReport()), result('root@198.18.0.3', withSecret), result('root@198.18.0.9', null, { kind: 'failed', message: 'failed with password=hunter2secret', detail: 'token: hunter2secret' })]);
    const { redacted, replaced } = redactFleet(d, new Set());
    expect(replaced.secret).toBeGreaterThanOrEqual(1);
    for (const text of [renderFleetMarkdown(redacted, CONTEXT), renderFleetHtml(redacted, CONTEXT), renderFleetJson(redacted)]) {
      expect(text).not.toContain('hunter2secret');
      expect(text).toContain('[redacted-secret-');
      expect(text).toContain('198.18.0.2');
    }
  });
});
