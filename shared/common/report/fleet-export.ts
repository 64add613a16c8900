import { FleetDocument, type FleetRow, type FleetServerResult } from '../schema/fleet';
import type { TextFormat } from './export-format';
import { fleetRows, fleetVerdict } from './fleet';
import { badge, code as htmlCode, bulletList as htmlList, factsList, htmlPage, outcomeTone, reportHtmlParts } from './html';
import { escapeMarkup } from './html-svg';
import { escapeCell, escapeText, fence, labelled, code as mdCode, bulletList as mdList, renderReportMarkdown } from './markdown';
import { applyRedaction, applyRedactionTo, planSharedRedaction, replacedCounts, type RedactClass, type RedactKind } from './redact';

/**
 * `portwise fleet --report FILE`: one file for a ticket that holds the whole fleet, in the format
 * its extension names. Markdown and HTML: the verdict line, the side-by-side table (the columns of
 * the terminal's, every cell whole), then one section per server holding its report as `diagnose
 * --report` renders it (headings two levels down, under the fleet's title and the server's own
 * heading), or why it has none. JSON: the `portwise.fleet/1` document `--json` prints, checked
 * against its schema. Pure and deterministic: the only time not taken from the reports is `writtenAt`.
 */

/** What a fleet's file says about itself (not in the document: the JSON stays the one --json prints). */
export interface FleetExportContext {
  /** When the file was written (ISO 8601): the only time there is when no server finished. */
  writtenAt: string;
  /** The Portwise that wrote it. */
  version: string;
}

/** The table's columns: renderFleetTable's, in the same order (test/unit/report/fleet-report.test.ts holds them together). */
export const FLEET_COLUMNS = ['Server', 'Probe from here', 'Listening on the server', 'Firewall', 'Cause', 'Confidence'] as const;

/** Each row's cells, whole, in FLEET_COLUMNS' order. */
const cellsOf = (r: FleetRow): string[] => [r.server, r.probe, r.listening, r.firewall, r.cause ?? '-', r.confidence ?? '-'];

export function renderFleetExport(doc: FleetDocument, format: TextFormat, context: FleetExportContext): string {
  switch (format) {
    case 'md':
      return renderFleetMarkdown(doc, context);
    case 'html':
      return renderFleetHtml(doc, context);
    case 'json':
      return renderFleetJson(doc);
  }
}

