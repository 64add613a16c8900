import type { Profile } from '../../../shared/common/schema/profile';

/** A saved profile with every field at its plain default (agent login, no jumps, no sudo), for tests. */
export function savedProfile(id: string, more: Partial<Profile> = {}): Profile {
  return {
    id,
    name: id,
    host: `${id}.example.com`,
    port: 22,
    user: 'admin',
    auth: 'agent',
    keyPath: null,
    jumps: [],
    knownHostsFiles: [],
    sudo: 'never',
    groups: [],
    tags: [],
    serviceHint: null,
    notes: '',
    secret: 'none',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...more,
  };
}
