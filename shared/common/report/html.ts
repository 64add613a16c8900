import { decisionPathSvg, escapeMarkup, evidenceTimelineSvg, FONT_STACK, INK, INK_MUTED, MONO_STACK, RULE, statusTone, TONE_COLOURS, type Tone } from './html-svg';
import { formatDuration, formatOffset, msBetween } from './times';
import { proxyWords, verificationView, wholeOutputWords } from './report-words';
import { platformLabel } from './platform-label';
import { describeHop } from '../schema/prompts';
import type { Diagnosis, Evidence, PathStep, Platform, Report, Verification } from '../schema/report';
import { formatTarget } from '../schema/target';

/**
 * A finished report as one self-contained HTML page, to attach to a ticket: it opens in any browser
 * without a network and prints to PDF. Pure and deterministic: every date comes from the report.
 *
 * The page is safe to open whatever the report holds (remote output is written by whoever controls
 * the server): every piece of report text goes through `escapeMarkup`, so it is shown and never
 * parsed; there is no script, no event handler and no external reference; and a Content Security
 * Policy forbids loading or running anything even if a bug let markup through.
 */
export function renderReportHtml(report: Report): string {
  const parts = reportHtmlParts(report);
  return htmlPage(documentTitle(report), [parts.header, '<main>', ...parts.sections, '</main>', parts.footer]);
}

/** The pieces of a report's page: its header, the sections it has (in order), its footer. A fleet's page nests them. */
export function reportHtmlParts(report: Report): { header: string; sections: string[]; footer: string } {
  const sections = [
    diagnosisSection(report.diagnosis),
    fixSection(report.diagnosis),
    verifySection(report.diagnosis),
    verificationsSection(report.verifications ?? []),
    decisionPathSection(report),
    pendingSection(report.pending, report.diagnosis.missing),
    sshFailureSection(report.sshFailure),
    evidenceSection(report),
    answersSection(report),
  ];
  return { header: headerSection(report), sections: sections.filter((part) => part !== ''), footer: footer(report) };
}

/** The headings of the sections, in order; verification runs, a pending question, an SSH failure and answers only appear when the report has them. */
export const HTML_SECTION_HEADINGS = ['Diagnosis', 'Fix', 'Verify the fix', 'Verification runs', 'Decision path', 'Pending question', 'SSH login failure', 'Evidence', 'Answers given by a person'] as const;

// ---------------------------------------------------------------------------------------------
// The page.

/** Nothing may load or run: styles inline, images only as data (there are none), no script at all. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function documentTitle(report: Report): string {
  return `Portwise report: ${formatTarget(report.target)} (${report.outcome})`;
}

/** A whole page: the head (charset, CSP, title, the report's style plus `extraStyle`), then `body`'s markup, one part a line. */
export function htmlPage(title: string, body: readonly string[], extraStyle = ''): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeMarkup(CONTENT_SECURITY_POLICY)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeMarkup(title)}</title>`,
    `<style>\n${STYLE}${extraStyle === '' ? '' : `\n${extraStyle}`}\n</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const toneVariables = (Object.entries(TONE_COLOURS) as [Tone, { fg: string; bg: string }][]).map(([tone, c]) => `  --${tone}: ${c.fg};\n  --${tone}-bg: ${c.bg};`).join('\n');

/**
 * Light on purpose (it is read on paper as often as on screen), in the app's colours and system
 * fonts. Print: boxes that fit on a page are not split, headings stay with what follows, long lines
 * of output wrap instead of being cut at the margin, and colours print (they carry the status).
 */
