import { describe, expect, it } from 'vitest';
import { createHandlerTable, IpcValidationError, type HandlerDeps } from '../../shared/node/handlers';
import type { PrintPdf } from '../../shared/node/report/export';
import { SHAREABLE, shareableReport } from '../integration/shareable-report';

/** exportReport: rendered and redacted in main, whatever the page asks, in every format. */

function table(printPdf?: PrintPdf) {
  const deps: HandlerDeps = { sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0.0.0-test', platform: 'linux' }, env: { PORTWISE_HOME: '/nonexistent/portwise-test' } };
  return createHandlerTable(printPdf ? { ...deps, printPdf } : deps);
}

const originals = [SHAREABLE.host, SHAREABLE.address, SHAREABLE.user, SHAREABLE.secret];

describe('exportReport', () => {
  it.each([
    ['md', 'text/markdown; charset=utf-8'],
    ['html', 'text/html; charset=utf-8'],
    ['json', 'application/json'],
  ] as const)('%s: hosts, addresses and users redacted on request, the secret always; no original left', async (format, mimeType) => {
    const report = shareableReport();
    const exported = await table().exportReport({ report, format, redact: ['hosts', 'ips', 'users'] });
    if (!exported.ok) throw new Error(exported.message);
    expect(exported).toMatchObject({ encoding: 'utf8', mimeType });
    // How many distinct things of each kind; never what (the report's manual commands name `USER@server` too).
    expect(Object.keys(exported.replaced).sort()).toEqual(['hosts', 'ips', 'secret', 'users']);
    expect(exported.replaced.secret).toBe(1);
    // The file's name does not say what its content hides.
    expect(exported.fileName).toMatch(new RegExp(`^portwise-report-redacted-5432-\\d{8}T\\d{4}Z\\.${format}$`));
    for (const original of originals) expect(exported.content).not.toContain(original);
    expect(exported.content).toContain('host-1.example.invalid');
    expect(exported.content).toMatch(/\buser\d\b/);
    expect(exported.content).toContain('[redacted-secret-1]');
    // What the report found stays: the cause and the evidence it rests on.
    expect(exported.content).toContain(report.diagnosis.title);
    if (format === 'json') expect(JSON.parse(exported.content).diagnosis.cause).toBe(report.diagnosis.cause);
  });

  it('with nothing chosen, the secret still goes and the rest stays', async () => {
    const exported = await table().exportReport({ report: shareableReport(), format: 'md', redact: [] });
    if (!exported.ok) throw new Error(exported.message);
    expect(exported.replaced).toEqual({ secret: 1 });
    expect(exported.content).not.toContain(SHAREABLE.secret);
    expect(exported.content).toContain(SHAREABLE.host);
    expect(exported.fileName).toMatch(/^portwise-report-db\.example\.com-5432-/);
  });

  it('PDF without a printer: a sentence pointing to HTML, no file', async () => {
    const exported = await table().exportReport({ report: shareableReport(), format: 'pdf', redact: [] });
    expect(exported.ok).toBe(false);
    expect(!exported.ok && exported.message).toMatch(/\.html/);
  });

  it('PDF: the redacted HTML goes to the printer and the bytes come back as base64', async () => {
    const printed: string[] = [];
    const bytes = new TextEncoder().encode('%PDF-1.7\n%fake\n');
    const exported = await table(async (html) => {
      printed.push(html);
      return bytes;
    }).exportReport({ report: shareableReport(), format: 'pdf', redact: ['hosts', 'ips', 'users', 'paths'] });
    if (!exported.ok) throw new Error(exported.message);
    expect(exported).toMatchObject({ encoding: 'base64', mimeType: 'application/pdf' });
    expect(Object.keys(exported.replaced).sort()).toEqual(['hosts', 'ips', 'paths', 'secret', 'users']);
    expect(Buffer.from(exported.content, 'base64')).toEqual(Buffer.from(bytes));
    expect(printed).toHaveLength(1);
    for (const original of [...originals, SHAREABLE.path]) expect(printed[0]).not.toContain(original);
  });

  it('a printer that fails: its sentence, not a throw', async () => {
    const exported = await table(async () => {
      throw new Error('Chromium could not print the report: it exited with code 1.');
    }).exportReport({ report: shareableReport(), format: 'pdf', redact: [] });
    expect(exported).toEqual({ ok: false, message: 'Chromium could not print the report: it exited with code 1.' });
  });

  it.each([
    ['an unknown format', { format: 'docx', redact: [] }],
    ['an unknown class', { format: 'md', redact: ['secrets-too'] }],
    ['an extra field', { format: 'md', redact: [], path: '/tmp/x' }],
  ])('%s is refused before anything is rendered', async (_name, fields) => {
    await expect(table().exportReport({ report: shareableReport(), ...fields })).rejects.toBeInstanceOf(IpcValidationError);
  });
});
