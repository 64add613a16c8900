import { platformLabel } from './platform-label';
import type { Report } from '../schema/report';
import { formatTarget } from '../schema/target';

/** Styles for terminal text; identity functions when colour is off (NO_COLOR, not a TTY). */
export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
}

export const plainStyle: TextStyle = { bold: (s) => s, dim: (s) => s, good: (s) => s, bad: (s) => s, warn: (s) => s };

const sgr = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const ansiStyle: TextStyle = { bold: sgr('1'), dim: sgr('2'), good: sgr('32'), bad: sgr('31'), warn: sgr('33') };


/** The human-readable verdict the CLI prints on stdout. Pure. */
export function renderReportText(report: Report, style: TextStyle = plainStyle): string {
  const d = report.diagnosis;
  const out: string[] = [];
  const confidence = d.cause === 'inconclusive' ? '' : `, ${d.confidence} confidence`;
  out.push(`${style.bold(formatTarget(report.target))}  outcome: ${report.outcome}`);
  out.push('');
  out.push(`${style.bold('Diagnosis:')} ${d.title} ${style.dim(`(${d.cause}${confidence})`)}`);
  out.push(wrap(d.reason, 78, '  '));
  out.push('');
  out.push(wrap(d.explanation, 78, '  '));
  out.push('');
  out.push(style.bold('Decision path:'));
  for (const step of report.path) {
    const by = step.by === 'answer' ? style.warn(' [answered by a person]') : step.by === 'override' ? style.warn(` [overridden by a person; the evidence led to ${step.automatic ?? 'no decision'}]`) : '';
    out.push(`  ${style.dim(step.node.padEnd(4))} ${step.title} → ${step.next}${by}\n       ${step.reason}`);
  }
  const pasted = report.evidence.filter((e) => e.origin === 'pasted');
  if (pasted.length > 0) {
    out.push('');
    out.push(style.bold('Pasted by a person:'));
    for (const e of pasted) out.push(`  - ${e.status === 'ok' ? '' : style.bad(`${e.status}: `)}${e.summary}`);
  }
  if (d.missing.length > 0) {
    out.push('');
    out.push(style.bold('Missing evidence:'));
    for (const m of d.missing) out.push(`  - ${m}`);
  }
  if (d.candidates.length > 0) {
    out.push('');
    out.push(style.bold('Possible causes:'));
    for (const c of d.candidates) out.push(`  - ${c.title} ${style.dim(`(${c.id})`)}`);
  }
  out.push('');
  out.push(style.bold('What to do:'));
  d.remediation.forEach((step, i) => {
    out.push(wrap(`${i + 1}. ${step.text}`, 78, '  ', `${i + 1}. `.length));
    for (const c of step.commands) out.push(`       ${style.dim(`${platformLabel[c.platform]}:`)} ${c.command}`);
  });
  out.push('');
  out.push(`${style.bold('Verify:')} ${d.verify.text}`, ...d.verify.commands.map((c) => `       ${style.dim(`${platformLabel[c.platform]}:`)} ${c.command}`));
  if (report.pending) out.push('', ...pendingText(report.pending, style));
  return out.join('\n') + '\n';
}

/** The question the walk stopped at, and how to answer it with `--answers`. */
function pendingText(p: NonNullable<Report['pending']>, style: TextStyle): string[] {
  const out = [style.bold(`To go further (step ${p.node}, ${p.title}):`), wrap(p.question, 78, '  ')];
  if (p.paste) {
    out.push(wrap(`Run on the server and paste the output as {"${p.node}": {"paste": "..."}} in an --answers file. ${p.paste.hint}`, 78, '  '));
    for (const c of p.paste.commands) out.push(`       ${style.dim(`${c.os}:`)} ${c.command}`);
  }
  if (p.choices.length > 0) {
    out.push(wrap(`Or answer with {"${p.node}": {"choice": "ID"}}:`, 78, '  '));
    for (const c of p.choices) out.push(`       ${style.dim(c.id.padEnd(20))} ${c.label}`);
  }
  return out;
}

/** Word-wraps `text`; continuation lines are indented by `hanging` more, under the first word. */
function wrap(text: string, width: number, indent: string, hanging = 0): string {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? indent : indent + ' '.repeat(hanging));
  for (const word of text.split(/\s+/)) {
    if (line !== '' && prefix().length + line.length + 1 + word.length > width) {
      lines.push(prefix() + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(prefix() + line);
  return lines.join('\n');
}