const STYLE = `:root {
  color-scheme: light;
  --text: ${INK};
  --text-muted: ${INK_MUTED};
  --border: ${RULE};
  --surface-muted: #eef0f3;
${toneVariables}
  --font: ${FONT_STACK};
  --mono: ${MONO_STACK};
}
*, *::before, *::after { box-sizing: border-box; }
html { background: #ffffff; color: var(--text); font-family: var(--font); font-size: 15px; line-height: 1.5; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { max-width: 820px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.45rem; line-height: 1.25; margin: 0 0 0.5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--border); break-after: avoid; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; break-after: avoid; }
p { margin: 0.4rem 0; }
code, pre, samp { font-family: var(--mono); font-size: 0.86em; }
:not(pre) > code { background: var(--surface-muted); border-radius: 4px; padding: 0.05em 0.3em; overflow-wrap: anywhere; }
pre { background: var(--surface-muted); border: 1px solid var(--border); border-radius: 5px; padding: 0.5rem 0.75rem; margin: 0.3rem 0 0.6rem; overflow-x: auto; white-space: pre; }
pre code, pre samp { font-size: 1em; }
pre.output { background: #fafbfc; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.4rem 0; }
dl.facts dt { color: var(--text-muted); }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 999px; padding: 0 0.55em; font-size: 0.85em; font-weight: 600; border: 1px solid currentColor; }
.tone-ok { color: var(--ok); background: var(--ok-bg); }
.tone-bad { color: var(--bad); background: var(--bad-bg); }
.tone-warn { color: var(--warn); background: var(--warn-bg); }
.tone-info { color: var(--info); background: var(--info-bg); }
.tone-muted { color: var(--text-muted); background: var(--surface-muted); }
.verdict { border-left: 4px solid var(--info); background: var(--info-bg); padding: 0.5rem 0.8rem; border-radius: 0 5px 5px 0; break-inside: avoid; }
.verdict.inconclusive { border-color: var(--warn); background: var(--warn-bg); }
.verdict .title { font-size: 1.1rem; font-weight: 700; }
.muted { color: var(--text-muted); }
ol.steps > li, ol.path > li { margin: 0 0 0.7rem; break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--border); overflow-wrap: anywhere; }
ol.path p { margin: 0.1rem 0; }
.label { color: var(--text-muted); margin: 0.5rem 0 0.1rem; break-after: avoid; }
figure { margin: 0.3rem 0 0.6rem; }
figure.command figcaption { font-size: 0.85em; color: var(--text-muted); }
figure.diagram { break-inside: avoid; }
figure.diagram svg { display: block; max-width: 100%; height: auto; }
figure.diagram figcaption { font-size: 0.85em; color: var(--text-muted); margin-top: 0.3rem; }
.by-person { color: var(--warn); font-weight: 600; }
article.evidence { margin: 1.2rem 0; }
article.evidence > header { break-inside: avoid; }
article.evidence h3 { margin-bottom: 0.2rem; }
article.evidence h3 .badge { font-weight: 600; margin-left: 0.3em; }
footer { margin-top: 2.5rem; padding-top: 0.5rem; border-top: 1px solid var(--border); color: var(--text-muted); font-size: 0.85em; }
@page { margin: 15mm 14mm; }
@media print {
  html { font-size: 11pt; }
  body { max-width: none; padding: 0; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  figure.command, .verdict, dl.facts { break-inside: avoid; }
  /* A picture is not cut between pages: a long one is scaled down to fit one page (with its heading). */
  figure.diagram svg { width: auto; max-height: 225mm; }
  h2 { break-before: auto; }
}`;

// ---------------------------------------------------------------------------------------------
// Sections. Each returns its markup, or '' when the report has nothing for it.

function headerSection(report: Report): string {
  const w = report.workstation;
  const took = msBetween(report.startedAt, report.finishedAt);
  const facts: [string, string][] = [
    ['Typed', code(report.target.input)],
    ['Outcome', badge(report.outcome, outcomeTone(report.outcome))],
    ['Started', text(report.startedAt)],
    ['Finished', text(report.finishedAt)],
    ['Duration', took === null ? 'unknown (a timestamp does not parse)' : text(formatDuration(took))],
    ['Portwise', text(report.tool.version)],
    ['Workstation', text(`${w.platform} ${w.release}, ${w.runtime}`)],
  ];
  if (w.proxy) facts.push(['Proxy', text(proxyWords(w.proxy))]);
  if (report.service !== null) facts.push(['Service', text(report.service)]);
  if (report.symptom !== null) facts.push(['Symptom', text(report.symptom)]);
  return ['<header>', `<h1>Portwise report: ${code(formatTarget(report.target))}</h1>`, factsList(facts), '</header>'].join('\n');
}

