import type { Report } from '../schema/report';
import { renderReportHtml } from './html';
import { renderReportMarkdown } from './markdown';

/** The formats a report is exported to, told by the file's extension. */
export type ExportFormat = 'md' | 'html' | 'json';

const BY_EXTENSION: Readonly<Record<string, ExportFormat>> = { md: 'md', markdown: 'md', html: 'html', htm: 'html', json: 'json' };

/** `report.md` -> md; anything else -> a sentence naming the formats there are. */
export function exportFormatOf(file: string): { ok: true; format: ExportFormat } | { ok: false; message: string } {
  const extension = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  const format = extension === undefined ? undefined : BY_EXTENSION[extension];
  if (format) return { ok: true, format };
  // PDF comes with a browser to print it (issue 7); until then HTML is the printable export.
  const hint = extension === 'pdf' ? ' PDF is not exported yet: export .html and print it from a browser.' : '';
  return { ok: false, message: `"${file}" does not end in .md, .html or .json, so Portwise cannot tell which format to write.${hint}` };
}

/** The report in that format: Markdown, self-contained HTML, or the report's own JSON. */
export function renderExport(report: Report, format: ExportFormat): string {
  switch (format) {
    case 'md':
      return renderReportMarkdown(report);
    case 'html':
      return renderReportHtml(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
  }
}
