import { platformLabel } from './platform-label';
import { causeIndex, causeSummary, isCauseId, type CauseId } from '../causes/catalog';
import { causeDefinitions, fillCommands, fillPlaceholders, type FixContext, type FixCommand, type RemediationStep } from '../causes/definitions';
import { SERVICE_IDS, detectService, serviceProfiles, unitNames, type ServiceId } from '../causes/services';

/**
 * The cause catalog for `portwise causes` and `portwise explain`. Pure: plain text and JSON-ready
 * values, no colours. Callers check an id with `isCauseId` first (re-exported here).
 */

export { isCauseId };


export interface CauseCatalogEntry {
  id: CauseId;
  ref: string | null;
  layer: string;
  title: string;
  explanation: string;
  proof: string;
  remediation: { text: string; commands: FixCommand[] }[];
  /** Services with steps of their own for this cause (`portwise explain ID --service NAME`). */
  services: ServiceId[];
  verify: { text: string; commands: FixCommand[] };
}

const copyStep = (s: { text: string; commands: readonly FixCommand[] }) => ({ text: s.text, commands: s.commands.map((c) => ({ ...c })) });

/**
 * Every cause, in catalog order, for `portwise causes --json`. Texts keep their placeholders
 * (`{host}`, `{port}`, `{target}`, `{unit}`): no target is known here.
 */
export function causeCatalogJson(): CauseCatalogEntry[] {
  return causeIndex.map((c) => {
    const d = causeDefinitions[c.id];
    return {
      id: c.id,
      ref: c.ref,
      layer: c.layer,
      title: c.title,
      explanation: d.explanation,
      proof: d.proof,
      remediation: d.remediation.map(copyStep),
      services: SERVICE_IDS.filter((id) => d.services?.[id] !== undefined),
      verify: copyStep(d.verify),
    };
  });
}

/** `portwise causes`: one line per cause, in columns. */
export function formatCauseList(): string {
  const rows = causeIndex.map((c) => [c.id, c.ref ?? '-', c.layer, c.title]);
  const header = ['ID', 'REF', 'LAYER', 'TITLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push('', `${causeIndex.length} causes. "portwise explain ID [--service NAME]" shows one with its fix.`);
  return out.join('\n') + '\n';
}

const WIDTH = 78;

/** Without a target the placeholders read as words to replace: HOST, PORT, HOST:PORT. */
const placeholderWords = { host: 'HOST', port: 'PORT' } as const;

/** `portwise explain ID [--service NAME]`: everything about one cause, with its commands per platform. */
export function formatCause(id: CauseId, serviceHint?: string | null): string {
  const summary = causeSummary(id);
  const d = causeDefinitions[id];
  const hint = serviceHint?.trim() ? serviceHint.trim() : null;
  const service = hint === null ? null : detectService({ hint, processNames: [], port: 0 });
  const ctx: FixContext = { ...placeholderWords, ...unitNames(hint, service) };
  const fill = (text: string) => fillPlaceholders(text, ctx);

  const out: string[] = [];
  out.push(`${summary.title}`, `${id} (${summary.ref ?? 'no catalog ref'}, ${summary.layer})`, '');
  out.push('What happens:', wrap(fill(d.explanation), '  '), '');
  out.push('What proves it:', wrap(fill(d.proof), '  '), '');

  if (hint !== null && service === null) {
    out.push(wrap(`No known service is called "${hint}"; the generic steps follow. Known services: ${SERVICE_IDS.join(', ')}.`, ''), '');
  }
  const own = service ? d.services?.[service.id] : undefined;
  if (service && own) {
    out.push(`Fix for ${service.name}:`, ...steps(own, ctx), '');
  } else if (service) {
    out.push(wrap(`This cause has no steps of its own for ${service.name}; the generic steps apply.`, ''), '');
  }

  out.push('How to fix it:', ...steps(d.remediation, ctx), '');

  if (hint === null && d.services) {
    const ids = SERVICE_IDS.filter((sid) => d.services?.[sid] !== undefined);
    out.push('Steps for specific services:');
    for (const sid of ids) {
      const profile = serviceProfiles[sid];
      const serviceCtx: FixContext = { ...placeholderWords, ...unitNames(null, profile) };
      out.push(`  ${profile.name} (--service ${sid}):`, ...steps(d.services[sid] ?? [], serviceCtx, '    '));
    }
    out.push('');
  }

  out.push('Verify:', wrap(fill(d.verify.text), '  '), ...commandLines(d.verify.commands, ctx, '  '));
  return out.join('\n') + '\n';
}

function steps(list: readonly RemediationStep[], ctx: FixContext, indent = '  '): string[] {
  return list.flatMap((s, i) => {
    const number = `${i + 1}. `;
    return [wrap(`${number}${fillPlaceholders(s.text, ctx)}`, indent, number.length), ...commandLines(s.commands, ctx, indent + ' '.repeat(number.length))];
  });
}

function commandLines(commands: readonly FixCommand[], ctx: FixContext, indent: string): string[] {
  return fillCommands(commands, ctx).map((c) => `${indent}${platformLabel[c.platform]}: ${c.command}`);
}

/** Word-wraps `text` at WIDTH; continuation lines are indented by `hanging` more, under the first word. */
function wrap(text: string, indent: string, hanging = 0): string {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? indent : indent + ' '.repeat(hanging));
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line !== '' && prefix().length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix() + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(prefix() + line);
  return lines.join('\n');
}