/** Connected is fine; mixed is partly so; every other outcome is the failure being diagnosed. */
export function outcomeTone(outcome: Report['outcome']): Tone {
  if (outcome === 'connected') return 'ok';
  return outcome === 'mixed' ? 'warn' : 'bad';
}

function diagnosisSection(d: Diagnosis): string {
  const out = [section('diagnosis', 'Diagnosis'), verdictBox(d)];
  out.push(labelledParagraph('Summary', d.summary), labelledParagraph('Explanation', d.explanation), labelledParagraph('Proof', d.proof));
  if (d.service !== null) out.push(`<p><strong>The fix is written for:</strong> ${text(d.service.name)} (${code(d.service.id)})</p>`);
  if (d.missing.length > 0) out.push('<h3>Missing evidence</h3>', bulletList(d.missing.map(prose)));
  if (d.candidates.length > 0) out.push('<h3>Possible causes</h3>', bulletList(d.candidates.map((c) => `${text(c.title)} (${code(c.id)})`)));
  out.push('</section>');
  return out.join('\n');
}

/** The verdict first and boxed; an inconclusive one says so in words, not as a cause id alone. */
function verdictBox(d: Diagnosis): string {
  if (d.cause === 'inconclusive') {
    return [
      '<div class="verdict inconclusive">',
      `<p class="title">${text(d.title)}</p>`,
      `<p>Cause ${code(d.cause)}: the evidence does not decide between the possible causes below; what would decide it is listed as missing evidence.</p>`,
      '</div>',
    ].join('\n');
  }
  return [
    '<div class="verdict">',
    `<p class="title">${text(d.title)}</p>`,
    `<p>Cause ${code(d.cause)} ${badge(`${d.confidence} confidence`, d.confidence === 'high' ? 'info' : 'warn')}</p>`,
    '</div>',
  ].join('\n');
}

function fixSection(d: Diagnosis): string {
  if (d.remediation.length === 0) return [section('fix', 'Fix'), '<p>No fix steps for this verdict.</p>', '</section>'].join('\n');
  const steps = d.remediation.map((step) => ['<li>', `<p>${prose(step.text)}</p>`, ...commandFigures(step.commands), '</li>'].join('\n'));
  return [section('fix', 'Fix'), '<ol class="steps">', ...steps, '</ol>', '</section>'].join('\n');
}

function verifySection(d: Diagnosis): string {
  return [section('verify', 'Verify the fix'), `<p>${prose(d.verify.text)}</p>`, ...commandFigures(d.verify.commands), '</section>'].join('\n');
}

/** Each verify-the-fix run after the diagnosis: per address, before and after, in words (not colour alone). */
function verificationsSection(verifications: readonly Verification[]): string {
  if (verifications.length === 0) return '';
  const runs = verifications.map((v) => {
    const view = verificationView(v);
    const rows = view.rows.map((r) => `<tr><td>${code(r.address)}</td><td>${text(r.before)}</td><td>${text(r.after)} ${r.fixed ? badge('fixed', 'ok') : badge('still failing', 'bad')}</td></tr>`);
    return [`<h3>${text(view.at)}</h3>`, `<p>${text(view.verdict)}</p>`, '<table>', '<thead><tr><th scope="col">Address</th><th scope="col">In the diagnosis</th><th scope="col">After the fix</th></tr></thead>', '<tbody>', ...rows, '</tbody>', '</table>'].join('\n');
  });
  return [section('verifications', 'Verification runs'), ...runs, '</section>'].join('\n');
}

