import { describe, expect, it } from 'vitest';
import { parseCommandLine, usage } from '../../../shared/node/cli/args';

function command(argv: string[]) {
  const r = parseCommandLine(argv);
  if (!r.ok) throw new Error(`expected ok for ${argv.join(' ')}: ${r.message}`);
  return r.command;
}

describe('parseCommandLine: profiles', () => {
  it('no verb lists; list takes a search text and --group/--tag filters', () => {
    expect(command(['profiles'])).toEqual({ kind: 'profiles', json: false, action: { verb: 'list', search: null, groups: [], tags: [] } });
    expect(command(['profiles', 'list', 'db', '--group', 'prod', '--tag', 'pg', '--tag', 'eu', '--json'])).toEqual({
      kind: 'profiles',
      json: true,
      action: { verb: 'list', search: 'db', groups: ['prod'], tags: ['pg', 'eu'] },
    });
  });

  it('add: every flag to its field, jumps in the order given', () => {
    const c = command([
      'profiles', 'add', '--name', 'db1', '--host', 'db1.example.com', '--port', '2222', '--user', 'postgres', '--auth', 'key', '--key', '~/.ssh/id_db',
      '--jump', 'edge', '--jump', 'bastion', '--sudo', '--group', 'prod', '--tag', 'pg', '--service', 'postgresql', '--known-hosts', '/etc/kh', '--notes', 'primary',
    ]);
    expect(c).toEqual({
      kind: 'profiles',
      json: false,
      action: {
        verb: 'add',
        fields: {
          name: 'db1', host: 'db1.example.com', port: 2222, user: 'postgres', auth: 'key', keyPath: '~/.ssh/id_db', jumps: ['edge', 'bastion'],
          sudo: 'sudo-n', groups: ['prod'], tags: ['pg'], serviceHint: 'postgresql', knownHostsFiles: ['/etc/kh'], notes: 'primary',
        },
      },
    });
  });

  it('edit: only the given fields; an empty value clears; --no-sudo', () => {
    expect(command(['profiles', 'edit', 'db1', '--port', '22', '--jump', '', '--key', '', '--service', '', '--no-sudo', '--group', ''])).toEqual({
      kind: 'profiles',
      json: false,
      action: { verb: 'edit', ref: 'db1', fields: { port: 22, jumps: [], keyPath: null, serviceHint: null, sudo: 'never', groups: [] } },
    });
  });

  it('show and remove take one name', () => {
    expect(command(['profiles', 'show', 'DB 1'])).toMatchObject({ action: { verb: 'show', ref: 'DB 1' } });
    expect(command(['profiles', 'remove', 'db1', '--json'])).toMatchObject({ json: true, action: { verb: 'remove', ref: 'db1' } });
  });

  it.each([
    [['profiles', 'frob'], /Unknown profiles command "frob"/],
    [['profiles', 'show'], /profiles show takes one profile name/],
    [['profiles', 'show', 'a', 'b'], /profiles show takes one profile name/],
    [['profiles', 'remove'], /profiles remove takes one/],
    [['profiles', 'edit', 'db1'], /needs at least one change/],
    [['profiles', 'edit'], /profiles edit takes one/],
    [['profiles', 'add', 'db1', '--host', 'h'], /add takes options only/],
    [['profiles', 'add', '--name', 'x', '--port', 'ssh'], /--port takes a whole number from 1 to 65535/],
    [['profiles', 'add', '--name', 'x', '--port', '0'], /--port must be from 1 to 65535/],
    [['profiles', 'add', '--name', 'x', '--auth', 'magic'], /--auth is one of agent, key, password, keyboard-interactive; not "magic"/],
    [['profiles', 'add', '--name', 'x', '--no-sudo'], /--no-sudo belongs to "portwise profiles edit"/],
    [['profiles', 'edit', 'x', '--sudo', '--no-sudo'], /contradict/],
    [['profiles', 'add', '--name', 'x', '--service', 'a\nb'], /--service takes a unit name without control characters/],
    [['profiles', 'list', '--host', 'h'], /--host does not go with "portwise profiles list"/],
    [['profiles', 'show', 'x', '--port', '1'], /--port does not go with "portwise profiles show"/],
    [['profiles', 'list', '--ssh', 'root@h'], /--ssh belongs to "portwise diagnose"/],
    [['profiles', 'add', '--name', 'x', '--identity', '/k'], /--identity belongs to "portwise diagnose"/],
    [['profiles', 'list', '--profile', 'x'], /--profile belongs to "portwise diagnose"/],
    [['profiles', 'list', 'a', 'b'], /at most one search text/],
    [['diagnose', 'db:5432', '--host', 'h'], /--host belongs to "portwise profiles"/],
    [['causes', '--tag', 'x'], /--tag belongs to "portwise profiles"/],
    [['explain', 'bind-loopback-only', '--profile', 'db'], /--profile belongs to "portwise diagnose"/],
  ])('refuses %j with one line', (argv, message) => {
    const r = parseCommandLine(argv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.message).not.toMatch(/[\n\r]/);
  });
});

describe('parseCommandLine: diagnose --profile', () => {
  it('carries the profile, extra known_hosts, host key policy and sudo; no ssh options', () => {
    const c = command(['diagnose', 'db:5432', '--profile', 'DB 1', '--known-hosts', '/kh', '--accept-new-host-key', '--sudo', '--service', 'pg']);
    expect(c).toMatchObject({ kind: 'diagnose', ssh: null, service: 'pg', profile: { ref: 'DB 1', knownHostsFiles: ['/kh'], acceptNewHostKey: true, sudo: true } });
    const plain = command(['diagnose', 'db:5432', '--profile', 'db1']);
    expect(plain).toMatchObject({ service: null, profile: { ref: 'db1', knownHostsFiles: [], acceptNewHostKey: false, sudo: false } });
  });

  it('without --profile the command has no profile key at all (the --ssh path is unchanged)', () => {
    expect(command(['diagnose', 'db:5432', '--ssh', 'root@db'])).not.toHaveProperty('profile');
  });

  it.each([
    [['diagnose', 'db:5432', '--profile', 'db1', '--ssh', 'root@db'], /--profile and --ssh both say how to log in/],
    [['diagnose', 'db:5432', '--profile', 'db1', '--jump', 'root@b'], /--jump cannot be used with --profile/],
    [['diagnose', 'db:5432', '--profile', 'db1', '--identity', '/k'], /--identity cannot be used with --profile/],
    [['diagnose', 'db:5432', '--profile', ' '], /--profile takes the name or id/],
    [['diagnose', 'db:5432', '--sudo'], /--sudo needs --ssh USER@HOST or --profile NAME/],
  ])('refuses %j', (argv, message) => {
    const r = parseCommandLine(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('the usage text documents profiles and --profile', () => {
    expect(usage).toMatch(/^Usage: portwise diagnose/);
    expect(usage).toContain('portwise profiles [list|show|add|edit|remove|import-ssh-config]');
    expect(usage).toContain('--profile NAME');
    for (const flag of ['--name', '--host', '--port', '--user', '--auth', '--key', '--jump', '--sudo', '--group', '--tag', '--service', '--notes', '--no-sudo']) expect(usage).toContain(flag);
  });
});
