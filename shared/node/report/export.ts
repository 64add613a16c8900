/**
 * A finished report as a file: the one path every export takes (the app's export dialog and the
 * CLI's `--report`), so both write the same bytes. The report is redacted first (secrets always,
 * the chosen classes too), and every format is rendered from the redacted report; a PDF is the
 * redacted HTML printed by a browser (Electron's printToPDF in the app, a local Chromium in the CLI).
 */
import { renderExport, type ExportFormat } from '../../common/report/export-format';
import { isLoopbackAddress } from '../../common/net/address';
import { renderReportHtml } from '../../common/report/html';
import { applyRedaction, planRedaction, replacedCounts, type RedactClass, type RedactKind } from '../../common/report/redact';
import type { Report } from '../../common/schema/report';

/** Prints a self-contained HTML page to PDF; rejects with an Error whose message is a sentence for a person. */
export type PrintPdf = (html: string, options?: { signal?: AbortSignal }) => Promise<Uint8Array>;

/**
 * The file's content (text, or the PDF's bytes), and how many distinct things of each kind redaction
 * replaced (never what).
 */
export type ExportedContent = { ok: true; content: string | Uint8Array; replaced: Partial<Record<RedactKind, number>> } | { ok: false; message: string };

export const EXPORT_MIME: Record<ExportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
};

export const NO_PDF_PRINTER = 'There is no browser here to print a PDF with: export the report as .html and print it from a browser, or give Portwise a Chromium, Chrome or Edge to print with.';

/** The report redacted for export, and the count of distinct originals replaced, by kind. */
export function redactForExport(report: Report, classes: ReadonlySet<RedactClass>): { redacted: Report; replaced: Partial<Record<RedactKind, number>> } {
  const plan = planRedaction(report, { classes });
  return { redacted: applyRedaction(report, plan), replaced: replacedCounts(plan) };
}

/** The report rendered in `format`, redacted first (secrets always, `classes` on request). PDF needs `printPdf` (null: a clear message saying to export .html and print it, or to give a browser). */
export async function renderReportFile(report: Report, format: ExportFormat, classes: ReadonlySet<RedactClass>, printPdf: PrintPdf | null, options: { signal?: AbortSignal } = {}): Promise<ExportedContent> {
  if (format === 'pdf' && printPdf === null) return { ok: false, message: NO_PDF_PRINTER };
  const { redacted, replaced } = redactForExport(report, classes);
  const rendered = await renderRedactedFile(redacted, format, printPdf, options);
  return rendered.ok ? { ...rendered, replaced } : rendered;
}

/**
 * An already redacted report (`redactForExport`) in `format`: for several files of one report, which
 * are redacted once. Never throws: a printer's failure is its sentence.
 */
export async function renderRedactedFile(redacted: Report, format: ExportFormat, printPdf: PrintPdf | null, options: { signal?: AbortSignal } = {}): Promise<RenderedFile> {
  if (format !== 'pdf') return { ok: true, content: renderExport(redacted, format) };
  return printHtmlAsPdf(() => renderReportHtml(redacted), printPdf, options.signal);
}

export type RenderedFile = { ok: true; content: string | Uint8Array } | { ok: false; message: string };

/**
 * A page printed to PDF (a report's, a fleet's): no printer, a cancel, or the printer's failure is
 * its sentence. Never throws; the page is made only when there is a printer to take it.
 */
export async function printHtmlAsPdf(page: () => string, printPdf: PrintPdf | null, signal?: AbortSignal): Promise<RenderedFile> {
  if (printPdf === null) return { ok: false, message: NO_PDF_PRINTER };
  if (signal?.aborted) return { ok: false, message: CANCELLED };
  try {
    return { ok: true, content: await printPdf(page(), { signal }) };
  } catch (error) {
    if (signal?.aborted) return { ok: false, message: CANCELLED };
    return { ok: false, message: error instanceof Error && error.message !== '' ? error.message : `The PDF could not be printed: ${String(error)}.` };
  }
}

const CANCELLED = 'The PDF export was cancelled.';

const TIME_STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/;
/** Long enough for any real host name, short enough that the whole name stays under 255 bytes. */
const HOST_MAX = 120;

/**
 * `portwise-report-db.example.com-5432-20261124T1455Z.md`: a name to offer when saving. Only letters,
 * digits, `.`, `_` and `-` (an IPv6 address's colons, a zone's `%`, slashes become `-`), no leading
 * dot, no `..`. When `classes` redacts the target's host (`hosts` for a name, `ips` for an address),
 * the name says `redacted` instead, so the file's name does not tell what its content hides.
 */
export function exportFileName(report: Pick<Report, 'target' | 'finishedAt'>, format: ExportFormat, classes: ReadonlySet<RedactClass> = new Set()): string {
  const { host, port, hostKind } = report.target;
  const hidden = classes.has(hostKind === 'name' ? 'hosts' : 'ips') && host !== 'localhost' && !isLoopbackAddress(host);
  const safeHost = hidden ? 'redacted' : safeNamePart(host).slice(0, HOST_MAX).replace(/[-.]+$/, '') || 'target';
  const time = TIME_STAMP.exec(report.finishedAt);
  const stamp = time ? `-${time[1]}${time[2]}${time[3]}T${time[4]}${time[5]}Z` : '';
  return `portwise-report-${safeHost}-${port}${stamp}.${format}`;
}

function safeNamePart(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+/, '');
}

