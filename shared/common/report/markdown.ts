import { platformLabel } from './platform-label';
import { describeHop } from '../schema/prompts';
import type { Diagnosis, Evidence, PathStep, Platform, Report, Verification } from '../schema/report';
import { formatTarget } from '../schema/target';
import { formatDuration, formatOffset, msBetween } from './times';
import { proxyWords, verificationView, wholeOutputWords } from './report-words';

/**
 * A finished report as Markdown, to attach to a ticket. Pure and deterministic: every date comes
 * from the report, never from the clock.
 *
 * Everything the report says is data, not markup: prose is escaped (`escapeText`), short values go
 * in inline code (`code`), and multi-line text (commands, raw outputs) in fences longer than any
 * backtick run inside (`fence`). Raw outputs are top-level blocks, so no list indentation stands
 * between their lines and what a reader copies. Written for CommonMark/GFM (GitHub, GitLab, Jira's
 * Markdown paste), and laid out to read as plain text too.
 */
export function renderReportMarkdown(report: Report): string {
  const blocks = [
    titleLine(report),
    factsList(report),
    ...diagnosisSection(report.diagnosis),
    ...fixSection(report.diagnosis),
    ...verifySection(report.diagnosis),
    ...verificationsSection(report.verifications ?? []),
    ...decisionPathSection(report),
    ...pendingSection(report.pending, report.diagnosis.missing),
    ...sshFailureSection(report.sshFailure),
    ...evidenceSection(report),
  ];
  return `${blocks.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Sections. Each returns Markdown blocks, joined by blank lines; an absent section returns none.

function titleLine(report: Report): string {
  return `# Portwise report: ${code(formatTarget(report.target))} (outcome: ${escapeText(report.outcome)})`;
}

function factsList(report: Report): string {
  const w = report.workstation;
  const facts: [string, string][] = [
    ['Typed', code(report.target.input)],
    ['Started', escapeText(report.startedAt)],
    ['Finished', `${escapeText(report.finishedAt)} (took ${elapsed(report.startedAt, report.finishedAt)})`],
    ['Portwise', escapeText(report.tool.version)],
    ['Workstation', escapeText(`${w.platform} ${w.release} ${w.runtime}`)],
  ];
  if (w.proxy) facts.push(['Proxy', escapeText(proxyWords(w.proxy))]);
  if (report.service !== null) facts.push(['Service', escapeText(report.service)]);
  if (report.symptom !== null) facts.push(['Symptom', escapeText(report.symptom)]);
  return facts.map(([label, value]) => labelled(label, value)).join('\n');
}

function diagnosisSection(d: Diagnosis): string[] {
  const out = ['## Diagnosis', verdictLine(d), labelledParagraph('Summary', d.summary), labelledParagraph('Explanation', d.explanation), labelledParagraph('Proof', d.proof)];
  if (d.service !== null) out.push(`**The fix is written for:** ${escapeText(d.service.name)} (${code(d.service.id)})`);
  if (d.missing.length > 0) out.push('### Missing evidence', bulletList(d.missing.map(escapeText)));
  if (d.candidates.length > 0) out.push('### Possible causes', bulletList(d.candidates.map((c) => `${escapeText(c.title)} (${code(c.id)})`)));
  return out;
}

/** The cause and how sure: an inconclusive verdict says so in words, not as a cause id alone. */
function verdictLine(d: Diagnosis): string {
  if (d.cause === 'inconclusive') {
    return `**${escapeText(d.title)}** (${code(d.cause)}): the evidence does not decide between the possible causes below; what would decide it is listed as missing evidence.`;
  }
  return `**${escapeText(d.title)}** (cause ${code(d.cause)}, ${escapeText(d.confidence)} confidence)`;
}

function fixSection(d: Diagnosis): string[] {
  if (d.remediation.length === 0) return ['## Fix', 'No fix steps for this verdict.'];
  return ['## Fix', numberedList(d.remediation.map((step) => [escapeText(step.text), ...commandBlocks(step.commands)]))];
}

function verifySection(d: Diagnosis): string[] {
  return ['## Verify the fix', escapeText(d.verify.text), ...commandBlocks(d.verify.commands)];
}

