import path from 'node:path';
import type { ExportFormat } from '../../common/report/export-format';
import type { RedactClass, RedactKind } from '../../common/report/redact';
import { redactFleet, renderFleetExport, renderFleetHtml, type FleetExportContext } from '../../common/report/fleet-export';
import type { FleetDocument } from '../../common/schema/fleet';
import type { Report } from '../../common/schema/report';
import { chromiumPdfPrinter, findBrowser, isExecutableFile } from '../report/chromium-pdf';
import { printHtmlAsPdf, redactForExport, renderRedactedFile, type PrintPdf, type RenderedFile } from '../report/export';
import { fsErrorWords, writeFileAtomic } from '../store/atomic-file';

const FORMAT_NAMES: Record<ExportFormat, string> = { md: 'Markdown', html: 'HTML', json: 'JSON', pdf: 'PDF' };
const KIND_WORDS: Readonly<Record<RedactKind, readonly [string, string]>> = {
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

export interface ReportFilesOptions {
  /** Prints the PDFs; null when no browser was found (each .pdf is then refused in words, the others written). */
  printPdf: PrintPdf | null;
  signal?: AbortSignal;
}

/**
 * `diagnose --report FILE...` and `history export`: the report, redacted (secrets always, `classes`
 * on request), written to each file in the format its extension names, rendered by the same code as
 * the app's exports (shared/node/report/export.ts). Each file is replaced whole or not at all.
 */
export async function writeReportFiles(
  report: Report,
  files: readonly { file: string; format: ExportFormat }[],
  classes: ReadonlySet<RedactClass>,
  cwd: string,
  options: ReportFilesOptions = { printPdf: null },
): Promise<ReportFilesOutcome> {
  // Redacted once for all the files: each is rendered from the same redacted report.
  const { redacted, replaced } = redactForExport(report, classes);
  return writeEach(files, replaced, cwd, options, 'Report', (format) => renderRedactedFile(redacted, format, options.printPdf, { signal: options.signal }));
}

/**
 * `fleet --report FILE...`: the fleet (its table, verdict and every server's report), redacted with
 * one plan for all the servers, written to each file as writeReportFiles writes one report's: the
 * same formats, the same printer for the PDF, the same atomic writes and the same lines on stderr.
 */
export async function writeFleetReportFiles(
  doc: FleetDocument,
  files: readonly { file: string; format: ExportFormat }[],
  classes: ReadonlySet<RedactClass>,
  cwd: string,
  options: ReportFilesOptions & { context: FleetExportContext },
): Promise<ReportFilesOutcome> {
  const { redacted, replaced } = redactFleet(doc, classes);
  return writeEach(files, replaced, cwd, options, 'Fleet report', (format) => renderFleetFile(redacted, format, options));
}

/** Each file in turn: rendered (a PDF only when there is a printer), then written atomically; one line each. */
async function writeEach(
  files: readonly { file: string; format: ExportFormat }[],
  replaced: Partial<Record<RedactKind, number>>,
  cwd: string,
  options: ReportFilesOptions,
  what: string,
  render: (format: ExportFormat) => Promise<RenderedFile>,
): Promise<ReportFilesOutcome> {
  const lines: string[] = [];
  const counts = Object.entries(replaced) as [RedactKind, number][];
  if (counts.length > 0) {
    // The originals are not printed: a secret among them must not reach a terminal log.
    lines.push(`Redacted in the exported files: ${counts.map(([kind, n]) => `${n} ${KIND_WORDS[kind][n === 1 ? 0 : 1]}`).join(', ')}.`);
  }
  let failed = false;
  for (const { file, format } of files) {
    const target = path.resolve(cwd, file);
    if (options.signal?.aborted) {
      failed = true;
      lines.push(`Not written: ${target} (interrupted).`);
      continue;
    }
    if (format === 'pdf' && options.printPdf === null) {
      failed = true;
      lines.push(`Could not write ${target}: no Chromium, Chrome or Edge was found to print the PDF with. Give one with --browser PATH, or export .html and print it from a browser.`);
      continue;
    }
    const rendered = await render(format);
    if (!rendered.ok) {
      failed = true;
      lines.push(`Could not write ${target}: ${rendered.message}`);
      continue;
    }
    try {
      await writeFileAtomic(target, rendered.content);
      lines.push(`${what} written to ${target} (${FORMAT_NAMES[format]}).`);
    } catch (error) {
      failed = true;
      lines.push(`Could not write ${target}: ${fsErrorWords(error)}.`);
    }
  }
  return { lines, failed };
}

/** The redacted fleet in `format`; a PDF is its HTML page printed as a report's is. Never throws. */
async function renderFleetFile(doc: FleetDocument, format: ExportFormat, options: ReportFilesOptions & { context: FleetExportContext }): Promise<RenderedFile> {
  const { printPdf, signal, context } = options;
  if (format === 'pdf') return printHtmlAsPdf(() => renderFleetHtml(doc, context), printPdf, signal);
  try {
    return { ok: true, content: renderFleetExport(doc, format, context) };
  } catch (error) {
    return { ok: false, message: error instanceof Error && error.message !== '' ? error.message : `The file could not be rendered: ${String(error)}.` };
  }
}

/**
 * The printer for the .pdf files among `files`: the browser given (--browser; a bare name is looked
 * for on PATH, a relative path is taken from `cwd`), else PORTWISE_BROWSER, else the usual names and
 * places (findBrowser). Null when there is no .pdf to print, or no browser was found.
 */
export function pdfPrinterFor(files: readonly { format: ExportFormat }[], browser: string | null, env: NodeJS.ProcessEnv, cwd: string): PrintPdf | null {
  if (!files.some((f) => f.format === 'pdf')) return null;
  const chosen = browser === null ? findBrowser({ env, platform: process.platform, exists: isExecutableFile }) : onPath(browser, env) ?? path.resolve(cwd, browser);
  return chosen === null ? null : chromiumPdfPrinter(path.resolve(cwd, chosen));
}

/** `--browser chromium`: a name without a folder is looked for on PATH, as a shell would. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  if (/[\\/]/.test(name)) return null;
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d));
  return dirs.map((d) => path.join(d, name)).find(isExecutableFile) ?? null;
}
