import { describe, expect, it } from 'vitest';
import { parseCommandLine, usage } from '../../../shared/node/cli/args';

const parsed = (argv: string[]) => parseCommandLine(['fleet', '5432', '--ssh', 'admin@db1.example.com', ...argv]);

describe('parseCommandLine: portwise fleet --report', () => {
  it('takes --report (repeatable, format by extension), --redact and --browser as diagnose does', () => {
    const r = parsed(['--report', 'fleet.md', '--report', 'out/Fleet.PDF', '--redact', 'hosts,users', '--browser', 'chromium']);
    expect(r.ok && r.command.kind === 'fleet' && r.command.files).toEqual({
      reports: [
        { file: 'fleet.md', format: 'md' },
        { file: 'out/Fleet.PDF', format: 'pdf' },
      ],
      redact: new Set(['hosts', 'users']),
      browser: 'chromium',
    });
  });

  it('without --report there are no files', () => {
    const r = parsed([]);
    expect(r.ok && r.command.kind === 'fleet' && 'files' in r.command).toBe(false);
  });

  it.each([
    [['--report', 'fleet.txt'], '--report: "fleet.txt" does not end in .md, .html, .json or .pdf, so Portwise cannot tell which format to write.'],
    [['--report', ' '], '--report takes a file name ending in .md, .html, .json or .pdf.'],
    [['--redact', 'hosts'], '--redact applies to the files of --report: give --report FILE too.'],
    [['--report', 'f.md', '--redact', 'colours'], '--redact: "colours" is not something to redact: use hosts, ips, users, paths (comma-separated), or all. Secrets are always redacted.'],
    [['--report', 'f.md', '--browser', 'chromium'], '--browser prints the .pdf files of --report: give --report FILE.pdf too.'],
  ])('%j is a usage error', (argv, message) => {
    const r = parsed(argv);
    expect(r.ok ? null : r.message).toBe(message);
  });

  it('the help says fleet takes --report, and no longer that it does not', () => {
    expect(usage).toMatch(/--report FILE {5}also write the whole fleet to FILE/);
    expect(usage).not.toContain('not taken (yet)');
  });
});