/** Each verify-the-fix run after the diagnosis: per address, before and after. */
function verificationsSection(verifications: readonly Verification[]): string[] {
  if (verifications.length === 0) return [];
  return [
    '## Verification runs',
    ...verifications.flatMap((v) => {
      const view = verificationView(v);
      const table = ['| Address | In the diagnosis | After the fix |', '| --- | --- | --- |', ...view.rows.map((r) => `| ${[code(r.address), escapeCell(r.before), escapeCell(`${r.after}${r.fixed ? '' : ' (still failing)'}`)].join(' | ')} |`)];
      return [`### ${escapeText(view.at)}`, escapeText(view.verdict), table.join('\n')];
    }),
  ];
}

function decisionPathSection(report: Report): string[] {
  const out = ['## Decision path'];
  out.push(report.path.length === 0 ? 'No step was taken.' : numberedList(report.path.map((step) => pathStepBlocks(step, report.answers))));
  out.push(...answersBlocks(report));
  return out;
}

/** One step: where it went, its reason, and who decided (an override keeps where the evidence led). */
function pathStepBlocks(step: PathStep, answers: Report['answers']): string[] {
  const head = `**${escapeText(step.title)}** (${code(step.node)}) → ${code(step.next)}`;
  return [`${head}\n${bulletList([`Reason: ${escapeText(step.reason)}`, `Decided by: ${decidedBy(step, answers[step.node])}`])}`];
}

function decidedBy(step: PathStep, answer: Report['answers'][string] | undefined): string {
  if (step.by === 'evidence') return 'the evidence';
  if (step.by === 'answer') return answer?.choice !== undefined ? `a person's answer (${code(answer.choice)})` : answer?.paste !== undefined ? "a person's pasted output" : "a person's answer";
  const automatic = step.automatic === null ? 'the evidence alone could not decide' : `the evidence alone led to ${code(step.automatic)}`;
  const reason = step.overrideReason === null ? 'no reason given' : `reason: "${escapeText(step.overrideReason)}"`;
  return `a person's override (${reason}); ${automatic}`;
}

/**
 * What people answered, by node. A paste is shown once: where an evidence holds the same text, the
 * list points to it; otherwise (an unreadable paste has no raw) it gets its own block here.
 */
function answersBlocks(report: Report): string[] {
  const entries = Object.entries(report.answers);
  if (entries.length === 0) return [];
  const items: string[] = [];
  const unshownPastes: string[] = [];
  for (const [node, answer] of entries) {
    if (answer.choice !== undefined) items.push(`${code(node)}: chose ${code(answer.choice)}`);
    if (answer.override !== undefined) items.push(`${code(node)}: overridden to ${code(answer.override.to)}, reason: "${escapeText(answer.override.reason)}"`);
    if (answer.paste !== undefined) {
      const at = report.evidence.findIndex((e) => e.raw === answer.paste);
      items.push(`${code(node)}: pasted ${lineCount(answer.paste)} of output${at >= 0 ? ` (evidence ${at + 1} below)` : ' (below)'}`);
      if (at < 0) unshownPastes.push(`Pasted at ${code(node)}:`, fence(answer.paste, 'text'));
    }
  }
  return ['### Answers given by a person', bulletList(items), ...unshownPastes];
}

function pendingSection(p: Report['pending'], diagnosisMissing: readonly string[]): string[] {
  if (p === null) return [];
  const out = ['## Pending question', `**${escapeText(p.title)}** (${code(p.node)})`, escapeText(p.question), labelledParagraph('Why', p.why), labelledParagraph('Reason', p.reason)];
  if (p.paste) {
    out.push(`To answer, run on the server and paste the output as ${code(JSON.stringify({ [p.node]: { paste: '...' } }))} in an ${code('--answers')} file. ${escapeText(p.paste.hint)}`);
    for (const c of p.paste.commands) out.push(`${escapeText(c.os)}:`, fence(c.command, 'sh'));
  }
  if (p.choices.length > 0) {
    out.push(`${p.paste ? 'Or answer' : 'Answer'} with ${code(JSON.stringify({ [p.node]: { choice: 'ID' } }))}:`);
    out.push(bulletList(p.choices.map((c) => `${code(c.id)}: ${escapeText(c.label)} → ${code(c.leadsTo)}`)));
  }
  // Usually the diagnosis's own list, shown above already.
  if (p.missing.length > 0 && p.missing.join('\n') !== diagnosisMissing.join('\n')) out.push('Missing evidence:', bulletList(p.missing.map(escapeText)));
  return out;
}