/** The picture for the eye, then the same steps as text, for screen readers and for copying. */
function decisionPathSection(report: Report): string {
  const d = report.diagnosis;
  const out = [section('decision-path', 'Decision path')];
  if (report.path.length === 0) out.push('<p>No step was taken.</p>');
  out.push('<figure class="diagram">', decisionPathSvg(report.path, d), '<figcaption>Each step of the decision tree, top to bottom, with the reason it went on; dashed steps were decided by a person.</figcaption>', '</figure>');
  if (report.path.length > 0) out.push('<ol class="path">', ...report.path.map((step) => pathStepItem(step, report.answers)), '</ol>');
  out.push(`<p class="conclusion">${d.cause === 'inconclusive' ? 'Ended inconclusive' : 'Concluded'}: <strong>${text(d.title)}</strong> (${code(d.cause)})</p>`, '</section>');
  return out.join('\n');
}

function pathStepItem(step: PathStep, answers: Report['answers']): string {
  const person = step.by === 'evidence' ? '' : ' class="by-person"';
  return [
    '<li class="step">',
    `<p><strong>${text(step.title)}</strong> ${code(step.node)} → ${code(step.next)}</p>`,
    `<p>${prose(step.reason)}</p>`,
    `<p class="muted">Decided by <span${person}>${decidedBy(step, answers[step.node])}</span>.</p>`,
    '</li>',
  ].join('\n');
}

/** Who decided: the evidence, a person's answer (which), or an override (its reason, and where the evidence led). */
function decidedBy(step: PathStep, answer: Report['answers'][string] | undefined): string {
  if (step.by === 'evidence') return 'the evidence';
  if (step.by === 'answer') {
    if (answer?.choice !== undefined) return `a person's answer (${code(answer.choice)})`;
    return answer?.paste !== undefined ? "a person's pasted output" : "a person's answer";
  }
  const automatic = step.automatic === null ? 'the evidence alone could not decide' : `the evidence alone led to ${code(step.automatic)}`;
  const reason = step.overrideReason === null ? 'no reason given' : `reason: “${text(step.overrideReason)}”`;
  return `a person's override (${reason}); ${automatic}`;
}

function pendingSection(p: Report['pending'], diagnosisMissing: readonly string[]): string {
  if (p === null) return '';
  const out = [section('pending', 'Pending question'), `<p><strong>${text(p.title)}</strong> (${code(p.node)})</p>`, `<p>${prose(p.question)}</p>`, labelledParagraph('Why', p.why), labelledParagraph('Reason', p.reason)];
  if (p.paste) {
    out.push(`<p>To answer, run on the server and paste the output as ${code(JSON.stringify({ [p.node]: { paste: '...' } }))} in an ${code('--answers')} file. ${prose(p.paste.hint)}</p>`);
    out.push(...p.paste.commands.map((c) => commandFigure(c.os, c.command)));
  }
  if (p.choices.length > 0) {
    out.push(`<p>${p.paste ? 'Or answer' : 'Answer'} with ${code(JSON.stringify({ [p.node]: { choice: 'ID' } }))}:</p>`);
    out.push(bulletList(p.choices.map((c) => `${code(c.id)}: ${prose(c.label)} → ${code(c.leadsTo)}`)));
  }
  // Usually the diagnosis's own list, shown above already.
  if (p.missing.length > 0 && p.missing.join('\n') !== diagnosisMissing.join('\n')) out.push('<h3>Missing evidence</h3>', bulletList(p.missing.map(text)));
  out.push('</section>');
  return out.join('\n');
}

