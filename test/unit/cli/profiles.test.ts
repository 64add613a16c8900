import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfilesFile, type Profile } from '../../../shared/common/schema/profile';
import { Report } from '../../../shared/common/schema/report';
import { EXIT, runCli } from '../../../shared/node/cli/main';
import { closedPort } from '../../integration/loopback';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'portwise-cli-profiles-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const cli = (...argv: string[]) => cliIn(home, ...argv);

async function cliIn(portwiseHome: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli({
    argv,
    env: { PORTWISE_HOME: portwiseHome, HOME: home, PATH: process.env.PATH },
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    onInterrupt: () => undefined,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

async function ok(...argv: string[]) {
  const run = await cli(...argv);
  expect(run.stderr, argv.join(' ')).toBe('');
  expect(run.code, argv.join(' ')).toBe(0);
  return run;
}

const saved = async () => ProfilesFile.parse(JSON.parse(await readFile(join(home, 'profiles.json'), 'utf8')));

async function seed(): Promise<void> {
  await ok('profiles', 'add', '--name', 'Bastion', '--host', 'bastion.example.com', '--user', 'jump', '--auth', 'key', '--key', '/keys/jump', '--group', 'dmz');
  await ok('profiles', 'add', '--name', 'db1', '--host', '198.18.3.2', '--port', '2222', '--user', 'postgres', '--jump', 'bastion', '--sudo', '--group', 'prod', '--tag', 'pg', '--service', 'postgresql');
  await ok('profiles', 'add', '--name', 'web', '--host', '2001:db8::5', '--user', 'www', '--group', 'prod', '--tag', 'nginx', '--notes', 'front end\nsecond line');
}

describe('portwise profiles', () => {
  it('an empty store says how to add one', async () => {
    expect((await ok('profiles')).stdout).toMatch(/^No profiles yet\. Add one: portwise profiles add --name NAME --host HOST --user USER\n$/);
    expect(JSON.parse((await ok('profiles', 'list', '--json')).stdout)).toEqual({ profiles: [] });
  });

  it('add prints what was saved; --json prints the profile', async () => {
    expect((await ok('profiles', 'add', '--name', 'Bastion', '--host', 'bastion.example.com', '--user', 'jump')).stdout).toBe('Added "Bastion" (id bastion): jump@bastion.example.com:22.\n');
    const json = JSON.parse((await ok('profiles', 'add', '--name', 'db', '--host', 'db.example.com', '--user', 'pg', '--jump', 'Bastion', '--json')).stdout) as { profile: Profile };
    expect(json.profile).toMatchObject({ id: 'db', jumps: ['bastion'], port: 22, auth: 'agent', sudo: 'never' });
    expect((await saved()).profiles.map((p) => p.id)).toEqual(['bastion', 'db']);
  });

  it('list: name, user@host:port, via, groups and #tags; filters by group, tag and text', async () => {
    await seed();
    const list = (await ok('profiles', 'list')).stdout.split('\n');
    expect(list[0]).toMatch(/^NAME\s+SERVER\s+VIA\s+GROUPS #TAGS$/);
    expect(list[1]).toMatch(/^Bastion\s+jump@bastion\.example\.com:22\s+-\s+dmz$/);
    expect(list[2]).toMatch(/^db1\s+postgres@198\.18\.3\.2:2222\s+Bastion\s+prod #pg$/);
    expect(list[3]).toMatch(/^web\s+www@\[2001:db8::5\]:22\s+-\s+prod #nginx$/);
    const names = async (...args: string[]) => (JSON.parse((await ok('profiles', 'list', '--json', ...args)).stdout) as { profiles: Profile[] }).profiles.map((p) => p.id);
    expect(await names('--group', 'PROD')).toEqual(['db1', 'web']);
    expect(await names('--group', 'prod', '--tag', 'pg')).toEqual(['db1']);
    expect(await names('front')).toEqual(['web']);
    expect(await names('198.18')).toEqual(['db1']);
    expect((await ok('profiles', 'list', '--tag', 'none')).stdout).toBe('None of the 3 profile(s) match.\n');
  });

  it('show: every field and the expanded chain; --json adds the chain', async () => {
    await seed();
    const text = (await ok('profiles', 'show', 'DB1')).stdout;
    expect(text).toContain('Name:        db1 (id db1)\n');
    expect(text).toContain('Server:      postgres@198.18.3.2:2222\n');
    expect(text).toContain('Chain:       jump@bastion.example.com:22 (Bastion) → postgres@198.18.3.2:2222 (db1)\n');
    expect(text).toContain('Sudo:        root-only reads are retried with sudo -n\n');
    expect(text).toContain('Service:     postgresql\n');
    expect((await ok('profiles', 'show', 'web')).stdout).toContain('Notes:\n  front end\n  second line\n');
    const json = JSON.parse((await ok('profiles', 'show', 'db1', '--json')).stdout) as { profile: Profile; chain: { id: string }[] };
    expect(json.profile.id).toBe('db1');
    expect(json.chain.map((h) => h.id)).toEqual(['bastion', 'db1']);
  });

  it('edit changes only what is given; relative key paths become absolute', async () => {
    await seed();
    await ok('profiles', 'edit', 'web', '--port', '2200', '--auth', 'key', '--key', 'keys/web');
    const web = (await saved()).profiles.find((p) => p.id === 'web');
    expect(web).toMatchObject({ port: 2200, auth: 'key', keyPath: join(process.cwd(), 'keys/web'), tags: ['nginx'], notes: 'front end\nsecond line' });
    await ok('profiles', 'edit', 'db1', '--jump', '', '--no-sudo', '--service', '');
    expect((await saved()).profiles.find((p) => p.id === 'db1')).toMatchObject({ jumps: [], sudo: 'never', serviceHint: null });
  });

  it('remove: refused with a clear message while another profile jumps through it', async () => {
    await seed();
    const refused = await cli('profiles', 'remove', 'bastion');
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toBe('portwise: "Bastion" is not removed: "db1" jumps through it. Change its jump hosts first.\n');
    await ok('profiles', 'remove', 'db1');
    expect((await ok('profiles', 'remove', 'Bastion')).stdout).toBe('Removed "Bastion" (id bastion).\n');
    expect(JSON.parse((await ok('profiles', 'remove', 'web', '--json')).stdout)).toMatchObject({ removed: { id: 'web' } });
    expect((await saved()).profiles).toEqual([]);
  });

  it('bad input: exit 2, one line per problem naming the flag, nothing saved', async () => {
    const run = await cli('profiles', 'add', '--name', 'x', '--host', 'not a host', '--user', '1bad', '--auth', 'key');
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'portwise: --host: "not a host" is not a host name or an IP address.',
      'portwise: --key: Key authentication needs the path of the key file.',
      'portwise: --user: A user name is letters, digits, _ . - (up to 32), starting with a letter or _.',
    ]);
    expect(await readdir(home)).toEqual([]);
    const missing = await cli('profiles', 'add', '--name', 'x');
    expect(missing.stderr).toBe('portwise: --host: A host is needed.\nportwise: --user: A user name is needed.\n');
    const unknownJump = await cli('profiles', 'add', '--name', 'x', '--host', 'h.example', '--user', 'u', '--jump', 'nowhere');
    expect(unknownJump.stderr).toBe('portwise: --jump: There is no profile "nowhere" to jump through.\n');
    const usage = await cli('profiles', 'add', '--name', 'x', '--port', 'abc');
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toMatch(/^portwise: --port takes a whole number[^\n]*\n$/);
  });

  it('an unknown profile: exit 2 and where to look', async () => {
    for (const verb of ['show', 'edit', 'remove']) {
      const run = await cli('profiles', verb, 'ghost', ...(verb === 'edit' ? ['--port', '2'] : []));
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toBe('portwise: There is no profile "ghost". "portwise profiles list" shows the saved ones.\n');
    }
  });

  it('a corrupt file: moved aside, said on stderr (not in the JSON), and the command still works', async () => {
    await writeFile(join(home, 'profiles.json'), 'garbage{');
    const run = await cli('profiles', 'list', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ profiles: [] });
    const moved = (await readdir(home)).find((n) => n.startsWith('profiles.json.corrupt-'));
    expect(moved).toBeDefined();
    expect(run.stderr).toMatch(new RegExp(`^portwise: .*profiles\\.json could not be read \\(not JSON\\); it was moved to .*${moved?.replaceAll('.', '\\.')}`));
    expect(await readFile(join(home, moved ?? ''), 'utf8')).toBe('garbage{');
    await ok('profiles', 'add', '--name', 'x', '--host', 'h.example', '--user', 'u');
  });

  it('a file from a newer Portwise: list works, changes fail with exit 1 and the file is untouched', async () => {
    const content = JSON.stringify({ schema: 'portwise.profiles', version: 7, profiles: [] });
    await writeFile(join(home, 'profiles.json'), content);
    const list = await cli('profiles', 'list');
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(/written by a newer Portwise/);
    const add = await cli('profiles', 'add', '--name', 'x', '--host', 'h.example', '--user', 'u');
    expect(add.code).toBe(EXIT.internal);
    expect(add.stderr).toMatch(/written by a newer Portwise \(file version 7/);
    expect(await readFile(join(home, 'profiles.json'), 'utf8')).toBe(content);
  });

  it('a folder it cannot create: exit 1 naming the file', async () => {
    // A file where the folder should be: fails for root too, unlike a chmod.
    await writeFile(join(home, 'a-file'), '');
    const run = await cliIn(join(home, 'a-file', 'portwise'), 'profiles', 'add', '--name', 'x', '--host', 'h.example', '--user', 'u');
    expect(run.code).toBe(EXIT.internal);
    expect(run.stderr).toMatch(/^portwise: cannot use .*a-file\/portwise\/profiles\.json: .*ENOTDIR/);
  });
});

describe('portwise diagnose --profile', () => {
  it('an unknown profile is a usage error before anything is probed', async () => {
    const run = await cli('diagnose', '127.0.0.1:1', '--profile', 'ghost');
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe('portwise: There is no profile "ghost". "portwise profiles list" shows the saved ones.\n');
  });

  it('logs in through the profile chain: each hop as its profile says (the unreachable jump fails as hop 1 of 2)', async () => {
    const sshPort = await closedPort('127.0.0.1');
    const target = await closedPort('127.0.0.1');
    await ok('profiles', 'add', '--name', 'bastion', '--host', '127.0.0.1', '--port', String(sshPort), '--user', 'jumper', '--auth', 'key', '--key', '/nonexistent/jump_key');
    await ok('profiles', 'add', '--name', 'db', '--host', '198.18.3.2', '--user', 'postgres', '--jump', 'bastion', '--service', 'postgresql');
    const run = await cli('diagnose', `127.0.0.1:${target}`, '--profile', 'db', '--json', '--probes', '1', '--timeout', '500');
    expect(run.code, run.stderr).toBe(EXIT.ssh);
    const report = Report.parse(JSON.parse(run.stdout));
    expect(report.sshFailure?.chain?.map((c) => `${c.hop.user}@${c.hop.host}:${c.hop.port} ${c.status}`)).toEqual([`jumper@127.0.0.1:${sshPort} failed`, 'postgres@198.18.3.2:22 not-reached']);
    expect(report.sshFailure?.kind).toBe('connect-failed');
  });
});
