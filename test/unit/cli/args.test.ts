import { describe, expect, it } from 'vitest';
import { defaultProbeOptions } from '../../../shared/common/schema/probe';
import { parseCommandLine, usage } from '../../../shared/node/cli/args';

function command(argv: string[]) {
  const r = parseCommandLine(argv);
  if (!r.ok) throw new Error(`expected ok for ${argv.join(' ')}: ${r.message}`);
  return r.command;
}

describe('parseCommandLine: accepted', () => {
  it('uses the defaults', () => {
    expect(command(['diagnose', 'db.example.com:5432'])).toEqual({
      kind: 'diagnose',
      input: 'db.example.com:5432',
      target: { host: 'db.example.com', port: 5432, hostKind: 'name' },
      json: false,
      color: null,
      options: defaultProbeOptions,
      ssh: null,
      service: null,
      answersFile: null,
      secretEnv: {},
      reports: [],
      redact: new Set(),
      browser: null,
      history: true,
    });
  });

  it('--report FILE (repeatable, the format from the extension) and --redact LIST for those files', () => {
    const c = command(['diagnose', 'db:5432', '--report', 'out/r.md', '--report', 'R.HTML', '--report', 'r.json', '--redact', 'hosts, IPs,users']);
    expect(c.kind === 'diagnose' && c.reports).toEqual([
      { file: 'out/r.md', format: 'md' },
      { file: 'R.HTML', format: 'html' },
      { file: 'r.json', format: 'json' },
    ]);
    expect(c.kind === 'diagnose' && [...c.redact].sort()).toEqual(['hosts', 'ips', 'users']);
  });

  it('--report FILE.pdf, printed by --browser PATH; --no-history', () => {
    const c = command(['diagnose', 'db:5432', '--report', 'r.PDF', '--browser', '/opt/chrome/chrome', '--no-history']);
    expect(c).toMatchObject({ reports: [{ file: 'r.PDF', format: 'pdf' }], browser: '/opt/chrome/chrome', history: false });
  });

  it('takes the NAMES of the variables holding a password or a passphrase, with --ssh or --profile only', () => {
    expect(command(['diagnose', 'db:5432', '--ssh', 'root@db', '--password-env', 'DB_PASSWORD', '--passphrase-env', 'KEY_PASS'])).toMatchObject({ secretEnv: { password: 'DB_PASSWORD', passphrase: 'KEY_PASS' } });
    expect(command(['diagnose', 'db:5432', '--profile', 'db', '--password-env', 'DB_PASSWORD'])).toMatchObject({ secretEnv: { password: 'DB_PASSWORD' } });
    const alone = parseCommandLine(['diagnose', 'db:5432', '--password-env', 'DB_PASSWORD']);
    expect(alone).toEqual({ ok: false, message: '--password-env and --passphrase-env go with --ssh or --profile.' });
    expect(parseCommandLine(['profiles', 'list', '--password-env', 'X'])).toEqual({ ok: false, message: '--password-env belongs to "portwise diagnose".' });
  });

  it('takes --service and --answers without --ssh (manual mode)', () => {
    expect(command(['diagnose', 'db:5432', '--service', 'postgresql', '--answers', 'a.json'])).toMatchObject({ service: 'postgresql', answersFile: 'a.json', ssh: null });
  });

  it('parses causes and explain', () => {
    expect(command(['causes', '--json'])).toEqual({ kind: 'causes', json: true });
    expect(command(['explain', 'bind-loopback-only', '--service', 'postgresql'])).toEqual({ kind: 'explain', cause: 'bind-loopback-only', service: 'postgresql', json: false });
  });

  it('reads the SSH options: destination, a jump chain in order, identities, known hosts, sudo, service', () => {
    const c = command(['diagnose', 'db:5432', '--ssh', 'alice@db.example.com:2222', '--jump', 'bob@bastion', '--jump', 'carol@[2001:2::1]:2200', '--identity', '/k/a', '--identity', '/k/b', '--known-hosts', '/kh', '--accept-new-host-key', '--sudo', '--service', 'postgresql@15-main']);
    expect(c.kind === 'diagnose' && c.ssh).toEqual({
      destination: { user: 'alice', host: 'db.example.com', port: 2222 },
      jumps: [
        { user: 'bob', host: 'bastion', port: 22 },
        { user: 'carol', host: '2001:2::1', port: 2200 },
      ],
      identityFiles: ['/k/a', '/k/b'],
      knownHostsFiles: ['/kh'],
      acceptNewHostKey: true,
      sudo: true,
    });
    expect(c.kind === 'diagnose' && c.service).toBe('postgresql@15-main');
  });

  it('keeps a hostile service name as data (it is quoted on the server), but refuses control characters', () => {
    const c = command(['diagnose', 'db:5432', '--ssh', 'db', '--service', 'x;touch /tmp/p']);
    expect(c.kind === 'diagnose' && c.service).toBe('x;touch /tmp/p');
    const bad = parseCommandLine(['diagnose', 'db:5432', '--ssh', 'db', '--service', 'a\nb']);
    expect(bad.ok).toBe(false);
  });

  it.each([
    [['diagnose', 'db:5432', '--ssh', '-oProxyCommand=x@db'], /--ssh/],
    [['diagnose', 'db:5432', '--ssh', 'db;rm', '--json'], /--ssh/],
    [['diagnose', 'db:5432', '--jump', 'b@bastion'], /--jump needs --ssh/],
    [['diagnose', 'db:5432', '--sudo'], /--sudo needs --ssh/],
    [['diagnose', 'db:5432', '--answers', ''], /--answers takes a file name/],
    [['causes', 'extra'], /causes takes no arguments/],
    [['causes', '--service', 'x'], /--service belongs to/],
    [['explain'], /explain takes one cause id/],
    [['explain', 'a', 'b'], /explain takes one cause id/],
    [['explain', 'bind-loopback-only', '--ssh', 'root@h'], /--ssh belongs to "portwise diagnose"/],
    [['diagnose', 'db:5432', '--ssh', 'db', '--jump', 'x y'], /--jump/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseCommandLine(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it('reads --json, --timeout, --probes in any position and either form', () => {
    const c = command(['--json', 'diagnose', '--timeout=750', '[::1]:8080', '--probes', '5']);
    expect(c).toMatchObject({ kind: 'diagnose', json: true, target: { host: '::1', port: 8080, hostKind: 'ipv6' } });
    expect(c.kind === 'diagnose' && c.options).toEqual({ ...defaultProbeOptions, timeoutMs: 750, rounds: 5 });
  });

  it.each([
    [['--timeout', '100'], 'timeoutMs', 100],
    [['--timeout', '60000'], 'timeoutMs', 60000],
    [['--probes', '1'], 'rounds', 1],
    [['--probes', '10'], 'rounds', 10],
  ] as const)('bounds are inclusive: %j', (flags, key, value) => {
    const c = command(['diagnose', 'h.example:1', ...flags]);
    expect(c.kind === 'diagnose' && c.options[key]).toBe(value);
  });

  it('colour: --no-color false, --color true, neither null; --no-color wins over --color', () => {
    const color = (...flags: string[]) => {
      const c = command(['diagnose', 'h.example:1', ...flags]);
      return c.kind === 'diagnose' ? c.color : 'n/a';
    };
    expect(color()).toBeNull();
    expect(color('--no-color')).toBe(false);
    expect(color('--color')).toBe(true);
    expect(color('--color', '--no-color')).toBe(false);
  });

  it('help and version, short and long, even without a command', () => {
    expect(command(['--help'])).toEqual({ kind: 'help' });
    expect(command(['-h'])).toEqual({ kind: 'help' });
    expect(command(['diagnose', 'bad target', '--help'])).toEqual({ kind: 'help' });
    expect(command(['--version'])).toEqual({ kind: 'version' });
    expect(command(['-v'])).toEqual({ kind: 'version' });
    expect(usage).toMatch(/^Usage: portwise diagnose/);
  });
});

describe('parseCommandLine: every bad input is ok:false with a one-line message', () => {
  it.each([
    [[], /Missing a command/],
    [['diagnoze', 'h.example:1'], /Unknown command "diagnoze"/],
    [['diagnose'], /needs a target/],
    [['diagnose', 'a.example:1', 'b.example:2'], /takes one target; got 2/],
    [['diagnose', 'h.example'], /Bad target "h\.example": Add a port/],
    [['diagnose', '::1:80'], /Bad target.*\[::1\]:80/],
    [['diagnose', 'h.example:0'], /out of range/],
    [['diagnose', 'h.example:1', '--timeout', '99'], /--timeout must be from 100 to 60000, not 99/],
    [['diagnose', 'h.example:1', '--timeout', '60001'], /--timeout must be from 100 to 60000/],
    [['diagnose', 'h.example:1', '--timeout', 'abc'], /--timeout takes a whole number/],
    [['diagnose', 'h.example:1', '--timeout', '1.5'], /--timeout takes a whole number/],
    [['diagnose', 'h.example:1', '--timeout', ''], /--timeout takes a whole number/],
    [['diagnose', 'h.example:1', '--timeout', '-5'], /./],
    [['diagnose', 'h.example:1', '--timeout'], /timeout/],
    [['diagnose', 'h.example:1', '--probes', '0'], /--probes must be from 1 to 10, not 0/],
    [['diagnose', 'h.example:1', '--report', 'r.txt'], /--report: "r\.txt" does not end in \.md, \.html, \.json or \.pdf/],
    [['diagnose', 'h.example:1', '--report', 'r.md', '--browser', '/usr/bin/chromium'], /--browser prints the \.pdf files of --report: give --report FILE\.pdf too/],
    [['diagnose', 'h.example:1', '--report', 'r.pdf', '--browser', ''], /--browser takes the path/],
    [['causes', '--no-history'], /--no-history belongs to "portwise diagnose"/],
    [['diagnose', 'h.example:1', '--target', 'h.example:1'], /--target belongs to "portwise history list"/],
    [['profiles', 'list', '--browser', 'x'], /--browser belongs to "portwise diagnose"/],
    [['diagnose', 'h.example:1', '--report', 'report'], /--report: "report" does not end in/],
    [['diagnose', 'h.example:1', '--report', ''], /--report takes a file name/],
    [['diagnose', 'h.example:1', '--redact', 'hosts'], /--redact applies to the files of --report/],
    [['diagnose', 'h.example:1', '--report', 'r.md', '--redact', 'hosts,phones'], /--redact: /],
    [['causes', '--report', 'r.md'], /--report belongs to "portwise diagnose"/],
    [['diagnose', 'h.example:1', '--probes', '11'], /--probes must be from 1 to 10/],
    [['diagnose', 'h.example:1', '--probes', 'many'], /--probes takes a whole number/],
    [['diagnose', 'h.example:1', '--frobnicate'], /frobnicate/],
    [['diagnose', 'h.example:1', '-x'], /-x/],
    [['diagnose', 'h.example:1', '--json=yes'], /json/],
  ])('%j', (argv, message) => {
    const r = parseCommandLine(argv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.message).not.toMatch(/[\n\r]/);
  });

  it.each([
    ['a newline', 'db\nrm -rf:80'],
    ['a terminal escape', '\u001b[2J\u001b[31mdb:80'],
  ])('a target containing %s still gives one line without control characters', (_what, input) => {
    const r = parseCommandLine(['diagnose', input]);
    expect(r.ok).toBe(false);
    // The message goes to a terminal on stderr: it must stay one line and must not carry escapes.
    const controls = r.ok ? [] : [...r.message].filter((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
    expect(controls).toEqual([]);
  });
});
