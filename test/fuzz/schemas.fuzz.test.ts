import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { PROFILES_FILE_SCHEMA, PROFILES_FILE_VERSION, Profile, ProfileId, ProfileInput, ProfilePatch, ProfilesFile, slugOf, uniqueId } from '../../shared/common/schema/profile';
import { formatSshDestination, parseSshChain, parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { Port } from '../../shared/common/schema/target';
import { decodeProfilesFile } from '../../shared/node/store/profile-migrations';
import { anyUnits, portish } from './arbitraries';
import { fuzzParams, propertyTimeout, withinBudget } from './budget';

vi.setConfig({ testTimeout: propertyTimeout });

/**
 * The profile and destination schemas are where a profile file, an import or a form enters. For
 * any input: no throw, a typed answer, and what is accepted is accepted again unchanged (so a
 * saved profile always loads back as it was saved).
 */

// Values a field may hold: plausible ones, and the payloads issue 9's injection corpus uses.
const NASTY = ['-oProxyCommand=touch /tmp/pw', '$(id)', '`id`', "a'b", 'a"b', 'a;b', 'a\nb', 'a\0b', 'a b', '*', '..', '~', '~root/.ssh/id', '/etc/passwd', 'ｒｏｏｔ', 'аdmin', '\u202e', ''];
const text = (max: number) => fc.oneof(fc.string({ maxLength: max }), fc.constantFrom(...NASTY));
const hostish = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => `[${a}]`), fc.constantFrom('db', 'DB.example', 'host:22', 'user@host', '-oProxyCommand=x', '198.18.0.2', '::1', '[::1]:22', 'fe80::1%eth0'), text(40));
const userish = fc.oneof(fc.constantFrom('root', 'deploy', '_svc', 'a.b-c', 'pc$', 'x'.repeat(32), 'x'.repeat(33), '1abc', '-oX'), text(40));
const pathish = fc.oneof(fc.constantFrom('~/.ssh/id_ed25519', '/etc/ssh/ssh_known_hosts', '~/', 'relative/key', '~root/k', '/a\nb', '/a\0b'), fc.string({ maxLength: 60 }).map((s) => `/${s}`), text(60));
const idish = fc.oneof(fc.constantFrom('db', 'bastion', 'b1', 'b2', 'a-b', '-x', 'X', 'x'.repeat(63), 'x'.repeat(64)), text(20));
const labelish = fc.oneof(fc.constantFrom('prod', 'eu west', 'a:b/c', 'Ünïcode', '-x'), text(45));

const editableFields = {
  name: fc.oneof(fc.string({ maxLength: 110 }), fc.constantFrom(...NASTY), fc.constant('  padded  ')),
  host: hostish,
  port: fc.oneof(portish, fc.constantFrom(1.5, Number.NaN, '22' as unknown as number)),
  user: userish,
  auth: fc.constantFrom('agent', 'key', 'password', 'keyboard-interactive', 'KEY', ''),
  keyPath: fc.option(pathish, { nil: null }),
  jumps: fc.array(idish, { maxLength: 9 }),
  knownHostsFiles: fc.array(pathish, { maxLength: 9 }),
  sudo: fc.constantFrom('never', 'sudo-n', 'always'),
  groups: fc.array(labelish, { maxLength: 3 }),
  tags: fc.array(labelish, { maxLength: 3 }),
  serviceHint: fc.option(text(210), { nil: null }),
  notes: text(200),
};

const profileInput = fc.record(editableFields, { requiredKeys: ['name', 'host', 'user'] });
const patch = fc.oneof(fc.record(editableFields, { requiredKeys: [] }), fc.record({ ...editableFields, extra: fc.string() }, { requiredKeys: ['extra'] }));
const iso = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const profile = fc.tuple(profileInput, idish, fc.constantFrom('none', 'password', 'passphrase', 'secret'), fc.oneof(iso, text(30)), iso).map(([p, id, secret, createdAt, updatedAt]) => ({ ...p, id, secret, createdAt, updatedAt }));