function sshFailureSection(f: Report['sshFailure']): string {
  if (f === null) return '';
  const facts: [string, string][] = [
    ['Kind', code(f.kind)],
    ['Message', text(f.message)],
    ['Failed hop', f.failedHop ? text(describeHop(f.failedHop)) : f.hop === 0 ? 'none (the failure came from outside the SSH layer)' : text(`hop ${f.hop}`)],
  ];
  if (f.chain && f.chain.length > 0) facts.push(['Chain', f.chain.map((c) => `${text(describeHop(c.hop))}: ${text(c.status)}`).join('; ')]);
  if (f.presented) facts.push(['Key the server presented', `${text(f.presented.keyType)} ${code(f.presented.fingerprint)}`]);
  if (f.known && f.known.length > 0) facts.push(['Keys on file', f.known.map((k) => `${text(k.keyType)} ${code(k.fingerprint)} (${code(`${k.file}:${k.line}`)})`).join('; ')]);
  if (f.methodsTried) facts.push(['Methods tried', listOrNone(f.methodsTried)]);
  if (f.serverMethods !== undefined) facts.push(['The server still offered', f.serverMethods === null ? 'it never said' : listOrNone(f.serverMethods)]);
  if (f.keyPath) facts.push(['Key file', code(f.keyPath)]);
  return [section('ssh-failure', 'SSH login failure'), factsList(facts), '</section>'].join('\n');
}

function evidenceSection(report: Report): string {
  const timeline = evidenceTimelineSvg(report);
  if (timeline === null) return [section('evidence', 'Evidence'), '<p>No evidence was collected.</p>', '</section>'].join('\n');
  const caption = `When each piece of evidence was collected, from the start of the run (${text(report.startedAt)}), and for how long; the colour is how it ended.`;
  return [
    section('evidence', 'Evidence'),
    '<figure class="diagram">',
    timeline,
    `<figcaption>${caption}</figcaption>`,
    '</figure>',
    ...report.evidence.map((e, i) => evidenceArticle(e, i + 1, report.startedAt)),
    '</section>',
  ].join('\n');
}

/** One piece of evidence: when, how it ended, where, the exact command, what it said, its raw output. */
function evidenceArticle(e: Evidence, n: number, runStartedAt: string): string {
  const facts: [string, string][] = [
    ['When', `${text(formatOffset(msBetween(runStartedAt, e.startedAt)))} after the start (${text(e.startedAt)}), took ${text(formatDuration(e.ms))}`],
    ['Where', code(e.where)],
  ];
  if (e.origin === 'pasted') facts.push(['Origin', 'pasted by a person']);
  facts.push(['Summary', prose(e.summary)], ...remoteCommandFacts(e));
  const whole = wholeOutputWords(e);
  if (whole !== null) facts.push(['Whole output', `${whole.sha256 === null ? '' : `sha256 ${code(whole.sha256)}, `}${text(whole.text)}`]);
  const out = [
    `<article class="evidence" id="evidence-${n}">`,
    '<header>',
    `<h3>${n}. ${code(e.id)} ${badge(e.status, statusTone[e.status])}</h3>`,
    factsList(facts),
    '<p class="label">Command:</p>',
    `<pre><code>${text(e.command)}</code></pre>`,
    '</header>',
  ];
  if (e.facts.check === 'remote-command' && e.facts.stderr !== '') out.push('<p class="label">Standard error:</p>', output(e.facts.stderr, 'stderr'));
  if (e.raw !== null) out.push(`<p class="label">${e.raw === '' ? 'Output: none (empty).' : 'Output:'}</p>`, ...(e.raw === '' ? [] : [output(e.raw)]));
  out.push('</article>');
  return out.join('\n');
}

/** How a server command ended: the raw output alone does not say whether it failed, ran with sudo or was cut. */
function remoteCommandFacts(e: Evidence): [string, string][] {
  if (e.facts.check !== 'remote-command') return [];
  const f = e.facts;
  const out: [string, string][] = [['Exit code', f.exitCode === null ? 'none (it did not exit)' : text(String(f.exitCode))]];
  if (f.sudo) out.push(['Ran with', code('sudo -n')]);
  if (f.truncated) out.push(['Output', "cut at the engine's cap"]);
  return out;
}

/**
 * What people answered, by node. A paste is shown once: where an evidence holds the same text, the
 * list points to it; otherwise (an unreadable paste has no raw) it is shown here.
 */
