import { describe, expect, it } from 'vitest';
import { defaultProbeOptions } from '../../../shared/common/schema/probe';
import { FLEET_LIMITS } from '../../../shared/common/schema/limits';
import { parseCommandLine, usage } from '../../../shared/node/cli/args';

function command(argv: string[]) {
  const r = parseCommandLine(argv);
  if (!r.ok) throw new Error(`expected ok for ${argv.join(' ')}: ${r.message}`);
  return r.command;
}

function refused(argv: string[]): string {
  const r = parseCommandLine(argv);
  if (r.ok) throw new Error(`expected a usage error for ${argv.join(' ')}`);
  return r.message;
}

const ssh = (user: string, host: string, port = 22, over: Record<string, unknown> = {}) => ({
  kind: 'ssh',
  ssh: { destination: { user, host, port }, jumps: [], identityFiles: [], knownHostsFiles: [], acceptNewHostKey: false, sudo: false, ...over },
});

describe('parseCommandLine: portwise fleet', () => {
  it('a port and servers, with the defaults: 8 at a time, diagnose\'s probe options, saved in the history', () => {
    expect(command(['fleet', '5432', '--ssh', 'admin@db1.example.com', '--ssh', 'admin@db2.example.com:2222'])).toEqual({
      kind: 'fleet',
      port: 5432,
      servers: [ssh('admin', 'db1.example.com'), ssh('admin', 'db2.example.com', 2222)],
      concurrency: 8,
      json: false,
      color: null,
      options: defaultProbeOptions,
      service: null,
      secretEnv: {},
      history: true,
    });
  });

  it('keeps --ssh and --profile servers in the order typed', () => {
    const c = command(['fleet', '443', '--profile', 'web1', '--ssh', 'root@198.18.0.2', '--profile', 'web3']);
    expect(c.kind === 'fleet' && c.servers.map((s) => (s.kind === 'ssh' ? `ssh ${s.ssh.destination.host}` : `profile ${s.profile.ref}`))).toEqual(['profile web1', 'ssh 198.18.0.2', 'profile web3']);
  });

  it('every shared option reaches every server: --jump/--identity the --ssh ones, the rest all of them', () => {
    const c = command([
      'fleet', '5432', '--ssh', 'admin@db1.example.com', '--profile', 'db2', '--jump', 'me@bastion.example.com:2222', '--identity', '/keys/id_ed25519',
      '--known-hosts', '/etc/fleet_known_hosts', '--accept-new-host-key', '--sudo', '--service', 'postgresql', '--concurrency', '3',
      '--probes', '1', '--timeout', '800', '--json', '--no-color', '--no-history', '--password-env', 'DB_PW', '--passphrase-env', 'KEY_PW',
    ]);
    expect(c).toEqual({
      kind: 'fleet',
      port: 5432,
      servers: [
        ssh('admin', 'db1.example.com', 22, { jumps: [{ user: 'me', host: 'bastion.example.com', port: 2222 }], identityFiles: ['/keys/id_ed25519'], knownHostsFiles: ['/etc/fleet_known_hosts'], acceptNewHostKey: true, sudo: true }),
        { kind: 'profile', profile: { ref: 'db2', knownHostsFiles: ['/etc/fleet_known_hosts'], acceptNewHostKey: true, sudo: true } },
      ],
      concurrency: 3,
      json: true,
      color: false,
      options: { ...defaultProbeOptions, rounds: 1, timeoutMs: 800 },
      service: 'postgresql',
      secretEnv: { password: 'DB_PW', passphrase: 'KEY_PW' },
      history: false,
    });
  });

  it.each([
    [['fleet'], /^fleet needs a port/],
    [['fleet', '5432'], /^fleet needs at least one server: --ssh USER@HOST\[:PORT\] or --profile NAME/],
    [['fleet', 'db.example.com:5432', '--ssh', 'a@db.example.com'], /^fleet takes a port from 1 to 65535, not "db\.example\.com:5432"\.$/],
    [['fleet', '0', '--ssh', 'a@db.example.com'], /^fleet takes a port from 1 to 65535/],
    [['fleet', '5432', '6432', '--ssh', 'a@db.example.com'], /^fleet takes one port/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--concurrency', '0'], /^--concurrency must be from 1 to 32, not 0\.$/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--concurrency', '33'], /^--concurrency must be from 1 to 32, not 33\.$/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--concurrency', 'many'], /^--concurrency takes a whole number from 1 to 32/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--ssh', 'a@DB.example.com:22'], /is given twice: each server once\.$/],
    [['fleet', '5432', '--profile', 'db1', '--profile', 'DB1'], /^--profile DB1 is given twice/],
    [['fleet', '5432', '--ssh', 'bad user@db.example.com'], /^--ssh: /],
    [['fleet', '5432', '--profile', 'db1', '--jump', 'me@bastion.example.com'], /^--jump applies to the --ssh servers/],
    [['fleet', '5432', '--profile', 'db1', '--identity', '/k'], /^--identity applies to the --ssh servers/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--answers', 'a.json'], /^--answers belongs to "portwise diagnose"/],
    [['fleet', '5432', '--ssh', 'a@db.example.com', '--probes', '11'], /^--probes must be from 1 to 10/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(refused(argv)).toMatch(message);
  });

  it('takes at most as many servers as the app does', () => {
    const servers = (n: number) => Array.from({ length: n }, (_, i) => ['--ssh', `a@db${i}.example.com`]).flat();
    expect(command(['fleet', '5432', ...servers(FLEET_LIMITS.maxServers)])).toMatchObject({ kind: 'fleet', servers: { length: FLEET_LIMITS.maxServers } });
    expect(refused(['fleet', '5432', ...servers(FLEET_LIMITS.maxServers + 1)])).toBe(`fleet takes at most ${FLEET_LIMITS.maxServers} servers in one run, not ${FLEET_LIMITS.maxServers + 1}: split them into several runs.`);
    expect(FLEET_LIMITS.maxServers).toBe(256);
  });

  it('--concurrency belongs to fleet; diagnose still takes one server', () => {
    expect(refused(['diagnose', 'db.example.com:5432', '--concurrency', '2'])).toBe('--concurrency belongs to "portwise fleet".');
    expect(refused(['profiles', 'list', '--concurrency', '2'])).toBe('--concurrency belongs to "portwise fleet".');
    expect(refused(['diagnose', 'db.example.com:5432', '--ssh', 'a@db1.example.com', '--ssh', 'a@db2.example.com'])).toMatch(/^diagnose logs in to one server: give --ssh once \("portwise fleet PORT --ssh A --ssh B" diagnoses several\)\.$/);
    expect(refused(['diagnose', 'db.example.com:5432', '--profile', 'a', '--profile', 'b'])).toMatch(/^diagnose logs in to one server: give --profile once/);
    expect(command(['diagnose', 'db.example.com:5432', '--ssh', 'a@db1.example.com'])).toMatchObject({ ssh: { destination: { user: 'a', host: 'db1.example.com', port: 22 } } });
  });

  it('the usage text names the command, --concurrency and its exit codes', () => {
    expect(usage).toContain('portwise fleet <port> --ssh USER@HOST[:PORT]... [--profile NAME]... [options]');
    expect(usage).toContain('--concurrency N   at most N servers at once, 1-32 (default 8)');
    expect(usage).toMatch(/Exit codes: 0 every server was diagnosed \(whatever the cause\), 4 the login failed on one\s+or more servers/);
  });
});
