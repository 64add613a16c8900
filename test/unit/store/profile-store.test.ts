import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROFILES_FILE_SCHEMA, ProfilesFile, type Profile } from '../../../shared/common/schema/profile';
import type { Result } from '../../../shared/common/result';
import { savedProfile } from './saved-profile';
import {
  emptyProfilesFile,
  expandChain,
  openProfileStore,
  profilesFilePath,
  slugOf,
  uniqueId,
  type ProfilePatch,
  type ProfileStore,
  type StoreError,
  type StoreNotice,
} from '../../../shared/node/store/profile-store';

let home: string;
let notices: StoreNotice[];
let clock: number;
const now = () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000);

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'portwise-profiles-'));
  notices = [];
  clock = 0;
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const open = (): ProfileStore => openProfileStore({ env: { PORTWISE_HOME: home }, now, onNotice: (n) => notices.push(n) });
const file = () => join(home, 'profiles.json');

function value<T>(r: Result<T, StoreError>): T {
  if (!r.ok) throw new Error(`expected ok: ${r.error.code}: ${r.error.message}`);
  return r.value;
}
function error<T>(r: Result<T, StoreError>): StoreError {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

const server = (name: string, more: ProfilePatch = {}): ProfilePatch => ({ name, host: `${slugOf(name)}.example.com`, user: 'admin', ...more });

describe('ids', () => {
  it.each([
    ['Prod DB (EU)', 'prod-db-eu'],
    ['  bastion  ', 'bastion'],
    ['Café Münster', 'cafe-munster'],
    ['数据库', 'profile'],
    ['--x--', 'x'],
    ['a'.repeat(100), 'a'.repeat(56)],
  ])('%j -> %j', (name, id) => {
    expect(slugOf(name)).toBe(id);
  });

  it('takes -2, -3 when the slug is taken', () => {
    expect(uniqueId('DB', new Set())).toBe('db');
    expect(uniqueId('DB', new Set(['db']))).toBe('db-2');
    expect(uniqueId('DB', new Set(['db', 'db-2']))).toBe('db-3');
  });
});

describe('profile store: round trip', () => {
  it('lives at portwiseHome/profiles.json', () => {
    expect(open().file).toBe(file());
    expect(profilesFilePath({ PORTWISE_HOME: home })).toBe(file());
  });

  it('an absent file is an empty store (and nothing is written by reading)', async () => {
    expect(value(await open().list())).toEqual([]);
    expect(await readdir(home)).toEqual([]);
  });

  it('add, then a new store instance reads the same profile by id or by name in any case', async () => {
    const added = value(await open().add(server('Prod DB', { port: 2222, auth: 'key', keyPath: '~/.ssh/id_db', groups: ['prod'], tags: ['pg'], serviceHint: 'postgresql', sudo: 'sudo-n', notes: 'primary' })));
    expect(added).toEqual({
      id: 'prod-db',
      name: 'Prod DB',
      host: 'prod-db.example.com',
      port: 2222,
      user: 'admin',
      auth: 'key',
      keyPath: '~/.ssh/id_db',
      jumps: [],
      knownHostsFiles: [],
      sudo: 'sudo-n',
      groups: ['prod'],
      tags: ['pg'],
      serviceHint: 'postgresql',
      notes: 'primary',
      secret: 'none',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    const again = open();
    expect(value(await again.get('prod-db'))).toEqual(added);
    expect(value(await again.get('PROD db'))).toEqual(added);
    expect(value(await again.list())).toEqual([added]);
    const onDisk = ProfilesFile.parse(JSON.parse(await readFile(file(), 'utf8')));
    expect(onDisk).toEqual({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [added] });
    if (process.platform !== 'win32') expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await readdir(home)).toEqual(['profiles.json']);
    expect(notices).toEqual([]);
  });

  it('get of an unknown profile: not-found with a sentence', async () => {
    expect(error(await open().get('nope'))).toEqual({ code: 'not-found', message: 'There is no profile "nope".' });
  });

  it('concurrent adds through one store all land (writes are serialized)', async () => {
    const store = open();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.add(server(`web ${i % 3} ${i}`))));
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = value(await open().list()).map((p) => p.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('two stores on the same file (two windows) do not lose each other’s edits either', async () => {
    const a = open();
    const b = open();
    await Promise.all([a.add(server('one')), b.add(server('two')), a.add(server('three')), b.add(server('four'))]);
    expect(value(await open().list()).map((p) => p.name).sort()).toEqual(['four', 'one', 'three', 'two']);
  });
});

describe('profile store: add rules', () => {
  it('ids are unique with -2, -3 even when names differ only in punctuation', async () => {
    const store = open();
    expect(value(await store.add(server('db 1'))).id).toBe('db-1');
    expect(value(await store.add(server('db-1!'))).id).toBe('db-1-2');
    expect(value(await store.add(server('db_1'))).id).toBe('db-1-3');
  });

  it('a name is unique, ignoring case', async () => {
    const store = open();
    value(await store.add(server('Bastion')));
    expect(error(await store.add(server('bastion')))).toMatchObject({ code: 'invalid', problems: [{ field: 'name', message: 'A profile named "Bastion" already exists.' }] });
  });

  it('every field problem is named, one per problem, and nothing is written', async () => {
    const e = error(await open().add({ name: '', host: 'bad host', port: 70000, user: '-x', auth: 'key' }));
    expect(e.code).toBe('invalid');
    if (e.code !== 'invalid') return;
    expect(e.problems.map((p) => p.field).sort()).toEqual(['host', 'keyPath', 'name', 'port', 'user']);
    expect(e.problems.find((p) => p.field === 'keyPath')?.message).toBe('Key authentication needs the path of the key file.');
    expect(e.problems.find((p) => p.field === 'host')?.message).toBe('"bad host" is not a host name or an IP address.');
    await expect(stat(file())).rejects.toThrow();
  });

  it('missing fields say "needed", not zod’s types', async () => {
    const e = error(await open().add({ name: 'x' }));
    expect(e.code === 'invalid' && e.problems).toEqual([
      { field: 'host', message: 'A host is needed.' },
      { field: 'user', message: 'A user name is needed.' },
    ]);
  });

  it('jumps may be given by name or id and are saved by id; an unknown one is refused', async () => {
    const store = open();
    value(await store.add(server('Bastion Host')));
    const db = value(await store.add(server('db', { jumps: ['BASTION HOST'] })));
    expect(db.jumps).toEqual(['bastion-host']);
    expect(error(await store.add(server('web', { jumps: ['nowhere'] })))).toMatchObject({ problems: [{ field: 'jumps', message: 'There is no profile "nowhere" to jump through.' }] });
    expect(error(await store.add(server('web', { jumps: ['db', 'db'] })))).toMatchObject({ problems: [{ field: 'jumps', message: 'A jump host appears twice in the chain.' }] });
  });
});

describe('profile store: edit', () => {
  it('changes the given fields only; id and createdAt stay, updatedAt moves', async () => {
    const store = open();
    const before = value(await store.add(server('db', { tags: ['a'] })));
    const after = value(await store.edit('DB', { port: 2200, name: 'Database', keyPath: '/k/id', auth: 'key' }));
    expect(after).toMatchObject({ id: 'db', name: 'Database', port: 2200, tags: ['a'], keyPath: '/k/id', auth: 'key', createdAt: before.createdAt });
    expect(after.updatedAt > before.updatedAt).toBe(true);
    expect(value(await open().get('database'))).toEqual(after);
  });

  it('null clears a nullable field; the schema still applies (key auth needs a key)', async () => {
    const store = open();
    value(await store.add(server('db', { auth: 'key', keyPath: '/k/id', serviceHint: 'pg' })));
    expect(error(await store.edit('db', { keyPath: null }))).toMatchObject({ code: 'invalid', problems: [{ field: 'keyPath' }] });
    expect(value(await store.edit('db', { keyPath: null, auth: 'agent', serviceHint: null }))).toMatchObject({ keyPath: null, auth: 'agent', serviceHint: null });
  });

  it('a rename onto another profile’s name, or a jump that makes a loop, is refused and nothing changes', async () => {
    const store = open();
    value(await store.add(server('a')));
    value(await store.add(server('b', { jumps: ['a'] })));
    const disk = await readFile(file(), 'utf8');
    expect(error(await store.edit('a', { name: 'B' }))).toMatchObject({ problems: [{ field: 'name' }] });
    const loop = error(await store.edit('a', { jumps: ['b'] }));
    expect(loop.code === 'invalid' && loop.problems[0]?.message).toMatch(/loop/);
    expect(error(await store.edit('a', { jumps: ['a'] }))).toMatchObject({ problems: [{ field: 'jumps', message: '"a" uses itself as a jump host.' }] });
    expect(await readFile(file(), 'utf8')).toBe(disk);
  });

  it('edit of an unknown profile: not-found', async () => {
    expect(error(await open().edit('ghost', { port: 1 })).code).toBe('not-found');
  });
});

describe('profile store: remove', () => {
  it('refuses while another profile jumps through it, naming them; then works', async () => {
    const store = open();
    value(await store.add(server('bastion')));
    value(await store.add(server('db1', { jumps: ['bastion'] })));
    value(await store.add(server('db2', { jumps: ['bastion'] })));
    expect(error(await store.remove('bastion'))).toEqual({
      code: 'in-use',
      usedBy: ['db1', 'db2'],
      message: '"bastion" is not removed: "db1", "db2" jump through it. Change their jump hosts first.',
    });
    value(await store.remove('db1'));
    expect(error(await store.remove('bastion')).message).toBe('"bastion" is not removed: "db2" jumps through it. Change its jump hosts first.');
    value(await store.edit('db2', { jumps: [] }));
    expect(value(await store.remove('BASTION')).id).toBe('bastion');
    expect(value(await open().list()).map((p) => p.id)).toEqual(['db2']);
  });
});

describe('chain', () => {
  it('expands nested jumps: a jump’s own jumps come before it, then the profile', async () => {
    const store = open();
    value(await store.add(server('edge')));
    value(await store.add(server('bastion', { jumps: ['edge'] })));
    value(await store.add(server('inner', { jumps: ['bastion'] })));
    value(await store.add(server('db', { jumps: ['inner'] })));
    expect(value(await store.chain('db')).map((p) => p.id)).toEqual(['edge', 'bastion', 'inner', 'db']);
    expect(value(await store.chain('edge')).map((p) => p.id)).toEqual(['edge']);
  });

  it('several jumps, each expanded in order; a hop needed twice is crossed once, where first needed', async () => {
    const store = open();
    value(await store.add(server('edge')));
    value(await store.add(server('vpn')));
    value(await store.add(server('bastion', { jumps: ['edge'] })));
    value(await store.add(server('db', { jumps: ['edge', 'bastion', 'vpn'] })));
    expect(value(await store.chain('db')).map((p) => p.id)).toEqual(['edge', 'bastion', 'vpn', 'db']);
  });

  it('the pure expansion refuses loops and dangling jumps even if a bad set slips in', () => {
    const p = (id: string, jumps: string[]): Profile => ({ ...emptyProfile, id, name: id, jumps });
    const loop = expandChain([p('a', ['b']), p('b', ['a'])], 'a');
    expect(!loop.ok && loop.error.message).toMatch(/loop \(a → b → a\)/);
    const dangling = expandChain([p('a', ['zz'])], 'a');
    expect(!dangling.ok && dangling.error.message).toMatch(/"zz", which is not a profile/);
    const tooLong = Array.from({ length: 17 }, (_, i) => p(`h${i}`, i === 0 ? [] : [`h${i - 1}`]));
    const long = expandChain(tooLong, 'h16');
    expect(!long.ok && long.error.message).toMatch(/17 hops; at most 16/);
  });

  it('chain of an unknown profile: not-found', async () => {
    expect(error(await open().chain('nope')).code).toBe('not-found');
  });
});

const emptyProfile: Profile = savedProfile('x', { user: 'u' });

describe('a damaged file', () => {
  it.each([
    ['not JSON', '{"schema":"portwise.profiles","version":1,"profiles":['],
    ['no schema marker', '{"version":1,"profiles":[]}'],
    ['another file', '{"schema":"portwise.report","version":1}'],
    ['an invalid profile', JSON.stringify({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [{ id: 'BAD ID' }] })],
  ])('%s: moved aside with a notice, and a fresh store works', async (_what, content) => {
    await writeFile(file(), content);
    const store = open();
    expect(value(await store.list())).toEqual([]);
    expect(notices).toHaveLength(1);
    const notice = notices[0];
    if (notice?.kind !== 'moved-corrupt') throw new Error('expected a moved-corrupt notice');
    expect(notice.movedTo).toBe(`${file()}.corrupt-20260101T000000Z`);
    expect(notice.message).toContain(notice.movedTo);
    expect(await readFile(notice.movedTo, 'utf8')).toBe(content);
    value(await store.add(server('db')));
    expect(value(await open().list()).map((p) => p.id)).toEqual(['db']);
    expect(notices).toHaveLength(1);
    expect((await readdir(home)).sort()).toEqual(['profiles.json', 'profiles.json.corrupt-20260101T000000Z']);
  });
});

describe('a file from a newer Portwise', () => {
  const newer = (profiles: unknown[]) => JSON.stringify({ schema: PROFILES_FILE_SCHEMA, version: 2, profiles, somethingNew: { x: 1 } });

  it('is read, never written: every change says "written by a newer Portwise"', async () => {
    const content = newer([{ ...emptyProfile, id: 'db', name: 'db', futureField: true }]);
    await writeFile(file(), content);
    const store = open();
    expect(value(await store.list()).map((p) => p.id)).toEqual(['db']);
    expect(value(await store.chain('db')).map((p) => p.id)).toEqual(['db']);
    for (const attempt of [store.add(server('web')), store.edit('db', { port: 2 }), store.remove('db')]) {
      const e = error(await attempt);
      expect(e.code).toBe('read-only');
      expect(e.message).toMatch(/written by a newer Portwise \(file version 2; this one knows up to 1\)/);
    }
    expect(await readFile(file(), 'utf8')).toBe(content);
    expect(await readdir(home)).toEqual(['profiles.json']);
    // Said once per store, not on every call.
    expect(notices.map((n) => n.kind)).toEqual(['newer-version']);
  });

  it('whose profiles this build cannot read: list says so, and the file stays', async () => {
    const content = newer([{ id: 'db', shape: 'unknown' }]);
    await writeFile(file(), content);
    const e = error(await open().list());
    expect(e.code).toBe('read-only');
    expect(e.message).toMatch(/newer Portwise.*cannot read its profiles/);
    expect(await readFile(file(), 'utf8')).toBe(content);
  });
});

describe('helpers', () => {
  it('emptyProfilesFile is a valid file', () => {
    expect(ProfilesFile.parse(emptyProfilesFile())).toEqual({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [] });
  });
});
