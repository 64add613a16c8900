import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { EXIT, runCli } from '../../../shared/node/cli/main';
import { openHistoryStore } from '../../../shared/node/store/history-store';
import { closedPort } from '../../integration/loopback';
import { labReport } from '../report/lab-report';

// `portwise history` and the saving of every diagnosis, each test in its own PORTWISE_HOME.
let dir: string;
let home: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-cli-history-'));
  home = join(dir, 'portwise');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const quick = ['--probes', '1', '--timeout', '1000'];
const ID = /\b\d{8}T\d{9}Z-[0-9a-f]{8}\b/;

function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const interrupts: (() => void)[] = [];
  let onErr: (s: string) => void = () => {};
  const io = {
    argv,
    env: { PORTWISE_HOME: home, ...env },
    cwd: dir,
    stdout: { write: (s: string) => out.push(s) },
    stderr: {
      write: (s: string) => {
        err.push(s);
        onErr(s);
        return true;
      },
    },
    onInterrupt: (h: () => void) => interrupts.push(h),
  };
  return {
    run: () => runCli(io),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupts,
    onStderr: (fn: (s: string) => void) => {
      onErr = fn;
    },
  };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const f = cli(argv, env);
  const code = await f.run();
  return { code, stdout: f.stdout(), stderr: f.stderr() };
}

const historyFiles = () => (existsSync(join(home, 'history')) ? readdirSync(join(home, 'history')).filter((n) => n.endsWith('.json')) : []);

