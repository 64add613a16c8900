// The PDF as a person gets it: the real lab report, rendered to HTML and printed by the real
// Chromium, then read back with poppler (pdftotext for the words, pdftoppm for pictures of the pages,
// kept under test-results/report-pdf/ to look at). Nothing here is skipped: without the tools the
// test fails and says what to install.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../shared/common/report/html';
import { chromiumPdfPrinter } from '../../../shared/node/report/chromium-pdf';
import { renderReportFile } from '../../../shared/node/report/export';
import { labReport } from './lab-report';
import { CHROMIUM, requireTools } from './require-tools';

const OUT = fileURLToPath(new URL('../../../test-results/report-pdf/', import.meta.url));

/** Whitespace as one space: the PDF's text wraps where the page does. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('PDF export through Chromium', () => {
  const report = labReport();
  let pdfFile: string;
  let text: string;

  beforeAll(async () => {
    requireTools([
      [CHROMIUM, 'chromium'],
      ['/usr/bin/pdftotext', 'poppler-utils'],
      ['/usr/bin/pdftoppm', 'poppler-utils'],
    ]);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const out = await renderReportFile(report, 'pdf', new Set(), chromiumPdfPrinter(CHROMIUM));
    if (!out.ok) throw new Error(out.message);
    pdfFile = join(OUT, 'iptables-reject.pdf');
    writeFileSync(pdfFile, out.content);
    text = flat(execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', pdfFile, '-'], { encoding: 'utf8' }));
  }, 60_000);

  it('is a PDF that holds every section, the cause, the rejecting rule and the decision path', () => {
    const headings = [...renderReportHtml(report).matchAll(/<h2[^>]*>([^<]*)<\/h2>/g)].map((m) => m[1]!);
    expect(headings).toEqual(['Diagnosis', 'Fix', 'Verify the fix', 'Decision path', 'Evidence']);
    for (const heading of headings) expect(text).toContain(heading);
    expect(text).toContain(report.diagnosis.cause);
    expect(text).toContain(report.diagnosis.title);
    expect(text).toContain('-A INPUT -p tcp -m tcp --dport 8105 -j REJECT --reject-with tcp-reset');
    for (const step of report.path) expect(text).toContain(flat(step.title));
    // pdftotext sets the cause id (in code type) apart by a space.
    expect(text).toContain(`Concluded: ${report.diagnosis.title} ( ${report.diagnosis.cause} )`);
  });

  it('renders to pages that are not blank (kept as PNGs under test-results/report-pdf/)', () => {
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '60', pdfFile, join(OUT, 'page')]);
    const pages = readdirSync(OUT)
      .filter((name) => /^page-\d+\.png$/.test(name))
      .sort();
    expect(pages.length).toBeGreaterThanOrEqual(1);
    // A blank A4 page at 60 dpi is a few hundred bytes of PNG; a page of report is kilobytes.
    expect(statSync(join(OUT, pages[0]!)).size).toBeGreaterThan(5_000);
  });
});
