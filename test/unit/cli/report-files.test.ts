import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFormatOf } from '../../../shared/common/report/export-format';
import { writeReportFiles } from '../../../shared/node/cli/report-files';
import { labReport } from '../report/lab-report';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-report-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('diagnose --report: the exported files', () => {
  it('writes each format, redacted as asked, and says where (never what was replaced)', async () => {
    const report = labReport();
    const out = await writeReportFiles(report, [{ file: 'r.md', format: 'md' }, { file: 'sub/r.html', format: 'html' }, { file: 'r.json', format: 'json' }], new Set(['ips', 'users']), dir);
    expect(out.failed).toBe(false);
    expect(out.lines[0]).toBe('Redacted in the exported files: 1 address, 1 user name.');
    expect(out.lines.slice(1)).toEqual([`Report written to ${join(dir, 'r.md')} (Markdown).`, `Report written to ${join(dir, 'sub/r.html')} (HTML).`, `Report written to ${join(dir, 'r.json')} (JSON).`]);
    expect(out.lines.join('\n')).not.toContain(report.target.host);
    for (const name of ['r.md', 'sub/r.html', 'r.json']) expect(readFileSync(join(dir, name), 'utf8')).not.toContain(report.target.host);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/^# Portwise report/);
    expect(readFileSync(join(dir, 'sub/r.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('a file that cannot be written is said so, and the others are still written', async () => {
    writeFileSync(join(dir, 'blocker'), '');
    const out = await writeReportFiles(labReport(), [{ file: 'blocker/r.md', format: 'md' }, { file: 'ok.json', format: 'json' }], new Set(), dir);
    expect(out.failed).toBe(true);
    expect(out.lines).toEqual([`Could not write ${join(dir, 'blocker/r.md')}: a file is in the way of a folder in its path.`, `Report written to ${join(dir, 'ok.json')} (JSON).`]);
  });

  it('the format comes from the extension, in any case', () => {
    expect(exportFormatOf('A.Markdown')).toEqual({ ok: true, format: 'md' });
    expect(exportFormatOf('a.htm')).toEqual({ ok: true, format: 'html' });
    expect(exportFormatOf('a.txt')).toMatchObject({ ok: false });
  });
});