describe('diagnose saves every finished report in the history', () => {
  it('saves it, says under which id, and history list / show give it back as diagnose printed it', async () => {
    const port = await closedPort('127.0.0.1');
    const diagnosed = await run(['diagnose', `127.0.0.1:${port}`, ...quick]);
    expect(diagnosed.code).toBe(EXIT.found);
    const id = ID.exec(diagnosed.stderr)?.[0];
    expect(diagnosed.stderr).toContain(`Saved in the history as ${id} ("portwise history show ${id}").`);
    expect(historyFiles()).toEqual([`${id}.json`]);

    const list = await run(['history', 'list']);
    expect(list.code).toBe(0);
    const [header, row, ...rest] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+FINISHED\s+TARGET\s+OUTCOME\s+CAUSE$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}Z\\s+127\\.0\\.0\\.1:${port}\\s+refused\\s+service-not-running$`));
    expect(rest).toEqual([]);

    const shown = await run(['history', 'show', id!]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(diagnosed.stdout);
    expect(shown.stderr).toBe('');

    const json = await run(['history', 'show', id!, '--json']);
    const report = Report.parse(JSON.parse(json.stdout));
    expect(report.target).toMatchObject({ host: '127.0.0.1', port });
    expect(report.diagnosis.cause).toBe('service-not-running');
  });

  it('--json saves the same report it prints', async () => {
    const port = await closedPort('127.0.0.1');
    const diagnosed = await run(['diagnose', `127.0.0.1:${port}`, '--json', ...quick]);
    const id = ID.exec(diagnosed.stderr)?.[0];
    const shown = await run(['history', 'show', id!, '--json']);
    expect(JSON.parse(shown.stdout)).toEqual(JSON.parse(diagnosed.stdout));
  });

  it('--no-history saves nothing', async () => {
    const port = await closedPort('127.0.0.1');
    const diagnosed = await run(['diagnose', `127.0.0.1:${port}`, '--no-history', ...quick]);
    expect(diagnosed.code).toBe(EXIT.found);
    expect(diagnosed.stderr).not.toContain('history');
    expect(historyFiles()).toEqual([]);
  });

  it('an interrupted run is not saved', async () => {
    const port = await closedPort('127.0.0.1');
    const f = cli(['diagnose', `127.0.0.1:${port}`, ...quick]);
    // Interrupted once the address is known: the probes then see the cancel and the run ends there.
    f.onStderr((s) => {
      if (s.startsWith('Resolved to')) f.interrupts.forEach((h) => h());
    });
    expect(await f.run()).toBe(EXIT.interrupted);
    expect(f.stderr()).toContain('Cancelled.');
    expect(historyFiles()).toEqual([]);
  });

  it('a history that cannot be written is one line on stderr; the diagnosis and its exit code stand', async () => {
    // A file where Portwise's folder should be: the history folder cannot be made.
    writeFileSync(home, '');
    const port = await closedPort('127.0.0.1');
    const diagnosed = await run(['diagnose', `127.0.0.1:${port}`, ...quick]);
    expect(diagnosed.code).toBe(EXIT.found);
    expect(diagnosed.stdout).toContain('Diagnosis: Nothing is listening');
    const lines = diagnosed.stderr.split('\n').filter((l) => l.includes('history'));
    expect(lines).toEqual([`portwise: the report was not saved in the history (${join(home, 'history')}): a file is in the way of a folder in its path.`]);
  });
});

describe('portwise history', () => {
  /** Two saved reports: the lab's (198.18.0.2:8105) and one for db.example.com:5432, a minute later. */
  async function saveTwo(): Promise<{ lab: string; db: string }> {
    const store = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const lab = await store.save(labReport());
    const db = labReport();
    db.target = { host: 'db.example.com', port: 5432, hostKind: 'name', input: 'db.example.com:5432' };
    db.finishedAt = '2026-11-25T15:13:27.093Z';
    return { lab, db: await store.save(db) };
  }

  it('list: newest first; --target filters; --json; an empty history says how it fills', async () => {
    expect((await run(['history'])).stdout).toBe(`No saved reports in ${join(home, 'history')}: each diagnosis is saved when it finishes (unless --no-history).\n`);
    const { lab, db } = await saveTwo();
    const list = await run(['history', 'list']);
    expect(list.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual([db, lab]);
    expect(list.stdout).toContain('2026-11-25 15:13Z  db.example.com:5432');
    const only = await run(['history', 'list', '--target', 'DB.example.com:5432']);
    expect(only.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual([db]);
    expect((await run(['history', 'list', '--target', '198.18.0.9:1'])).stdout).toBe('None of the 2 saved report(s) is for 198.18.0.9:1.\n');
    const json = JSON.parse((await run(['history', 'list', '--json', '--target', '198.18.0.2:8105'])).stdout) as { entries: { id: string; target: string; outcome: string; cause: string }[] };
    expect(json.entries).toEqual([expect.objectContaining({ id: lab, target: '198.18.0.2:8105', outcome: 'refused', cause: 'iptables-reject' })]);
    expect((await run(['history', 'list', '--target', 'nope'])).code).toBe(EXIT.usage);
  });

  it('a damaged file is moved aside and named on stderr; the others are listed; show of it fails (exit 1)', async () => {
    const { lab } = await saveTwo();
    const damaged = '20261124T100000000Z-0badf00d';
    writeFileSync(join(home, 'history', `${damaged}.json`), '{"schema": "portwise.report/1", "cut');
    const list = await run(['history', 'list']);
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(new RegExp(`^portwise: .*${damaged}\\.json[^\\n]*\\n$`));
    expect(list.stdout).toContain(lab);
    expect(list.stdout).not.toContain(damaged);
    expect(readdirSync(join(home, 'history')).some((n) => n.startsWith(`${damaged}.json.corrupt-`))).toBe(true);

    writeFileSync(join(home, 'history', `${damaged}.json`), 'not json');
    const show = await run(['history', 'show', damaged]);
    expect(show.code).toBe(EXIT.internal);
    expect(show.stderr).toMatch(/^portwise: [^\n]+"portwise history list" shows the saved ones\.\n$/);
    expect(show.stdout).toBe('');
  });

  it('an id that is not one is a usage error (2); one that names no report is not found (1)', async () => {
    const bad = await run(['history', 'show', '../../etc/passwd']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toBe('portwise: "../../etc/passwd" is not a history id (they look like 20261124T145501123Z-1a2b3c4d). "portwise history list" shows them.\n');
    const missing = await run(['history', 'show', '20261124T145501123Z-1a2b3c4d']);
    expect(missing.code).toBe(EXIT.internal);
    expect(missing.stderr).toBe('portwise: No saved report has the id 20261124T145501123Z-1a2b3c4d. "portwise history list" shows the saved ones.\n');
    expect((await run(['history', 'export', '20261124T145501123Z-1a2b3c4d', '--report', 'r.md'])).code).toBe(EXIT.internal);
    expect(existsSync(join(dir, 'r.md'))).toBe(false);
  });

  it('export: the same writer as diagnose --report (redacted, each file said); a .pdf without a browser is refused, the rest written', async () => {
    const { lab } = await saveTwo();
    const out = await run(['history', 'export', lab, '--report', 'r.md', '--report', 'sub/r.json', '--redact', 'ips,users']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(`Redacted in the exported files: 1 address, 1 user name.\nReport written to ${join(dir, 'r.md')} (Markdown).\nReport written to ${join(dir, 'sub/r.json')} (JSON).\n`);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).not.toContain('198.18.0.2');
    expect(Report.parse(JSON.parse(readFileSync(join(dir, 'sub/r.json'), 'utf8'))).diagnosis.cause).toBe('iptables-reject');

    const pdf = await run(['history', 'export', lab, '--report', 'r.pdf', '--report', 'r.html'], { PATH: '' });
    expect(pdf.code).toBe(EXIT.internal);
    expect(pdf.stderr).toContain(`Could not write ${join(dir, 'r.pdf')}: no Chromium, Chrome or Edge was found to print the PDF with. Give one with --browser PATH, or export .html and print it from a browser.`);
    expect(pdf.stderr).toContain(`Report written to ${join(dir, 'r.html')} (HTML).`);
  });

  it('clear: without --yes it says what would go (exit 2) and removes nothing; with --yes it removes them all', async () => {
    await saveTwo();
    const asked = await run(['history', 'clear']);
    expect(asked.code).toBe(EXIT.usage);
    expect(asked.stderr).toBe(`portwise: history clear removes every saved report: 2 reports in ${join(home, 'history')}. Run "portwise history clear --yes" to remove them.\n`);
    expect(historyFiles()).toHaveLength(2);
    const cleared = await run(['history', 'clear', '--yes']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toBe(`Removed 2 saved reports from ${join(home, 'history')}.\n`);
    expect(historyFiles()).toEqual([]);
    expect((await run(['history', 'clear'])).stderr).toContain('there are none');
  });

  it.each([
    [['history', 'frob'], /Unknown history command "frob": try list, show, export or clear\./],
    [['history', 'show'], /history show takes one report id/],
    [['history', 'show', 'a', 'b'], /history show takes one report id/],
    [['history', 'export', '20261124T145501123Z-1a2b3c4d'], /history export needs --report FILE/],
    [['history', 'export', '20261124T145501123Z-1a2b3c4d', '--report', 'r.txt'], /--report: "r\.txt" does not end in/],
    [['history', 'list', '--yes'], /--yes does not go with "portwise history list"/],
    [['history', 'clear', '--json'], /--json does not go with "portwise history clear"/],
    [['history', 'show', '20261124T145501123Z-1a2b3c4d', '--report', 'r.md'], /--report does not go with "portwise history show"/],
    [['history', 'list', '--no-history'], /--no-history does not go with "portwise history list"/],
  ])('%j is a usage error in one line', async (argv, message) => {
    const out = await run(argv);
    expect(out.code).toBe(EXIT.usage);
    expect(out.stderr).toMatch(/^portwise: [^\n]+\n$/);
    expect(out.stderr).toMatch(message);
  });

  it('a history folder that cannot be read is said so (exit 1)', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(home, '');
    const out = await run(['history', 'list']);
    expect(out.code).toBe(EXIT.internal);
    expect(out.stderr).toBe(`portwise: cannot use the history in ${join(home, 'history')}: a file is in the way of a folder in its path.\n`);
  });
});
