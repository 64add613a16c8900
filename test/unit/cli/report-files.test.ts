import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFormatOf } from '../../../shared/common/report/export-format';
import { EXIT, runCli } from '../../../shared/node/cli/main';
import { writeReportFiles } from '../../../shared/node/cli/report-files';
import { closedPort } from '../../integration/loopback';
import { labReport } from '../report/lab-report';
import { CHROMIUM, requireTools } from '../report/require-tools';

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

describe('diagnose --report FILE.pdf', () => {
  const quick = ['--probes', '1', '--timeout', '1000', '--no-history'];
  function cli(argv: string[], env: NodeJS.ProcessEnv) {
    const err: string[] = [];
    const io = { argv, env, cwd: dir, stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) }, onInterrupt: () => {} };
    return { run: () => runCli(io), stderr: () => err.join('') };
  }

  it('without a browser: the other files are written, and the PDF is refused in words (exit 1)', async () => {
    const port = await closedPort('127.0.0.1');
    // No PATH and no PORTWISE_BROWSER: no browser can be found (on Linux, only PATH is searched).
    const f = cli(['diagnose', `127.0.0.1:${port}`, '--report', 'r.md', '--report', 'r.pdf', '--report', 'r.json', ...quick], { PORTWISE_HOME: join(dir, 'home') });
    expect(await f.run()).toBe(EXIT.internal);
    expect(f.stderr()).toContain(`Report written to ${join(dir, 'r.md')} (Markdown).`);
    expect(f.stderr()).toContain(`Report written to ${join(dir, 'r.json')} (JSON).`);
    expect(f.stderr()).toContain(
      `Could not write ${join(dir, 'r.pdf')}: no Chromium, Chrome or Edge was found to print the PDF with. Give one with --browser PATH, or export .html and print it from a browser.`,
    );
    expect(existsSync(join(dir, 'r.pdf'))).toBe(false);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/^# Portwise report/);
  });

  it('a browser that is not there is named, and the other files are still written', async () => {
    const port = await closedPort('127.0.0.1');
    const f = cli(['diagnose', `127.0.0.1:${port}`, '--report', 'r.pdf', '--report', 'r.html', '--browser', join(dir, 'no-chrome'), ...quick], { PORTWISE_HOME: join(dir, 'home') });
    expect(await f.run()).toBe(EXIT.internal);
    expect(f.stderr()).toContain(`Could not write ${join(dir, 'r.pdf')}: No browser to print the PDF with at ${join(dir, 'no-chrome')}: it is not there, or not an executable file.`);
    expect(f.stderr()).toContain(`Report written to ${join(dir, 'r.html')} (HTML).`);
  });

  it('with --browser: a real PDF of the report, printed by Chromium', async () => {
    requireTools([[CHROMIUM, 'chromium']]);
    const port = await closedPort('127.0.0.1');
    const f = cli(['diagnose', `127.0.0.1:${port}`, '--report', 'out/r.pdf', '--browser', CHROMIUM, ...quick], { PORTWISE_HOME: join(dir, 'home'), PATH: process.env.PATH });
    expect(await f.run(), f.stderr()).toBe(EXIT.found);
    expect(f.stderr()).toContain(`Report written to ${join(dir, 'out/r.pdf')} (PDF).`);
    const pdf = readFileSync(join(dir, 'out/r.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('writeReportFiles: interrupted', () => {
  it('a PDF being printed is stopped, and the files after it are not written', async () => {
    const controller = new AbortController();
    const printPdf = (_html: string, options?: { signal?: AbortSignal }) =>
      new Promise<Uint8Array>((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(new Error('The PDF export was cancelled.')));
        controller.abort();
      });
    const out = await writeReportFiles(labReport(), [{ file: 'a.md', format: 'md' }, { file: 'b.pdf', format: 'pdf' }, { file: 'c.json', format: 'json' }], new Set(), dir, { printPdf, signal: controller.signal });
    expect(out.failed).toBe(true);
    expect(out.lines).toEqual([`Report written to ${join(dir, 'a.md')} (Markdown).`, `Could not write ${join(dir, 'b.pdf')}: The PDF export was cancelled.`, `Not written: ${join(dir, 'c.json')} (interrupted).`]);
    expect(existsSync(join(dir, 'c.json'))).toBe(false);
  });
});
