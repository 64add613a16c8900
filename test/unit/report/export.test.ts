import { describe, expect, it } from 'vitest';
import { exportFormatOf, renderExport } from '../../../shared/common/report/export-format';
import { Report } from '../../../shared/common/schema/report';
import { EXPORT_MIME, exportFileName, renderReportFile, type PrintPdf } from '../../../shared/node/report/export';
import { labReport } from './lab-report';

const PDF_BYTES = new TextEncoder().encode('%PDF-1.7\n%fake\n');

describe('renderReportFile: one path for every export', () => {
  it('renders each text format from the redacted report, and counts what was replaced by kind', async () => {
    const report = labReport();
    for (const format of ['md', 'html', 'json'] as const) {
      const out = await renderReportFile(report, format, new Set(['ips', 'users']), null);
      if (!out.ok) throw new Error(out.message);
      expect(typeof out.content).toBe('string');
      expect(out.content).not.toContain(report.target.host);
      expect(out.replaced).toEqual({ ips: 1, users: 1 });
    }
    const json = await renderReportFile(report, 'json', new Set(), null);
    if (!json.ok) throw new Error(json.message);
    // Nothing asked for and no secret in the lab report: the JSON is the report itself, and still parses.
    expect(json.replaced).toEqual({});
    expect(Report.parse(JSON.parse(json.content as string))).toEqual(report);
    expect(json.content).toBe(renderExport(report, 'json'));
  });

  it('secrets are always redacted, whatever the classes', async () => {
    const report = labReport();
    report.evidence[0]!.raw = 'DATABASE_URL=postgres://app:hunter2hunter2@db.example.com:5432/app';
    const out = await renderReportFile(report, 'md', new Set(), null);
    if (!out.ok) throw new Error(out.message);
    expect(out.content).not.toContain('hunter2hunter2');
    expect(out.replaced.secret).toBeGreaterThanOrEqual(1);
  });

  it('a PDF is the redacted HTML, printed by the printer given', async () => {
    const report = labReport();
    const printed: string[] = [];
    const printPdf: PrintPdf = async (html) => {
      printed.push(html);
      return PDF_BYTES;
    };
    const out = await renderReportFile(report, 'pdf', new Set(['ips']), printPdf);
    expect(out).toEqual({ ok: true, content: PDF_BYTES, replaced: { ips: 1 } });
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^<!doctype html>/i);
    expect(printed[0]).not.toContain(report.target.host);
    const html = await renderReportFile(report, 'html', new Set(['ips']), null);
    expect(html.ok && html.content).toBe(printed[0]);
  });

  it('no printer, a failing printer, a cancelled export: a sentence, never a throw', async () => {
    const none = await renderReportFile(labReport(), 'pdf', new Set(), null);
    expect(none).toEqual({ ok: false, message: expect.stringContaining('export the report as .html and print it from a browser') });
    const failing: PrintPdf = async () => {
      throw new Error('The browser exited with code 1.');
    };
    expect(await renderReportFile(labReport(), 'pdf', new Set(), failing)).toEqual({ ok: false, message: 'The browser exited with code 1.' });
    const controller = new AbortController();
    const hanging: PrintPdf = (_html, options) =>
      new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const pending = renderReportFile(labReport(), 'pdf', new Set(), hanging, { signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ ok: false, message: 'The PDF export was cancelled.' });
  });
});

describe('exportFileName', () => {
  const at = '2026-11-24T14:55:01.123Z';
  it('names the target and the minute it finished', () => {
    expect(exportFileName({ target: { host: 'db.example.com', port: 5432, hostKind: 'name', input: 'db.example.com:5432' }, finishedAt: at }, 'md')).toBe('portwise-report-db.example.com-5432-20261124T1455Z.md');
    expect(exportFileName({ target: { host: '198.18.0.2', port: 8105, hostKind: 'ipv4', input: '198.18.0.2:8105' }, finishedAt: at }, 'pdf')).toBe('portwise-report-198.18.0.2-8105-20261124T1455Z.pdf');
  });

  it('makes what a file system refuses safe: colons, zones, slashes, leading dots, no time', () => {
    const name = (host: string, hostKind: 'name' | 'ipv4' | 'ipv6' = 'name', finishedAt = at) => exportFileName({ target: { host, port: 443, hostKind, input: host }, finishedAt }, 'html');
    expect(name('2001:2::1', 'ipv6')).toBe('portwise-report-2001-2-1-443-20261124T1455Z.html');
    expect(name('fe80::1%eth0', 'ipv6')).toBe('portwise-report-fe80-1-eth0-443-20261124T1455Z.html');
    expect(name('../../etc/passwd')).toBe('portwise-report-etc-passwd-443-20261124T1455Z.html');
    expect(name('.hidden')).toBe('portwise-report-hidden-443-20261124T1455Z.html');
    expect(name('...')).toBe('portwise-report-target-443-20261124T1455Z.html');
    expect(name('db.example.com', 'name', 'not a time')).toBe('portwise-report-db.example.com-443.html');
    expect(name(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.com`).length).toBeLessThanOrEqual(200);
    for (const host of ['2001:2::1', 'a/b\\c', 'x\u0000y', 'C:\\Users', 'con', ' spaced ']) {
      expect(name(host)).toMatch(/^portwise-report-[A-Za-z0-9][A-Za-z0-9._-]*-443-20261124T1455Z\.html$/);
    }
  });

  it('when the host is redacted, the name does not give it away (loopback is kept, as redaction keeps it)', () => {
    const target = (host: string, hostKind: 'name' | 'ipv4' | 'ipv6') => ({ target: { host, port: 5432, hostKind, input: host }, finishedAt: at });
    expect(exportFileName(target('db.example.com', 'name'), 'md', new Set(['hosts']))).toBe('portwise-report-redacted-5432-20261124T1455Z.md');
    expect(exportFileName(target('db.example.com', 'name'), 'md', new Set(['ips']))).toBe('portwise-report-db.example.com-5432-20261124T1455Z.md');
    expect(exportFileName(target('2001:2::1', 'ipv6'), 'md', new Set(['ips']))).toBe('portwise-report-redacted-5432-20261124T1455Z.md');
    expect(exportFileName(target('127.0.0.1', 'ipv4'), 'md', new Set(['ips']))).toBe('portwise-report-127.0.0.1-5432-20261124T1455Z.md');
  });
});

describe('formats', () => {
  it('the format comes from the extension, .pdf included; each has its MIME type', () => {
    expect(exportFormatOf('Report.PDF')).toEqual({ ok: true, format: 'pdf' });
    expect(exportFormatOf('a.txt')).toEqual({ ok: false, message: '"a.txt" does not end in .md, .html, .json or .pdf, so Portwise cannot tell which format to write.' });
    expect(EXPORT_MIME).toEqual({ md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8', json: 'application/json', pdf: 'application/pdf' });
  });
});