function sshFailureSection(f: Report['sshFailure']): string[] {
  if (f === null) return [];
  const facts: string[] = [labelled('Kind', code(f.kind)), labelled('Message', escapeText(f.message))];
  const hop = f.failedHop ? escapeText(describeHop(f.failedHop)) : f.hop === 0 ? 'none (the failure came from outside the SSH layer)' : `hop ${f.hop}`;
  facts.push(labelled('Failed hop', hop));
  if (f.chain && f.chain.length > 0) facts.push(labelled('Chain', f.chain.map((c) => `${escapeText(describeHop(c.hop))}: ${escapeText(c.status)}`).join('; ')));
  if (f.presented) facts.push(labelled('Key the server presented', `${escapeText(f.presented.keyType)} ${code(f.presented.fingerprint)}`));
  if (f.known && f.known.length > 0) facts.push(labelled('Keys on file', f.known.map((k) => `${escapeText(k.keyType)} ${code(k.fingerprint)} (${code(`${k.file}:${k.line}`)})`).join('; ')));
  if (f.methodsTried) facts.push(labelled('Methods tried', listOrNone(f.methodsTried)));
  if (f.serverMethods !== undefined) facts.push(labelled('The server still offered', f.serverMethods === null ? 'it never said' : listOrNone(f.serverMethods)));
  if (f.keyPath) facts.push(labelled('Key file', code(f.keyPath)));
  return ['## SSH login failure', facts.join('\n')];
}

function evidenceSection(report: Report): string[] {
  if (report.evidence.length === 0) return ['## Evidence', 'No evidence was collected.'];
  return ['## Evidence', ...report.evidence.flatMap((e, i) => evidenceBlocks(e, i + 1, report.startedAt))];
}

/** One entry of the timeline: when and how it ended (the heading, for skimming), how long, where, the exact command, what it said, its raw output. */
function evidenceBlocks(e: Evidence, n: number, runStartedAt: string): string[] {
  const out = [`### ${n}. ${offset(runStartedAt, e.startedAt)}: ${code(e.id)}, ${escapeText(e.status)}`];
  const multiLine = /[\r\n]/.test(e.command);
  const facts = [
    labelled('Took', formatDuration(e.ms)),
    labelled('Where', code(e.where)),
    ...(e.origin === 'pasted' ? [labelled('Origin', 'pasted by a person')] : []),
    labelled('Command', multiLine ? 'below' : code(e.command)),
    labelled('Summary', escapeText(e.summary)),
    ...remoteCommandFacts(e),
    ...wholeOutputFacts(e),
  ];
  out.push(facts.join('\n'));
  if (multiLine) out.push('Command:', fence(e.command, 'sh'));
  if (e.facts.check === 'remote-command' && e.facts.stderr !== '') out.push('Standard error:', fence(e.facts.stderr, 'text'));
  if (e.raw !== null) out.push(e.raw === '' ? 'Output (empty):' : 'Output:', fence(e.raw, 'text'));
  return out;
}

/** How a server command ended: the raw output alone does not say whether it failed, ran with sudo or was cut. */
function remoteCommandFacts(e: Evidence): string[] {
  if (e.facts.check !== 'remote-command') return [];
  const f = e.facts;
  const out = [labelled('Exit code', f.exitCode === null ? 'none (it did not exit)' : String(f.exitCode))];
  if (f.sudo) out.push(labelled('Ran with', code('sudo -n')));
  if (f.truncated) out.push(labelled('Truncated', "yes, cut at the engine's cap"));
  return out;
}

/** The digest of the whole output, so that a copy of it can be checked against the report. */
function wholeOutputFacts(e: Evidence): string[] {
  const whole = wholeOutputWords(e);
  if (whole === null) return [];
  return [labelled('Whole output', `${whole.sha256 === null ? '' : `sha256 ${code(whole.sha256)}, `}${escapeText(whole.text)}`)];
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

/** A table cell: escaped, with its pipes escaped too and no line break. */
export function escapeCell(value: string): string {
  return escapeText(value.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '\\|');
}

/** Fix and verify commands, each labelled by its platform above its own block. */
function commandBlocks(commands: readonly { platform: Platform; command: string }[]): string[] {
  return commands.flatMap((c) => [`${escapeText(platformLabel[c.platform])}:`, fence(c.command, c.platform === 'windows' ? 'powershell' : 'sh')]);
}

export function labelled(label: string, value: string): string {
  return `- **${label}:** ${value}`;
}

function labelledParagraph(label: string, text: string): string {
  return `**${label}:** ${escapeText(text)}`;
}

export function bulletList(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}

function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.map(code).join(', ');
}

