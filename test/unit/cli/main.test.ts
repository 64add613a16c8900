import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { usage } from '../../../shared/node/cli/args';
import { EXIT, runCli } from '../../../shared/node/cli/main';
import { closedPort } from '../../integration/loopback';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
const ESC = '\u001b';

// Every diagnosis is saved in the history: into this private folder, never the user's own.
const home = mkdtempSync(join(tmpdir(), 'pw-cli-main-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function fakeIo(argv: string[], extraEnv: NodeJS.ProcessEnv = {}, tty = false) {
  const env: NodeJS.ProcessEnv = { PORTWISE_HOME: home, ...extraEnv };
  const out: string[] = [];
  const err: string[] = [];
  const interrupts: (() => void)[] = [];
  return {
    io: {
      argv,
      env,
      stdout: { write: (s: string) => out.push(s), isTTY: tty },
      stderr: { write: (s: string) => err.push(s), isTTY: tty },
      onInterrupt: (h: () => void) => interrupts.push(h),
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupts,
  };
}

describe('runCli: usage and info', () => {
  it.each([[[]], [['diagnose']], [['diagnose', 'h.example']], [['frob']], [['diagnose', 'h.example:1', '--probes', '0']], [['diagnose', 'h.example:1', '--bogus']], [['diagnose', 'a.example:1', 'b.example:1']]])(
    '%j exits 2 with one line on stderr and nothing on stdout',
    async (argv) => {
      const f = fakeIo(argv);
      expect(await runCli(f.io)).toBe(EXIT.usage);
      expect(EXIT.usage).toBe(2);
      expect(f.stderr()).toMatch(/^portwise: [^\n]+\n$/);
      expect(f.stdout()).toBe('');
    },
  );

  it('--password-env naming a variable that is not set exits 2 before anything is probed, without a value in sight', async () => {
    const f = fakeIo(['diagnose', '127.0.0.1:9', '--ssh', 'root@127.0.0.1', '--password-env', 'PW_NOT_SET'], { OTHER: 'hunter2' });
    expect(await runCli(f.io)).toBe(EXIT.usage);
    expect(f.stderr()).toMatch(/^portwise: .*PW_NOT_SET[^\n]*\n$/);
    expect(f.stderr()).not.toContain('hunter2');
    expect(f.stdout()).toBe('');
  });

  it('--version prints the package version', async () => {
    const f = fakeIo(['--version']);
    expect(await runCli(f.io)).toBe(0);
    expect(f.stdout()).toBe(`portwise ${version}\n`);
    expect(f.stderr()).toBe('');
  });

  it('--help prints the usage on stdout', async () => {
    const f = fakeIo(['--help']);
    expect(await runCli(f.io)).toBe(0);
    expect(f.stdout()).toBe(usage);
  });
});

describe('runCli: a real diagnosis of a closed loopback port', () => {
  const quick = ['--probes', '1', '--timeout', '1000'];

  it('--json prints exactly one Report on stdout: refused, service-not-running, exit 0', async () => {
    const port = await closedPort('127.0.0.1');
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, '--json', ...quick]);
    const code = await runCli(f.io);
    const out = f.stdout();
    // Exactly one document: JSON.parse fails on anything before or after it.
    const report = Report.parse(JSON.parse(out));
    expect(out.trimEnd().split('\n').at(-1)).toBe('}');
    expect(report.target).toMatchObject({ host: '127.0.0.1', port, hostKind: 'ipv4', input: `127.0.0.1:${port}` });
    expect(report.outcome).toBe('refused');
    expect(report.diagnosis.cause).toBe('service-not-running');
    expect(report.diagnosis.confidence).toBe('high');
    expect(report.options.rounds).toBe(1);
    expect(report.options.timeoutMs).toBe(1000);
    expect(code).toBe(EXIT.found);
    // Progress goes to stderr, never into the JSON.
    expect(f.stderr()).toContain(`127.0.0.1:${port}`);
    expect(f.stderr()).toMatch(/refused \(ECONNREFUSED\)/);
    expect(f.interrupts).toHaveLength(1);
  });

  it('NO_COLOR on a TTY: text without any escape, on stdout and stderr', async () => {
    const port = await closedPort('127.0.0.1');
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, ...quick], { NO_COLOR: '1' }, true);
    expect(await runCli(f.io)).toBe(EXIT.found);
    expect(f.stdout()).toContain('Diagnosis: Nothing is listening');
    expect(f.stdout()).not.toContain(ESC);
    expect(f.stderr()).not.toContain(ESC);
  });

  it('a TTY without NO_COLOR gets colour (so the NO_COLOR test can fail); --no-color turns it off', async () => {
    const port = await closedPort('127.0.0.1');
    const coloured = fakeIo(['diagnose', `127.0.0.1:${port}`, ...quick], {}, true);
    expect(await runCli(coloured.io)).toBe(EXIT.found);
    expect(coloured.stdout()).toContain(ESC);
    expect(coloured.stderr()).toContain(ESC);
    const flagged = fakeIo(['diagnose', `127.0.0.1:${port}`, '--no-color', ...quick], {}, true);
    expect(await runCli(flagged.io)).toBe(EXIT.found);
    expect(flagged.stdout() + flagged.stderr()).not.toContain(ESC);
  });

  it('an empty NO_COLOR does not disable colour (no-color.org)', async () => {
    const port = await closedPort('127.0.0.1');
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, ...quick], { NO_COLOR: '' }, true);
    await runCli(f.io);
    expect(f.stdout()).toContain(ESC);
  });

  it('not a TTY: no colour by default', async () => {
    const port = await closedPort('127.0.0.1');
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, ...quick], {}, false);
    await runCli(f.io);
    expect(f.stdout() + f.stderr()).not.toContain(ESC);
  });
});
