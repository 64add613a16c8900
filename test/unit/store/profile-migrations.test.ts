import { describe, expect, it } from 'vitest';
import { PROFILES_FILE_SCHEMA, PROFILES_FILE_VERSION } from '../../../shared/common/schema/profile';
import { decodeProfilesFile, PROFILE_MIGRATIONS, runMigrations, type MigrationTable } from '../../../shared/node/store/profile-migrations';

// The runner, with a table of its own: version 1 keeps `hosts` as strings, 2 renames them, 3 adds a default.
const table: MigrationTable = {
  1: (doc) => ({ ...doc, servers: doc.hosts, hosts: undefined }),
  2: (doc) => ({ ...doc, servers: (doc.servers as string[]).map((name) => ({ name, port: 22 })) }),
};
const spec = { schema: 'test.things', current: 3, table };

describe('runMigrations', () => {
  it('applies every step from the file version up, in order, and sets the version', () => {
    const out = runMigrations({ schema: 'test.things', version: 1, hosts: ['a', 'b'] }, spec);
    expect(out).toEqual({ kind: 'current', from: 1, doc: { schema: 'test.things', version: 3, hosts: undefined, servers: [{ name: 'a', port: 22 }, { name: 'b', port: 22 }] } });
  });

  it('starts at the file version (a version-2 file skips step 1)', () => {
    const out = runMigrations({ schema: 'test.things', version: 2, servers: ['c'] }, spec);
    expect(out.kind === 'current' && out.doc.servers).toEqual([{ name: 'c', port: 22 }]);
    expect(out.kind === 'current' && out.from).toBe(2);
  });

  it('a current file is returned as it is', () => {
    const doc = { schema: 'test.things', version: 3, servers: [] };
    expect(runMigrations(doc, spec)).toEqual({ kind: 'current', from: 3, doc });
  });

  it('never changes its input (a failed migration leaves the original intact)', () => {
    const doc = { schema: 'test.things', version: 1, hosts: ['a'] };
    runMigrations(doc, spec);
    expect(doc).toEqual({ schema: 'test.things', version: 1, hosts: ['a'] });
  });

  it('a newer file is reported, not touched', () => {
    const doc = { schema: 'test.things', version: 4, future: true };
    expect(runMigrations(doc, spec)).toEqual({ kind: 'newer', version: 4, doc });
  });

  it.each([
    ['no object', [1, 2], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['no schema marker', { version: 1 }, /schema marker null/],
    ['another schema', { schema: 'other', version: 1 }, /schema marker "other"/],
    ['no version', { schema: 'test.things' }, /unknown version null/],
    ['version 0', { schema: 'test.things', version: 0 }, /unknown version 0/],
    ['a fractional version', { schema: 'test.things', version: 1.5 }, /unknown version 1.5/],
    ['a version as text', { schema: 'test.things', version: '1' }, /unknown version "1"/],
  ])('%s: unreadable', (_what, raw, reason) => {
    const out = runMigrations(raw, spec);
    expect(out.kind).toBe('unreadable');
    if (out.kind === 'unreadable') expect(out.reason).toMatch(reason);
  });

  it('a gap in the table, a throwing step or a step without an object: unreadable, naming the version', () => {
    expect(runMigrations({ schema: 's', version: 1 }, { schema: 's', current: 2, table: {} })).toEqual({ kind: 'unreadable', reason: 'no migration from version 1 to 2' });
    const throwing = runMigrations({ schema: 's', version: 1 }, { schema: 's', current: 2, table: { 1: () => { throw new Error('boom'); } } });
    expect(throwing).toEqual({ kind: 'unreadable', reason: 'the migration from version 1 failed: boom' });
    const empty = runMigrations({ schema: 's', version: 1 }, { schema: 's', current: 2, table: { 1: () => null as unknown as Record<string, unknown> } });
    expect(empty.kind).toBe('unreadable');
  });
});

describe('decodeProfilesFile (the real table)', () => {
  const profile = { id: 'db', name: 'DB', host: 'db.example.com', port: 22, user: 'admin', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };

  it('version 1 is the first: the table is empty and a v1 file is current', () => {
    expect(PROFILES_FILE_VERSION).toBe(1);
    expect(Object.keys(PROFILE_MIGRATIONS)).toEqual([]);
    const out = decodeProfilesFile({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [profile] });
    expect(out.kind === 'current' && out.file.profiles[0]).toMatchObject({ id: 'db', auth: 'agent', jumps: [], sudo: 'never' });
    expect(out.kind === 'current' && out.migratedFrom).toBeNull();
  });

  it('a newer file: read-only, with the profiles this build can read (unknown fields dropped)', () => {
    const out = decodeProfilesFile({ schema: PROFILES_FILE_SCHEMA, version: PROFILES_FILE_VERSION + 1, profiles: [{ ...profile, color: 'blue' }] });
    expect(out.kind).toBe('newer');
    if (out.kind !== 'newer') return;
    expect(out.version).toBe(PROFILES_FILE_VERSION + 1);
    expect(out.profiles?.[0]?.id).toBe('db');
    expect(out.profiles?.[0]).not.toHaveProperty('color');
  });

  it('a newer file whose profiles this build cannot read: read-only with no profiles', () => {
    const out = decodeProfilesFile({ schema: PROFILES_FILE_SCHEMA, version: 99, profiles: [{ id: 'db', totally: 'different' }] });
    expect(out).toEqual({ kind: 'newer', version: 99, profiles: null });
  });

  it('a host saved with IPv6 brackets by an older build still loads, bare (ssh and known_hosts want it so)', () => {
    const out = decodeProfilesFile({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [{ ...profile, host: '[2001:2::2]' }] });
    expect(out.kind).toBe('current');
    expect(out.kind === 'current' && out.file.profiles[0]?.host).toBe('2001:2::2');
  });

  it('a current file that breaks the set rules is unreadable, with the reason', () => {
    const out = decodeProfilesFile({ schema: PROFILES_FILE_SCHEMA, version: 1, profiles: [profile, { ...profile, id: 'db-2' }] });
    expect(out.kind === 'unreadable' && out.reason).toMatch(/Two profiles are named "db"/);
  });
});
