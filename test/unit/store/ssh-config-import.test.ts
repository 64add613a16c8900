// The ssh_config importer: fixtures under test/fixtures/ssh-config/<case>/ are copied to a temp
// home's .ssh folder, so Include paths resolve as they would under a real ~/.ssh (never the real one).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfileInput, profileSetProblems, type ProfilesFile } from '../../../shared/common/schema/profile';
import { slugOf } from '../../../shared/common/ssh-config/import-plan';
import { addProfile, editProfile, emptyProfilesFile } from '../../../shared/node/store/profile-store';
import { hostPatternsMatch } from '../../../shared/common/ssh-config/host-patterns';
import { parseJumpSpec, profilePath } from '../../../shared/common/ssh-config/host-settings';
import {
  IMPORTED_FIELDS,
  loadSshConfig,
  planSshConfigImport,
  planSshImport,
  renderImportPreview,
  type ExistingProfile,
  type PlannedProfile,
  type SshConfigFs,
  type SshConfigImportOptions,
  type SshImportPlan,
} from '../../../shared/node/store/ssh-config-import';

const FIXTURES = fileURLToPath(new URL('../../fixtures/ssh-config/', import.meta.url));
const homes: string[] = [];

afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

async function homeWith(fixture: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'portwise-ssh-config-'));
  homes.push(home);
  await cp(join(FIXTURES, fixture), join(home, '.ssh'), { recursive: true });
  return home;
}

