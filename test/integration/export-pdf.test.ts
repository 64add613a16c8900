import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { chromiumPdfPrinter } from '../../shared/node/report/chromium-pdf';
import type { PrintPdf } from '../../shared/node/report/export';
import { SHAREABLE, shareableReport } from './shareable-report';

/**
 * exportReport to PDF with a real browser (Debian's Chromium, as the e2e tests use): the handler
 * table gets the printer the CLI would use; the app passes Electron's printToPDF the same way.
 */

const CHROMIUM = '/usr/bin/chromium';

describe('exportReport: PDF printed by Chromium', () => {
  it('is a real PDF, as base64, printed from the redacted HTML', { timeout: 90_000 }, async () => {
    const printer = chromiumPdfPrinter(CHROMIUM, { timeoutMs: 60_000 });
    const printed: string[] = [];
    const watching: PrintPdf = (html, options) => {
      printed.push(html);
      return printer(html, options);
    };
    const table = createHandlerTable({ sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0.0.0-test', platform: 'linux' }, env: { PORTWISE_HOME: '/nonexistent/portwise-test' }, printPdf: watching });
    const report = shareableReport();
    const exported = await table.exportReport({ report, format: 'pdf', redact: ['hosts', 'ips', 'users', 'paths'] });
    if (!exported.ok) throw new Error(exported.message);
    expect(exported).toMatchObject({ encoding: 'base64', mimeType: 'application/pdf', fileName: expect.stringMatching(/^portwise-report-redacted-5432-\d{8}T\d{4}Z\.pdf$/) });
    const pdf = Buffer.from(exported.content, 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(2000);
    expect(pdf.subarray(-1024).toString('latin1')).toContain('%%EOF');
    // Read back as a person reads it (poppler's pdftotext): the verdict, and none of the originals.
    const dir = mkdtempSync(join(tmpdir(), 'pw-export-pdf-'));
    try {
      writeFileSync(join(dir, 'report.pdf'), pdf);
      const text = execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain(report.diagnosis.title);
      expect(text).toContain('host-1.example.invalid');
      for (const original of Object.values(SHAREABLE)) expect(text).not.toContain(original);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // What went to the browser is the redacted page, holding the verdict and none of the originals.
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(report.diagnosis.title);
    for (const original of Object.values(SHAREABLE)) expect(printed[0]).not.toContain(original);
  });
});