/** A profile the schema accepts, made from generated fields where they pass, so files with many valid profiles get generated too. */
const validProfile = fc.tuple(profile, fc.nat()).map(([p, n]) => {
  const r = Profile.safeParse(p);
  return r.success ? r.data : { id: `p${n}`, name: `p${n}`, host: 'db', user: 'root', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
});

const profilesFile = fc.oneof(
  fc.record({ schema: fc.constantFrom(PROFILES_FILE_SCHEMA, 'other'), version: fc.oneof(fc.constant(PROFILES_FILE_VERSION), fc.integer({ min: -1, max: 3 }), fc.constant(1.5)), profiles: fc.array(fc.oneof(validProfile, profile), { maxLength: 4 }) }),
  fc.record({ schema: fc.constant(PROFILES_FILE_SCHEMA), version: fc.constant(PROFILES_FILE_VERSION), profiles: fc.uniqueArray(validProfile, { selector: (p) => p.id, maxLength: 4 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** safeParse, timed, and: accepted -> accepted again with the same value, also after a JSON round trip (the file on disk). */
function acceptsAgain(schema: { safeParse: (v: unknown) => { success: boolean; data?: unknown } }, value: unknown): unknown {
  const first = withinBudget(() => schema.safeParse(value));
  if (!first.success) return undefined;
  const again = schema.safeParse(first.data);
  expect(again.success).toBe(true);
  expect(again.data).toEqual(first.data);
  const fromDisk = schema.safeParse(JSON.parse(JSON.stringify(first.data)));
  expect(fromDisk.data).toEqual(first.data);
  return first.data;
}

describe('profile schemas', () => {
  it('ProfileInput: never throws; what it accepts it accepts again, with a valid host, user and port', () => {
    fc.assert(
      fc.property(profileInput, (input) => {
        const out = acceptsAgain(ProfileInput, input) as { host: string; port: number; user: string } | undefined;
        if (out === undefined) return;
        expect(Port.safeParse(out.port).success).toBe(true);
        const destination = parseSshDestination(`${out.user}@${out.host.includes(':') ? `[${out.host}]` : out.host}:${out.port}`);
        expect(destination.ok).toBe(true);
        expect(out.host.startsWith('-')).toBe(false);
      }),
      fuzzParams,
    );
  });

  it('ProfilePatch: never throws, refuses unknown keys, accepts again what it accepted', () => {
    fc.assert(
      fc.property(patch, (input) => {
        const out = acceptsAgain(ProfilePatch, input);
        if ('extra' in input) expect(out).toBeUndefined();
      }),
      fuzzParams,
    );
  });

  it('Profile: never throws, accepts again what it accepted', () => {
    fc.assert(
      fc.property(profile, (p) => void acceptsAgain(Profile, p)),
      fuzzParams,
    );
  });

  it('ProfilesFile and decodeProfilesFile (the profile-file import path): typed outcome for any JSON', () => {
    fc.assert(
      fc.property(profilesFile, (raw) => {
        acceptsAgain(ProfilesFile, raw);
        const decoded = withinBudget(() => decodeProfilesFile(raw));
        expect(['current', 'newer', 'unreadable']).toContain(decoded.kind);
        if (decoded.kind === 'unreadable') expect(decoded.reason.trim()).not.toBe('');
        if (decoded.kind === 'current') expect(ProfilesFile.safeParse(decoded.file).success).toBe(true);
        if (decoded.kind === 'newer') expect(decoded.version).toBeGreaterThan(PROFILES_FILE_VERSION);
      }),
      fuzzParams,
    );
  });

  it('slugOf and uniqueId always give a valid, free profile id', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), anyUnits(120), fc.constantFrom(...NASTY)), fc.uniqueArray(idish, { maxLength: 5 }), (name, taken) => {
        const slug = withinBudget(() => slugOf(name));
        expect(ProfileId.safeParse(slug).success).toBe(true);
        const takenSet = new Set([...taken, slug, `${slug}-2`]);
        const id = uniqueId(name, takenSet);
        expect(ProfileId.safeParse(id).success).toBe(true);
        expect(takenSet.has(id)).toBe(false);
      }),
      fuzzParams,
    );
  });
});

const destinationText = fc.oneof(
  fc.tuple(fc.option(userish, { nil: null }), hostish, fc.option(fc.oneof(portish.map(String), text(6)), { nil: null })).map(([u, h, p]) => `${u === null ? '' : `${u}@`}${h}${p === null ? '' : `:${p}`}`),
  text(80),
);

describe('parseSshDestination and parseSshChain', () => {
  it('a typed result or error for any text; format then parse gives the same destination', () => {
    fc.assert(
      fc.property(destinationText, (input) => {
        const r = withinBudget(() => parseSshDestination(input));
        if (!r.ok) {
          expect(['bad-user', 'bad-host', 'empty']).toContain(r.error.code);
          expect(r.error.message.trim()).not.toBe('');
          return;
        }
        expect(Port.safeParse(r.value.port).success).toBe(true);
        expect(r.value.host.startsWith('-')).toBe(false);
        expect(parseSshDestination(formatSshDestination(r.value))).toEqual(r);
      }),
      fuzzParams,
    );
  });

  it('parseSshChain names which element is wrong', () => {
    fc.assert(
      fc.property(destinationText, fc.array(destinationText, { maxLength: 4 }), (destination, jumps) => {
        const r = withinBudget(() => parseSshChain(destination, jumps));
        if (r.ok) expect(r.value.jumps).toHaveLength(jumps.length);
        else expect(r.error.which).toBe(parseSshDestination(destination).ok ? 'jump' : 'destination');
      }),
      fuzzParams,
    );
  });
});