/**
 * A numbered list whose items hold several blocks (text, labels, fences). Later blocks are indented
 * to the item's content column (`10. ` is wider than `9. `), or they would end the list; parsers
 * strip exactly that indentation again, so a fenced command reads as written.
 */
function numberedList(items: readonly (readonly string[])[]): string {
  return items
    .map((blocks, i) => {
      const marker = `${i + 1}. `;
      const body = blocks.map((b) => indent(b, marker.length)).join('\n\n');
      return marker + body.slice(marker.length);
    })
    // Items of several blocks make a loose list: a blank line between items reads better as text too.
    .join(items.some((blocks) => blocks.length > 1) ? '\n\n' : '\n');
}

/** Indents every line; blank lines stay empty (trailing spaces would be a hard break or noise). */
function indent(block: string, width: number): string {
  const pad = ' '.repeat(width);
  return block
    .split(/\r\n|\r|\n/)
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/**
 * A fenced code block that no content can close early (CommonMark: a closing fence is a backtick run
 * at least as long as the opening one, so the fence is longer than any run inside). The content is
 * not touched; only a final newline is added when it has none, so the closing fence has its own line.
 */
export function fence(content: string, info: string): string {
  const ticks = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  const body = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  return `${ticks}${info}\n${body}${ticks}`;
}

/**
 * Inline code: delimited by a backtick run longer than any inside, and padded with a space when the
 * content starts or ends with a backtick or a space (CommonMark strips one space from each side).
 * A line break would be a space in a code span anyway; written as one, it cannot start a new block.
 */
export function code(value: string): string {
  const text = value.replace(/\r\n|\r|\n/g, ' ');
  if (text === '') return '(empty)';
  const ticks = '`'.repeat(longestRun(text, '`') + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/**
 * Report text as Markdown that renders as the same characters and nothing more. It is put on one
 * line (a line break renders as a space anyway, and a new line could start a heading or a list).
 * The engine's prose quotes commands between single backticks: such a pair becomes a real code span
 * (`code`, safe whatever it holds); everything else goes through `escapeSegment`, and what would
 * open a block at a line start is escaped, since a paragraph or a list item may begin with it.
 */
export function escapeText(value: string): string {
  const line = value.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' ').trim();
  // split() with a capture group alternates: text, code, text, code, ..., text.
  const parts = line.split(/`([^`]+)`/);
  const text = parts.map((part, i) => (i % 2 === 1 ? code(part) : escapeSegment(part))).join('');
  return escapeLineStart(text);
}

/**
 * `<`, `>` and `&` as entities (no HTML, no autolink, no entity tricks); the characters of
 * emphasis, links, code spans, strikethrough and headings backslash-escaped.
 */
function escapeSegment(text: string): string {
  return text.replace(/[\\`*_[\]~#<>&]/g, (c: string, at: number) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    // A lone backslash is literal in CommonMark unless punctuation follows; at the end it could
    // escape the markup this renderer writes after it (or be a hard line break).
    if (c === '\\') return at === text.length - 1 || ASCII_PUNCTUATION.test(text[at + 1] ?? '') ? '\\\\' : '\\';
    return `\\${c}`;
  });
}

/** List markers (`-`, `+`, `1.`, `1)`) and setext or thematic-break lines (`---`, `===`). */
function escapeLineStart(text: string): string {
  const ordered = /^(\d{1,9})([.)])(?=\s|$)/.exec(text);
  if (ordered) return `${ordered[1]}\\${ordered[2]}${text.slice(ordered[0].length)}`;
  return /^(?:[-+](?=\s|$)|--|==|=\s*$)/.test(text) ? `\\${text}` : text;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

function lineCount(text: string): string {
  const n = text === '' ? 0 : text.replace(/\r?\n$/, '').split(/\r\n|\r|\n/).length;
  return n === 1 ? '1 line' : `${n} lines`;
}

/** "+0.42 s" after the run started. */
const offset = (from: string, at: string): string => formatOffset(msBetween(from, at));

function elapsed(from: string, to: string): string {
  const ms = msBetween(from, to);
  return ms === null ? 'an unknown time' : formatDuration(ms);
}