/** The document as --json prints it (the same bytes), once its schema has checked it: a redacted copy must still be one. */
export function renderFleetJson(doc: FleetDocument): string {
  const checked = FleetDocument.safeParse(doc);
  if (!checked.success) throw new Error(`The fleet document does not match portwise.fleet/1: ${checked.error.issues[0]?.message ?? 'unknown problem'}.`);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// What both documents say about the fleet itself.

/** The earliest start and the latest end among the servers' reports (null: no server finished). */
function fleetSpan(doc: FleetDocument): { startedAt: string; finishedAt: string } | null {
  const reports = doc.servers.flatMap((s) => (s.report ? [s.report] : []));
  const at = (iso: string) => Date.parse(iso);
  const valid = reports.filter((r) => !Number.isNaN(at(r.startedAt)) && !Number.isNaN(at(r.finishedAt)));
  if (valid.length === 0) return null;
  const first = valid.reduce((a, b) => (at(b.startedAt) < at(a.startedAt) ? b : a));
  const last = valid.reduce((a, b) => (at(b.finishedAt) > at(a.finishedAt) ? b : a));
  return { startedAt: first.startedAt, finishedAt: last.finishedAt };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** When, for the title: the first server's start, else when the file was written. */
const whenOf = (doc: FleetDocument, context: FleetExportContext) => fleetSpan(doc)?.startedAt ?? context.writtenAt;

/** The fleet's facts, as label and plain text. */
function fleetFacts(doc: FleetDocument, context: FleetExportContext): [string, string][] {
  const span = fleetSpan(doc);
  return [
    ['Port', String(doc.port)],
    ['Servers', String(doc.servers.length)],
    ...(span ? ([['Started', span.startedAt], ['Finished', span.finishedAt]] as [string, string][]) : [['Started', 'no server finished a diagnosis'] as [string, string]]),
    ['Written', context.writtenAt],
    ['Portwise', context.version],
  ];
}

/** Each cause once, with its title, in the order the table first shows it. */
function causesOf(rows: readonly FleetRow[]): [string, string][] {
  const causes = new Map<string, string>();
  for (const r of rows) if (r.cause !== null && !causes.has(r.cause)) causes.set(r.cause, r.title ?? '');
  return [...causes];
}

/** What a server without a full diagnosis ended in, in words (null: it has one). */
function failureWords(s: FleetServerResult): { label: string; text: string; detail: string | null } | null {
  const f = s.failure;
  if (f === null) return null;
  if (f.kind === 'login-failed') return { label: 'Could not log in', text: `${f.message} (${f.sshKind})`, detail: null };
  if (f.kind === 'cancelled') return { label: 'Cancelled', text: f.message, detail: null };
  return { label: 'Stopped on an internal error', text: f.message, detail: f.detail === '' ? null : f.detail };
}

const serverHeading = (i: number, total: number) => `Server ${i + 1} of ${total}`;

// ---------------------------------------------------------------------------------------------
// Markdown

export function renderFleetMarkdown(doc: FleetDocument, context: FleetExportContext): string {
  const blocks = [
    `# Portwise fleet report: port ${doc.port} on ${plural(doc.servers.length, 'server')} (${escapeText(whenOf(doc, context))})`,
    fleetFacts(doc, context)
      .map(([label, value]) => labelled(label, escapeText(value)))
      .join('\n'),
    `**Verdict:** ${escapeText(doc.verdict.text)}`,
    '## Servers side by side',
    markdownTable(doc.rows),
  ];
  const causes = causesOf(doc.rows);
  if (causes.length > 0) blocks.push('### Causes', mdList(causes.map(([cause, title]) => `${mdCode(cause)}: ${escapeText(title)}`)));
  const rules = doc.rows.filter((r) => r.rule !== null);
  if (rules.length > 0) blocks.push('### Rules that counted the probes', mdList(rules.map((r) => `${escapeText(r.server)}: ${mdCode(r.rule ?? '')}`)));
  doc.servers.forEach((s, i) => blocks.push(...markdownServer(s, i, doc.servers.length)));
  return `${blocks.join('\n\n')}\n`;
}

function markdownTable(rows: readonly FleetRow[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(FLEET_COLUMNS), line(FLEET_COLUMNS.map(() => '---')), ...rows.map((r) => line(cellsOf(r).map(escapeCell)))].join('\n');
}

function markdownServer(s: FleetServerResult, i: number, total: number): string[] {
  const facts = [labelled('Destination', mdCode(s.destination)), ...(s.profile === null ? [] : [labelled('Profile', mdCode(s.profile))]), labelled('Target', mdCode(s.target))];
  const failure = failureWords(s);
  if (failure) facts.push(labelled(failure.label, escapeText(failure.text)));
  const out = [`## ${serverHeading(i, total)}: ${mdCode(s.server)}`, facts.join('\n')];
  if (failure?.detail) out.push(fence(failure.detail, 'text'));
  out.push(s.report ? shiftMarkdownHeadings(renderReportMarkdown(s.report).trimEnd(), 2) : 'No report: the diagnosis of this server did not finish.');
  return out;
}

/**
 * Every ATX heading of a rendered report `by` levels down (`#` -> `###`), so the report sits under
 * its server's heading. Fenced blocks (commands, raw output: the server's own text) are left alone:
 * a fence is opened by a run of three or more backticks and closed by a line of at least as many
 * (the renderer makes each fence longer than any run inside it, so no content can close it early).
 */
export function shiftMarkdownHeadings(markdown: string, by: number): string {
  let fenceLength = 0;
  return markdown
    .split('\n')
    .map((line) => {
      const run = /^\s*(`{3,})(.*)$/.exec(line);
      if (fenceLength > 0) {
        if (run && (run[1] ?? '').length >= fenceLength && (run[2] ?? '').trim() === '') fenceLength = 0;
        return line;
      }
      if (run) {
        fenceLength = (run[1] ?? '').length;
        return line;
      }
      return /^#{1,6} /.test(line) ? `${'#'.repeat(by)}${line}` : line;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// HTML: the single report's page (its head, CSP and style, its escaping helpers), with the fleet's
// own parts and each server's report nested in it.

/** Headings two levels down inside a server's section; the fleet's table may run over pages; each server starts a page in print. */
const FLEET_STYLE = `table.fleet { break-inside: auto; }
table.fleet th { color: var(--text-muted); font-weight: 600; }
section.server { margin-top: 2.5rem; }
section.server > h2 { font-size: 1.3rem; border-bottom: 2px solid var(--text); }
.server-report h3 { font-size: 1.2rem; margin: 1rem 0 0.5rem; }
.server-report h4 { font-size: 1.1rem; margin: 1.6rem 0 0.5rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--border); break-after: avoid; }
.server-report h5 { font-size: 1rem; margin: 1.2rem 0 0.4rem; break-after: avoid; }
article.evidence h5 { margin-bottom: 0.2rem; }
article.evidence h5 .badge { font-weight: 600; margin-left: 0.3em; }
@media print {
  section.server { break-before: page; }
}`;

export function renderFleetHtml(doc: FleetDocument, context: FleetExportContext): string {
  const title = `Portwise fleet report: port ${doc.port} on ${plural(doc.servers.length, 'server')} (${whenOf(doc, context)})`;
  const facts = fleetFacts(doc, context).map(([label, value]): [string, string] => [label, escapeMarkup(value)]);
  const body = [
    '<header>',
    `<h1>Portwise fleet report: port ${htmlCode(String(doc.port))} on ${escapeMarkup(plural(doc.servers.length, 'server'))}</h1>`,
    factsList(facts),
    '</header>',
    '<main>',
    htmlVerdict(doc),
    htmlTableSection(doc.rows),
    ...doc.servers.map((s, i) => htmlServer(s, i, doc.servers.length)),
    '</main>',
    `<footer>Written by Portwise ${escapeMarkup(context.version)} at ${escapeMarkup(context.writtenAt)} from a ${htmlCode(doc.schema)} document.</footer>`,
  ];
  return htmlPage(title, body, FLEET_STYLE);
}

function htmlVerdict(doc: FleetDocument): string {
  const v = doc.verdict;
  const settled = v.failing === 0 && v.loginFailed.length === 0 && v.cancelled.length === 0 && v.failed.length === 0 && v.total > 0;
  return ['<section id="verdict">', '<h2>Verdict</h2>', `<div class="verdict${settled ? '' : ' inconclusive'}">`, `<p class="title">${escapeMarkup(v.text)}</p>`, '</div>', '</section>'].join('\n');
}

function htmlTableSection(rows: readonly FleetRow[]): string {
  const head = `<thead><tr>${FLEET_COLUMNS.map((c) => `<th scope="col">${escapeMarkup(c)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((r) => {
    const [server, probe, ...rest] = cellsOf(r).map(escapeMarkup);
    // The probe's words carry the outcome; the colour only repeats them.
    const probeCell = r.outcome === null ? probe : badge(r.probe, outcomeTone(r.outcome));
    return `<tr><th scope="row">${server}</th><td>${probeCell}</td>${rest.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
  });
  const out = ['<section id="servers">', '<h2>Servers side by side</h2>', '<table class="fleet">', head, '<tbody>', ...body, '</tbody>', '</table>'];
  const causes = causesOf(rows);
  if (causes.length > 0) out.push('<h3>Causes</h3>', htmlList(causes.map(([cause, title]) => `${htmlCode(cause)}: ${escapeMarkup(title)}`)));
  const rules = rows.filter((r) => r.rule !== null);
  if (rules.length > 0) out.push('<h3>Rules that counted the probes</h3>', htmlList(rules.map((r) => `${escapeMarkup(r.server)}: ${htmlCode(r.rule ?? '')}`)));
  out.push('</section>');
  return out.join('\n');
}

function htmlServer(s: FleetServerResult, i: number, total: number): string {
  const facts: [string, string][] = [['Destination', htmlCode(s.destination)], ...(s.profile === null ? [] : [['Profile', htmlCode(s.profile)] as [string, string]]), ['Target', htmlCode(s.target)]];
  const failure = failureWords(s);
  if (failure) facts.push([failure.label, escapeMarkup(failure.text)]);
  const out = [`<section class="server" id="server-${i + 1}">`, `<h2>${escapeMarkup(serverHeading(i, total))}: ${htmlCode(s.server)}</h2>`, factsList(facts)];
  if (failure?.detail) out.push(`<pre class="output"><samp>${escapeMarkup(failure.detail)}</samp></pre>`);
  if (s.report) {
    const parts = reportHtmlParts(s.report);
    out.push('<div class="server-report">', ...[parts.header, ...parts.sections].map((part) => nestedReportMarkup(part, i + 1)), '</div>');
  } else {
    out.push('<p>No report: the diagnosis of this server did not finish.</p>');
  }
  out.push('</section>');
  return out.join('\n');
}

/**
 * A report's markup inside the fleet's page: headings two levels down (h1 -> h3) and ids made unique
 * per server. Only the renderer's own markup can match: every piece of report text went through
 * escapeMarkup, so none holds a `<` or a `"`.
 */
export function nestedReportMarkup(markup: string, server: number): string {
  return markup.replace(/<(\/?)h([1-4])(?=[\s>])/g, (_m, slash: string, level: string) => `<${slash}h${Number(level) + 2}`).replace(/ id="/g, ` id="server-${server}-`);
}

// ---------------------------------------------------------------------------------------------
// Redaction: one plan for the whole fleet, so one original has one alias in every server's report,
// the table and the verdict.

/**
 * The fleet redacted as `diagnose --report` redacts one report (secrets always, `classes` on
 * request), with one plan over every server, and how many distinct things of each kind were replaced.
 * A saved profile's name is a label someone chose, often the host's own: with `hosts`, each becomes
 * `profile-N` (counted with the host names). The rows and the verdict are made again from the
 * redacted servers, so they say nothing the reports no longer do. Nothing to replace: the document
 * itself, unchanged.
 */
export function redactFleet(doc: FleetDocument, classes: ReadonlySet<RedactClass>): { redacted: FleetDocument; replaced: Partial<Record<RedactKind, number>> } {
  const reports = doc.servers.flatMap((s) => (s.report ? [s.report] : []));
  // Every server's own strings besides its report (label, target, profile, failure) go in under
  // their field names; each destination is read as user@host:port.
  const around = doc.servers.map(({ report: _report, ...rest }) => rest);
  const plan = planSharedRedaction(reports, { destinations: doc.servers.map((s) => s.destination), strings: around }, { classes });
  const replaced = replacedCounts(plan);
  const profiles = classes.has('hosts') ? [...new Set(doc.servers.flatMap((s) => (s.profile === null ? [] : [s.profile])))] : [];
  if (profiles.length > 0) replaced.hosts = (replaced.hosts ?? 0) + profiles.length;
  if (plan.replacements.length === 0 && profiles.length === 0) return { redacted: doc, replaced };
  const profileAlias = new Map(profiles.map((name, i) => [name, `profile-${i + 1}`]));

  const servers = doc.servers.map((s): FleetServerResult => {
    const own = applyRedactionTo({ server: s.server, destination: s.destination, target: s.target, profile: s.profile ?? '', message: s.failure?.message ?? '', detail: s.failure?.kind === 'failed' ? s.failure.detail : '' }, plan);
    const alias = s.profile === null ? undefined : profileAlias.get(s.profile);
    const f = s.failure;
    const failure: FleetServerResult['failure'] = f === null ? null : f.kind === 'failed' ? { ...f, message: own.message, detail: own.detail } : { ...f, message: own.message };
    return {
      server: alias !== undefined && s.server === s.profile ? alias : own.server,
      destination: own.destination,
      profile: s.profile === null ? null : (alias ?? own.profile),
      target: own.target,
      report: s.report ? applyRedaction(s.report, plan) : null,
      failure,
    };
  });
  return { redacted: { schema: doc.schema, port: doc.port, servers, rows: fleetRows(servers), verdict: fleetVerdict(servers) }, replaced };
}