function answersSection(report: Report): string {
  const entries = Object.entries(report.answers);
  if (entries.length === 0) return '';
  const items: string[] = [];
  const unshownPastes: string[] = [];
  for (const [node, answer] of entries) {
    if (answer.choice !== undefined) items.push(`${code(node)}: chose ${code(answer.choice)}`);
    if (answer.override !== undefined) items.push(`${code(node)}: overridden to ${code(answer.override.to)}, reason: “${text(answer.override.reason)}”`);
    if (answer.paste !== undefined) {
      const at = report.evidence.findIndex((e) => e.raw === answer.paste);
      items.push(`${code(node)}: pasted ${lineCount(answer.paste)} of output${at >= 0 ? ` (evidence ${at + 1} above)` : ' (below)'}`);
      if (at < 0) unshownPastes.push(`<p class="label">Pasted at ${code(node)}:</p>`, output(answer.paste));
    }
  }
  return [section('answers', 'Answers given by a person'), bulletList(items), ...unshownPastes, '</section>'].join('\n');
}

function footer(report: Report): string {
  return `<footer>Written by Portwise ${text(report.tool.version)} from a ${code(report.schema)} report.</footer>`;
}

// ---------------------------------------------------------------------------------------------
// Building blocks. Every argument named `value` or `content` is report text and is escaped here.

/** Report text as HTML text. */
function text(value: string): string {
  return escapeMarkup(value);
}

/**
 * The engine's prose as HTML: it quotes commands and rules between single backticks, and such a
 * pair is shown as code (split() with a capture group alternates: text, code, text, ..., text).
 */
function prose(value: string): string {
  return value
    .split(/`([^`]+)`/)
    .map((part, i) => (i % 2 === 1 ? code(part) : escapeMarkup(part)))
    .join('');
}

export function code(value: string): string {
  return `<code>${escapeMarkup(value)}</code>`;
}

export function badge(value: string, tone: Tone): string {
  return `<span class="badge tone-${tone}">${escapeMarkup(value)}</span>`;
}

/**
 * Raw output as a block. The `<samp>` inside `<pre>` also keeps a leading blank line: HTML drops a
 * line feed right after `<pre>`, and an output's first line may be empty.
 */
function output(content: string, kind: 'stdout' | 'stderr' = 'stdout'): string {
  return `<pre class="output${kind === 'stderr' ? ' stderr' : ''}"><samp>${escapeMarkup(content)}</samp></pre>`;
}

/** Fix and verify commands, each under its platform's name. */
function commandFigures(commands: readonly { platform: Platform; command: string }[]): string[] {
  return commands.map((c) => commandFigure(platformLabel[c.platform], c.command));
}

function commandFigure(label: string, command: string): string {
  return `<figure class="command"><figcaption>${escapeMarkup(label)}</figcaption><pre><code>${escapeMarkup(command)}</code></pre></figure>`;
}

/** Label/value pairs; the values are markup already (built with `text`, `code`, `badge`). */
export function factsList(facts: readonly [string, string][]): string {
  return ['<dl class="facts">', ...facts.map(([label, value]) => `<dt>${escapeMarkup(label)}</dt><dd>${value}</dd>`), '</dl>'].join('\n');
}

function labelledParagraph(label: string, value: string): string {
  return `<p><strong>${escapeMarkup(label)}:</strong> ${prose(value)}</p>`;
}

/** Items are markup already. */
export function bulletList(items: readonly string[]): string {
  return ['<ul>', ...items.map((item) => `<li>${item}</li>`), '</ul>'].join('\n');
}

function listOrNone(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.map(code).join(', ');
}

function section(id: string, heading: (typeof HTML_SECTION_HEADINGS)[number]): string {
  return `<section id="${id}">\n<h2>${escapeMarkup(heading)}</h2>`;
}

function lineCount(value: string): string {
  const n = value === '' ? 0 : value.replace(/\r?\n$/, '').split(/\r\n|\r|\n/).length;
  return n === 1 ? '1 line' : `${n} lines`;
}
