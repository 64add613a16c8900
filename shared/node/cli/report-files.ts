import path from 'node:path';
import { renderExport, type ExportFormat } from '../../common/report/export-format';
import { applyRedaction, planRedaction, type RedactClass } from '../../common/report/redact';
import type { Report } from '../../common/schema/report';
import { fsErrorWords, writeFileAtomic } from '../store/atomic-file';

const FORMAT_NAMES: Record<ExportFormat, string> = { md: 'Markdown', html: 'HTML', json: 'JSON' };
const KIND_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  secret: ['secret', 'secrets'],
  hosts: ['host name', 'host names'],
  ips: ['address', 'addresses'],
  users: ['user name', 'user names'],
  paths: ['path', 'paths'],
};

export interface ReportFilesOutcome {
  /** One line per file for stderr: where it went, or why not. */
  lines: string[];
  failed: boolean;
}

/**
 * `diagnose --report FILE...`: the report, redacted (secrets always, `classes` on request), written
 * to each file in the format its extension names. Each file is replaced whole or not at all.
 */
export async function writeReportFiles(report: Report, files: readonly { file: string; format: ExportFormat }[], classes: ReadonlySet<RedactClass>, cwd: string): Promise<ReportFilesOutcome> {
  const plan = planRedaction(report, { classes });
  const redacted = applyRedaction(report, plan);
  const lines: string[] = [];
  if (plan.replacements.length > 0) {
    const byKind = new Map<string, number>();
    for (const r of plan.replacements) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    // The originals are not printed: a secret among them must not reach a terminal log.
    lines.push(`Redacted in the exported files: ${[...byKind].map(([kind, n]) => `${n} ${(KIND_WORDS[kind] ?? [kind, kind])[n === 1 ? 0 : 1]}`).join(', ')}.`);
  }
  let failed = false;
  for (const { file, format } of files) {
    const target = path.resolve(cwd, file);
    try {
      await writeFileAtomic(target, renderExport(redacted, format));
      lines.push(`Report written to ${target} (${FORMAT_NAMES[format]}).`);
    } catch (error) {
      failed = true;
      lines.push(`Could not write ${target}: ${fsErrorWords(error)}.`);
    }
  }
  return { lines, failed };
}