async function planFor(fixture: string, options: Partial<SshConfigImportOptions> = {}): Promise<SshImportPlan> {
  const home = options.home ?? (await homeWith(fixture));
  const result = await planSshConfigImport({ localUser: 'tester', ...options, home });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function profile(plan: SshImportPlan, name: string): PlannedProfile {
  const found = plan.profiles.find((p) => p.input.name === name);
  if (!found) throw new Error(`no planned profile "${name}" in ${plan.profiles.map((p) => p.input.name).join(', ')}`);
  return found;
}

const names = (plan: SshImportPlan): string[] => plan.profiles.map((p) => p.input.name);
const idOf = (plan: SshImportPlan, name: string): string => profile(plan, name).id;

/** What every plan promises: valid inputs, and a consistent set once applied. */
function expectConsistent(plan: SshImportPlan, existing: readonly ExistingProfile[] = []): void {
  for (const p of plan.profiles) expect(ProfileInput.safeParse(p.input).success, p.input.name).toBe(true);
  const planned = plan.profiles.map((p) => ({ id: p.id, name: p.input.name, jumps: p.input.jumps }));
  const set = [...existing.filter((e) => !planned.some((p) => p.id === e.id)), ...planned];
  expect(profileSetProblems(set)).toEqual([]);
  expect(plan.warnings.filter((w) => w.includes('would not be consistent'))).toEqual([]);
}

const NOW = new Date('2026-01-02T03:04:05Z');

/**
 * Applies a plan as the CLI will, with the store's own pure rules: in order, create with
 * addProfile, update with editProfile (imported fields only), and checks the store gave the planned ids.
 */
function applyPlan(plan: SshImportPlan, file: ProfilesFile = emptyProfilesFile()): ProfilesFile {
  let current = file;
  for (const p of plan.profiles) {
    if (p.action === 'skip-existing') continue;
    const patch = Object.fromEntries(IMPORTED_FIELDS.map((f) => [f, p.input[f]]));
    const result = p.action === 'create' ? addProfile(current, p.input, NOW) : editProfile(current, p.id, patch, NOW);
    if (!result.ok) throw new Error(`${p.input.name}: ${JSON.stringify(result.error)}`);
    expect(result.value.profile.id).toBe(p.id);
    current = result.value.file;
  }
  return current;
}

describe('Include', () => {
  it('reads a relative glob in lexical order, a ~/ path, and reports a missing file and a loop', async () => {
    const plan = await planFor('includes');
    // config.d/10-db.conf before 20-web.conf; .hidden.conf and README are not matched by *.conf.
    expect(names(plan)).toEqual(['db', 'web', 'extra', 'looped', 'main']);
    expect(plan.warnings).toContainEqual(expect.stringMatching(/^~\/\.ssh\/config:5: Include ~\/\.ssh\/missing\.conf: no such file/));
    expect(plan.warnings).toContainEqual(
      '~/.ssh/loop-b.conf:2: Include loop (~/.ssh/loop-a.conf → ~/.ssh/loop-b.conf → ~/.ssh/loop-a.conf); ~/.ssh/loop-a.conf is not read again.',
    );
    // The looped file is read once, and its hosts are imported once.
    expect(plan.profiles.filter((p) => p.input.name === 'looped')).toHaveLength(1);
    expectConsistent(plan);
  });

  it('applies Host * from the including file to included hosts, first value first', async () => {
    const plan = await planFor('includes');
    expect(profile(plan, 'db').input).toMatchObject({ host: '198.18.7.7', user: 'postgres', port: 5022 });
    expect(profile(plan, 'web').input).toMatchObject({ host: 'web.example.com', user: 'fallback', port: 2200 });
    expect(profile(plan, 'main').input).toMatchObject({ user: 'alice', port: 2200 });
  });

  it('gives each profile the file and line of its Host', async () => {
    const home = await homeWith('includes');
    const plan = await planFor('includes', { home });
    expect(profile(plan, 'web').source).toEqual({ file: join(home, '.ssh', 'config.d', '20-web.conf'), line: 1 });
    expect(profile(plan, 'main').source).toEqual({ file: join(home, '.ssh', 'config'), line: 8 });
  });

  it('scopes an Include inside a Host block to that block, as OpenSSH does', async () => {
    const plan = await planFor('scoped');
    expect(profile(plan, 'bastion').input.user).toBe('jumper');
    expect(profile(plan, 'db').input.user).toBe('postgres');
    expect(names(plan)).not.toContain('nested');
    expect(plan.warnings).toContainEqual(expect.stringMatching(/^Host nested \(~\/\.ssh\/bastion\.d\/extra\.conf:3\) is not imported/));
  });

  it('uses the injected reader: a glob over a fake folder, CRLF lines, no disk', async () => {
    const files: Record<string, string> = {
      '/home/u/.ssh/config': 'Include conf.d/*\r\nHost *\r\n  User u\r\n',
      '/home/u/.ssh/conf.d/b': 'Host b\r\n  Port 2202\r\n',
      '/home/u/.ssh/conf.d/a': 'Host a\r\n',
    };
    const fs: SshConfigFs = {
      readFile: async (file) => {
        const text = files[file];
        if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        return text;
      },
      readDir: async (dir) => (dir === '/home/u/.ssh/conf.d' ? ['b', 'a'] : []),
    };
    const plan = await planFor('none', { home: '/home/u', fs });
    expect(plan.profiles.map((p) => [p.input.name, p.input.user, p.input.port, p.source.line])).toEqual([
      ['a', 'u', 22, 1],
      ['b', 'u', 2202, 1],
    ]);
  });

  it('fails only when the top file cannot be read', async () => {
    const home = await mkdtemp(join(tmpdir(), 'portwise-ssh-config-'));
    homes.push(home);
    const result = await loadSshConfig({ home });
    expect(result).toEqual({ ok: false, error: { code: 'unreadable', file: join(home, '.ssh', 'config'), message: 'Cannot read ~/.ssh/config: no such file.' } });
  });
});

describe('settings per host', () => {
  it('takes the first value, with wildcard blocks as defaults in file order', async () => {
    const plan = await planFor('jumps');
    // b1's own IdentityFile comes before Host *'s; b2 has none of its own.
    expect(profile(plan, 'b1').input).toMatchObject({ host: 'b1.example.com', user: 'admin', port: 22, auth: 'key', keyPath: '~/.ssh/id_b1' });
    expect(profile(plan, 'b2').input).toMatchObject({ host: 'b2.example.com', user: 'admin', port: 2222, auth: 'key', keyPath: '~/.ssh/id_ed25519' });
  });

  it('fills %h in a wildcard HostName with the alias', async () => {
    const fs: SshConfigFs = { readFile: async () => 'Host web Web2\nHost *\n  HostName %h.corp.example.com\n  User u\n', readDir: async () => [] };
    const plan = await planFor('none', { home: '/h', fs });
    // ssh lower-cases the name after HostName is applied.
    expect(plan.profiles.map((p) => [p.input.name, p.input.host])).toEqual([
      ['web', 'web.corp.example.com'],
      ['Web2', 'web2.corp.example.com'],
    ]);
  });

  it('rejects a host that jumps through itself, with a hint, and what jumps through it', async () => {
    const fs: SshConfigFs = { readFile: async () => 'Host bastion\n  HostName gw.example.com\nHost db\nHost *\n  ProxyJump bastion\n  User u\n', readDir: async () => [] };
    const plan = await planFor('none', { home: '/h', fs });
    expect(plan.profiles).toEqual([]);
    expect(plan.rejected.map((r) => [r.name, r.reason])).toEqual([
      ['bastion', 'its ProxyJump hosts loop (bastion → bastion); ssh would loop too; exclude it from the wildcard block that gives the ProxyJump, as in "Host * !bastion"'],
      ['db', 'it jumps through "bastion", which cannot be imported'],
    ]);
  });

  it('keeps ~ in IdentityFile as ~/, writes %d as ~, and reports every IdentityFile after the first', async () => {
    const plan = await planFor('reported');
    expect(profile(plan, 'multi-key').input).toMatchObject({ auth: 'key', keyPath: '~/.ssh/first' });
    const extra = plan.unsupported.find((r) => r.directive === 'IdentityFile' && r.hosts.includes('multi-key'));
    expect(extra).toMatchObject({ kind: 'unsupported', value: '%d/.ssh/second', source: { line: 14 } });
    expect(extra?.reason).toMatch(/the first IdentityFile \(~\/\.ssh\/first\) is the one kept/);
    expect(profilePath('%d/.ssh/id_%u', { u: 'tester' })).toEqual({ ok: true, value: '~/.ssh/id_tester' });
  });

  it('maps UserKnownHostsFile to knownHostsFiles', async () => {
    const plan = await planFor('reported');
    expect(profile(plan, 'multi-key').input.knownHostsFiles).toEqual(['~/.ssh/known_hosts_corp', '/etc/ssh/extra_known_hosts']);
  });

  it('writes an IPv6 HostName canonically', async () => {
    const plan = await planFor('jumps');
    expect(profile(plan, 'v6').input).toMatchObject({ host: '2001:db8::10', jumps: [] });
    expect(renderImportPreview(plan)).toContain('admin@[2001:db8::10]');
  });

  it('chooses the login method from IdentityFile, IdentityAgent, IdentitiesOnly and PreferredAuthentications', async () => {
    const plan = await planFor('reported');
    expect(profile(plan, 'legacy-proxy').input.auth).toBe('agent');
    expect(profile(plan, 'pw').input.auth).toBe('password');
    expect(profile(plan, 'custom-agent').input.auth).toBe('agent');
    // No key and no agent: ssh's next method in its default order.
    expect(profile(plan, 'no-agent').input.auth).toBe('keyboard-interactive');
    expect(plan.unsupported.find((r) => r.directive === 'IdentityAgent' && r.hosts.includes('no-agent'))?.reason).toMatch(/default key files/);
    expect(plan.unsupported.find((r) => r.directive === 'IdentityAgent' && r.hosts.includes('custom-agent'))?.reason).toMatch(/SSH_AUTH_SOCK/);
  });

  it('falls back to the local user, as ssh does, and says so', async () => {
    const plan = await planFor('scoped', { localUser: 'alice' });
    // bastion gets User from its Include; db has its own: nobody falls back here.
    expect(plan.warnings.filter((w) => w.startsWith('No User'))).toEqual([]);
    const fs: SshConfigFs = { readFile: async () => 'Host a\nHost b\n  User bob\n', readDir: async () => [] };
    const other = await planFor('none', { home: '/h', fs, localUser: 'alice' });
    expect(profile(other, 'a').input.user).toBe('alice');
    expect(other.warnings).toContain('No User for a: it logs in as your local user "alice", as ssh would.');
    const unknown = await planFor('none', { home: '/h', fs, localUser: null });
    expect(unknown.rejected).toEqual([expect.objectContaining({ name: 'a', reason: 'it has no User, and the local user name is unknown' })]);
  });
});

describe('ProxyJump', () => {
  it('links a two-hop chain (db via b1,b2) to three profiles', async () => {
    const plan = await planFor('jumps');
    expect(profile(plan, 'db').input.jumps).toEqual([idOf(plan, 'b1'), idOf(plan, 'b2')]);
    expect(profile(plan, 'b1').input.jumps).toEqual([]);
    expect(profile(plan, 'b2').input.jumps).toEqual([]);
    expect(profile(plan, 'db').input).toMatchObject({ host: '198.18.7.7', user: 'postgres' });
    expectConsistent(plan);
  });

  it('keeps a jump host\'s own jumps on its own profile (nested ProxyJump)', async () => {
    const plan = await planFor('jumps');
    expect(profile(plan, 'app').input.jumps).toEqual([idOf(plan, 'b3')]);
    expect(profile(plan, 'b3').input.jumps).toEqual([idOf(plan, 'b1')]);
    expect(renderImportPreview(plan)).toMatch(/create {2}app via b1 → b3 /);
  });

  it('makes one jump profile for a user@host:port element, shared by every host that names it', async () => {
    const plan = await planFor('jumps');
    const jump = profile(plan, 'ops@203.0.113.9:2022');
    expect(jump).toMatchObject({ id: 'ops-203-0-113-9-2022', action: 'create', origin: { kind: 'jump', spec: 'ops@203.0.113.9:2022' }, source: { line: 28 } });
    // Host * still applies to the jump host (its key), the element's user and port win.
    expect(jump.input).toMatchObject({ host: '203.0.113.9', port: 2022, user: 'ops', keyPath: '~/.ssh/id_ed25519', jumps: [] });
    expect(profile(plan, 'legacy').input.jumps).toEqual([jump.id]);
    expect(profile(plan, 'legacy2').input.jumps).toEqual([jump.id]);
    expect(plan.profiles.filter((p) => p.input.host === '203.0.113.9')).toHaveLength(1);
  });

  it('links an element that an alias already describes instead of saving the server twice', async () => {
    const plan = await planFor('jumps');
    expect(profile(plan, 'via-gw').input.jumps).toEqual([idOf(plan, 'gw')]);
    expect(names(plan)).not.toContain('ops@gw.example.com');
  });

  it('lists jump hosts before the profiles that use them', async () => {
    const plan = await planFor('jumps');
    const position = new Map(plan.profiles.map((p, i) => [p.id, i]));
    for (const p of plan.profiles) for (const jump of p.input.jumps) expect(position.get(jump)).toBeLessThan(position.get(p.id) ?? -1);
  });

  it('warns that ssh ignores the own ProxyJump of a later hop in a chain', async () => {
    const fs: SshConfigFs = { readFile: async () => 'Host db\n  ProxyJump b1,b2\nHost b2\n  ProxyJump b0\nHost b1\nHost b0\nHost *\n  User u\n', readDir: async () => [] };
    const plan = await planFor('none', { home: '/h', fs });
    expect(plan.warnings).toEqual([
      "db: in its ProxyJump chain ssh ignores b2's own ProxyJump (b0); the profile crosses it as b2's profile says.",
    ]);
  });

  it('parses the element forms ssh accepts', () => {
    expect(parseJumpSpec('ops@[2001:db8::1]:2022')).toEqual({ ok: true, value: { user: 'ops', host: '2001:db8::1', port: 2022 } });
    expect(parseJumpSpec('ssh://ops@gw:2200')).toEqual({ ok: true, value: { user: 'ops', host: 'gw', port: 2200 } });
    expect(parseJumpSpec('gw')).toEqual({ ok: true, value: { user: null, host: 'gw', port: null } });
    expect(parseJumpSpec('gw:0').ok).toBe(false);
    expect(parseJumpSpec('@gw').ok).toBe(false);
  });
});

describe('what is not imported', () => {
  it('reports ProxyCommand, forwards, HostKeyAlias and CertificateFile with host, file, line and value', async () => {
    const home = await homeWith('reported');
    const plan = await planFor('reported', { home });
    const file = join(home, '.ssh', 'config');
    const unsupported = plan.unsupported.filter((r) => r.kind === 'unsupported' && r.hosts.includes('legacy-proxy'));
    expect(unsupported.map((r) => [r.directive, r.value, r.source.line])).toEqual([
      ['ProxyCommand', 'ssh -W %h:%p bastion.example.com', 4],
      ['LocalForward', '5432 localhost:5432', 5],
      ['HostKeyAlias', 'old', 6],
      ['CertificateFile', '~/.ssh/id_cert.pub', 7],
    ]);
    expect(unsupported[0]).toMatchObject({ source: { file, line: 4 }, hosts: ['legacy-proxy'] });
    expect(unsupported[0]?.reason).toMatch(/ProxyJump HOST/);
  });

  it('reports a Match block as not applied, naming what is inside it', async () => {
    const plan = await planFor('reported');
    const match = plan.unsupported.filter((r) => r.kind === 'not-applied');
    expect(match).toEqual([expect.objectContaining({ directive: 'Match', value: 'host *.prod exec check-vpn', source: expect.objectContaining({ line: 30 }), hosts: [] })]);
    expect(match[0]?.reason).toMatch(/User, ProxyJump are not imported/);
    // Its User did not reach anyone.
    expect(plan.profiles.every((p) => p.input.user === 'admin')).toBe(true);
  });

  it('lists settings with no effect on a diagnosis as ignored, once per line, with every host they apply to', async () => {
    const plan = await planFor('reported');
    const ignored = plan.unsupported.filter((r) => r.kind === 'ignored');
    expect(ignored.map((r) => [r.directive, r.source.line])).toEqual([
      ['ForwardAgent', 8],
      ['Compression', 9],
      ['ServerAliveInterval', 39],
    ]);
    expect(ignored[2]?.hosts).toEqual(['legacy-proxy', 'multi-key', 'no-agent', 'pw', 'custom-agent']);
    expect(ignored.every((r) => r.reason === 'no effect on a diagnosis')).toBe(true);
  });

  it('warns about a wildcard block that no imported host falls under', async () => {
    const plan = await planFor('reported');
    expect(plan.warnings).toContainEqual(expect.stringMatching(/^Host \*\.corp \(~\/\.ssh\/config:34\) applies to none of the imported hosts/));
  });

  it('rejects bad values with the reason, and whatever jumps through them', async () => {
    const plan = await planFor('bad-values');
    expect(names(plan)).toEqual(['ok', 'relative-key']);
    const reasons = Object.fromEntries(plan.rejected.map((r) => [r.name, r.reason]));
    expect(reasons).toEqual({
      'bad-port': 'Port "99999" is not a number from 1 to 65535',
      'bad-user': 'user "bad user": A user name is letters, digits, _ . - (up to 32), starting with a letter or _.',
      'bad-host': 'host: "-oProxyCommand=evil" is not a host name or an IP address.',
      'behind-bad': 'it jumps through "bad-host", which cannot be imported',
      'behind-behind': 'it jumps through "behind-bad", which cannot be imported',
      token: 'HostName "%r.example.com" uses %r, which Portwise cannot fill in here',
      'bad-jump': 'ProxyJump "ops@:22" has no host',
      'loop-a': 'its ProxyJump hosts loop (loop-a → loop-b → loop-a); ssh would loop too',
      'loop-b': 'its ProxyJump hosts loop (loop-b → loop-a → loop-b); ssh would loop too',
      OK: 'its name is the same as "ok" (profile names ignore case)',
    });
    expect(plan.rejected.find((r) => r.name === 'bad-port')?.source.line).toBe(2);
    expectConsistent(plan);
  });

  it('skips an unreadable line and the block it opens, and a relative IdentityFile', async () => {
    const plan = await planFor('bad-values');
    expect(plan.warnings).toContainEqual(expect.stringMatching(/^~\/\.ssh\/config:38: cannot read this line/));
    // "User skipped" under the unreadable Host line reaches nobody.
    expect(plan.profiles.every((p) => p.input.user === 'admin')).toBe(true);
    expect(profile(plan, 'relative-key').input).toMatchObject({ auth: 'agent', keyPath: null });
    expect(plan.unsupported.find((r) => r.hosts.includes('relative-key'))?.reason).toMatch(/relative path/);
  });
});

describe('re-import', () => {
  it('applies with the store\'s rules and gets exactly the planned ids', async () => {
    const plan = await planFor('jumps');
    const file = applyPlan(plan);
    expect(file.profiles.map((p) => [p.id, p.name, p.jumps])).toEqual(plan.profiles.map((p) => [p.id, p.input.name, p.input.jumps]));
  });

  it('does not duplicate: every profile is skipped, with the saved ids', async () => {
    const first = await planFor('jumps');
    expect(first.profiles.every((p) => p.action === 'create')).toBe(true);
    const saved = applyPlan(first);
    const again = await planFor('jumps', { existing: saved.profiles });
    expect(again.profiles.map((p) => [p.id, p.action])).toEqual(first.profiles.map((p) => [p.id, 'skip-existing']));
    expectConsistent(again, saved.profiles);
    expect(applyPlan(again, saved)).toEqual(saved);
    expect(renderImportPreview(again).split('\n')[1]).toBe('11 already saved (left as is).');
  });

  it('updates with the same ids and the same fields when asked, and keeps what the user added', async () => {
    const first = await planFor('jumps');
    const edited = editProfile(applyPlan(first), 'db', { tags: ['prod'], notes: 'primary' }, NOW);
    if (!edited.ok) throw new Error(edited.error.message);
    const saved = edited.value.file;
    const again = await planFor('jumps', { existing: saved.profiles, onExisting: 'update' });
    expect(again.profiles.map((p) => p.action)).toEqual(first.profiles.map(() => 'update'));
    expect(again.profiles.map((p) => [p.id, p.input])).toEqual(first.profiles.map((p) => [p.id, p.input]));
    expectConsistent(again, saved.profiles);
    expect(applyPlan(again, saved)).toEqual(saved);
  });

  it('matches saved profiles by name, ignoring case, and never reuses a saved id for another name', async () => {
    const existing: ExistingProfile[] = [
      { id: 'b1-saved', name: 'B1', jumps: [] },
      { id: 'db', name: 'Database', jumps: [] },
    ];
    const plan = await planFor('jumps', { existing });
    expect(profile(plan, 'b1')).toMatchObject({ id: 'b1-saved', action: 'skip-existing' });
    expect(profile(plan, 'db')).toMatchObject({ id: 'db-2', action: 'create' });
    expect(profile(plan, 'db').input.jumps).toEqual(['b1-saved', idOf(plan, 'b2')]);
    expectConsistent(plan, existing);
  });
});

describe('preview', () => {
  it('shows the table with chains, then what is not imported, not applied and ignored', async () => {
    const plan = await planFor('jumps');
    const text = renderImportPreview(plan);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'Import from ~/.ssh/config',
      '11 to create.',
      '',
      '  ACTION  PROFILE                                         LOGIN                      AUTH',
      '  create  b1                                              admin@b1.example.com       key ~/.ssh/id_b1',
      '  create  b2                                              admin@b2.example.com:2222  key ~/.ssh/id_ed25519',
    ]);
    expect(text).toContain('  create  db via b1 → b2 ');
    expect(text).toContain('  create  ops@203.0.113.9:2022 [id ops-203-0-113-9-2022]  ops@203.0.113.9:2022 ');
    expect(text).toContain('Ignored, no effect on a diagnosis (1):\n  ~/.ssh/config:50  ServerAliveInterval 30  (b1, b2, db, b3, +7 more)');
  });

  it('lists rejected hosts, unsupported directives with their reason, and warnings', async () => {
    const text = renderImportPreview(await planFor('reported'));
    expect(text).toContain('Not applied by Portwise (8):\n  ~/.ssh/config:4  ProxyCommand ssh -W %h:%p bastion.example.com  (legacy-proxy)\n      Portwise does not run proxy commands');
    expect(text).toContain('  ~/.ssh/config:30  Match host *.prod exec check-vpn\n');
    expect(text).toMatch(/Warnings \(1\):\n {2}Host \*\.corp/);
    const bad = renderImportPreview(await planFor('bad-values'));
    expect(bad).toContain('Not imported (10):\n  bad-port (~/.ssh/config:2): Port "99999" is not a number from 1 to 65535\n');
  });

  it('says so when there is nothing to import, and escapes control characters from the file', async () => {
    const fs: SshConfigFs = { readFile: async () => 'Host *\n  User x\nHost bad\u001b[31m\n', readDir: async () => [] };
    const plan = await planFor('none', { home: '/h', fs });
    const text = renderImportPreview(plan);
    expect(text).toContain('No profile can be imported (see below).');
    expect(text).not.toContain('\u001b');
    const empty = renderImportPreview(planSshImport({ file: '/h/.ssh/config', home: '/h', directives: [], blocks: [], warnings: [] }, { localUser: 'x' }));
    expect(empty).toBe('Import from ~/.ssh/config\nNo profile to import: the config names no host without wildcards.\n');
  });
});

describe('pure helpers', () => {
  it('matches Host patterns as OpenSSH does', () => {
    expect(hostPatternsMatch(['*'], 'db')).toBe(true);
    expect(hostPatternsMatch(['db?'], 'db1')).toBe(true);
    expect(hostPatternsMatch(['db?'], 'db')).toBe(false);
    expect(hostPatternsMatch(['*', '!bastion'], 'bastion')).toBe(false);
    expect(hostPatternsMatch(['!bastion'], 'db')).toBe(false);
    expect(hostPatternsMatch(['*.example.com'], 'a.b.example.com')).toBe(true);
    expect(hostPatternsMatch(['DB'], 'db')).toBe(false);
  });

  it('names a jump profile made from user@host:port by a slug of it', () => {
    expect(slugOf('ops@203.0.113.9:2022')).toBe('ops-203-0-113-9-2022');
  });
});
