import { describe, expect, it } from 'vitest';
import { Profile, ProfileInput } from '../../../shared/common/schema/profile';
import { profileAccessChoice } from '../../../renderer/lib/profile-access';
import { draftErrors, draftOf, emptyDraft, patchOf, profileMatches } from '../../../renderer/lib/profile-form';

const saved = Profile.parse({
  id: 'db',
  name: 'DB',
  host: 'db.example.com',
  port: 2222,
  user: 'root',
  auth: 'key',
  keyPath: '~/.ssh/id_db',
  jumps: ['bastion'],
  sudo: 'sudo-n',
  groups: ['prod', 'eu'],
  tags: ['postgres'],
  serviceHint: 'postgresql',
  notes: 'primary',
  createdAt: '2026-11-24T10:00:00.000Z',
  updatedAt: '2026-11-24T10:00:00.000Z',
});

describe('the profile form', () => {
  it('a saved profile round-trips through the draft to the same fields', () => {
    const patch = patchOf(draftOf(saved));
    expect(ProfileInput.parse(patch)).toEqual(ProfileInput.parse(saved));
  });

  it('an empty draft names what is missing, with the schema own words', () => {
    expect(draftErrors(emptyDraft())).toMatchObject({ name: 'A profile needs a name.', host: 'A host is needed.' });
    expect(draftErrors(emptyDraft()).user).toMatch(/user name/);
  });

  it('checks the port, the key path and the lists like main does', () => {
    const ok = { ...draftOf(saved) };
    expect(draftErrors(ok)).toEqual({});
    expect(draftErrors({ ...ok, port: '70000' }).port).toBe('A port is a whole number from 1 to 65535.');
    expect(draftErrors({ ...ok, port: 'x' }).port).toBe('A port is a whole number from 1 to 65535.');
    expect(draftErrors({ ...ok, keyPath: '' }).keyPath).toBe('Key authentication needs the path of the key file.');
    expect(draftErrors({ ...ok, keyPath: 'id_rsa' }).keyPath).toMatch(/starts with \/ or ~\//);
    expect(draftErrors({ ...ok, host: '-oProxyCommand=x' }).host).toMatch(/not a host name/);
    expect(draftErrors({ ...ok, groups: 'prod, $(x)' }).groups).toMatch(/group or tag/);
  });

  it('an empty port is 22; comma lists drop blanks; an agent login with no key path sends none', () => {
    const patch = patchOf({ ...emptyDraft(), name: 'x', host: 'h', user: 'u', port: ' ', groups: 'a, , b,', auth: 'agent' });
    expect(patch).toMatchObject({ port: 22, groups: ['a', 'b'], keyPath: null, sudo: 'never', serviceHint: null });
  });

  it('search covers name, host, user, groups, tags and the service', () => {
    for (const text of ['db', 'EXAMPLE', 'root', 'eu', 'postgres', 'postgresql', '']) expect(profileMatches(saved, text), text).toBe(true);
    expect(profileMatches(saved, 'bastion')).toBe(false);
  });

  it('the access choice names the chain as ssh would, port 22 left out, a missing jump left out', () => {
    const bastion = Profile.parse({ ...saved, id: 'bastion', name: 'Bastion', host: '2001:2::1', port: 22, user: 'ops', jumps: [], auth: 'agent', keyPath: null });
    expect(profileAccessChoice(saved, [bastion, saved])).toEqual({ kind: 'profile', id: 'db', name: 'DB', destination: 'root@db.example.com:2222', jumps: ['ops@[2001:2::1]'] });
    expect(profileAccessChoice(saved, [saved]).jumps).toEqual([]);
  });
});
