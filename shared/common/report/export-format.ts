import type { Report } from '../schema/report';
import { shown } from '../schema/target';
import { renderReportHtml } from './html';
import { renderReportMarkdown } from './markdown';

/** The formats a report is exported to, told by the file's extension. */
export type ExportFormat = 'md' | 'html' | 'json' | 'pdf';
/** The formats rendered here, as text; PDF is the HTML printed by a browser (shared/node/report/export.ts). */
export type TextFormat = Exclude<ExportFormat, 'pdf'>;

const BY_EXTENSION: Readonly<Record<string, ExportFormat>> = { md: 'md', markdown: 'md', html: 'html', htm: 'html', json: 'json', pdf: 'pdf' };

/** `report.md` -> md; anything else -> a sentence naming the formats there are. */
export function exportFormatOf(file: string): { ok: true; format: ExportFormat } | { ok: false; message: string } {
  const extension = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  const format = extension === undefined ? undefined : BY_EXTENSION[extension];
  if (format) return { ok: true, format };
  return { ok: false, message: `"${shown(file, 200)}" does not end in .md, .html, .json or .pdf, so Portwise cannot tell which format to write.` };
}

/** The report in that format: Markdown, self-contained HTML, or the report's own JSON. */
export function renderExport(report: Report, format: TextFormat): string {
  switch (format) {
    case 'md':
      return renderReportMarkdown(report);
    case 'html':
      return renderReportHtml(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
  }
}
