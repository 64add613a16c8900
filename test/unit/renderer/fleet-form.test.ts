import { describe, expect, it } from 'vitest';
import { calls } from '../../../shared/common/ipc';
import { Profile } from '../../../shared/common/schema/profile';
import { checkDestination, filterProfiles, firstInvalid, fleetLimits, profileLabels, validateFleetForm, type FleetDraft } from '../../../renderer/lib/fleet-form';
import { fleetRequest, initialFleetForm } from '../../../renderer/state/fleet';

/** The fleet form's rules: the picker's filters, a typed server before it joins the list, the messages, and what is sent. */

// Built by the schema (its defaults fill the rest), as the other renderer tests do.
const at = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
const profiles = [
  Profile.parse({ id: 'db-1', name: 'db-1', host: 'db1.example.com', user: 'admin', groups: ['prod', 'eu'], tags: ['postgres'], ...at }),
  Profile.parse({ id: 'db-2', name: 'db-2', host: 'db2.example.com', user: 'admin', groups: ['prod'], tags: ['postgres', 'replica'], ...at }),
  Profile.parse({ id: 'web', name: 'web', host: 'web.example.com', user: 'deploy', groups: ['staging'], tags: ['nginx'], serviceHint: 'nginx', ...at }),
];
const ids = (list: readonly { id: string }[]) => list.map((p) => p.id);

describe('filterProfiles and profileLabels', () => {
  it('filters by text (name, host, user, group, tag, service), by group and by tag, all together', () => {
    expect(ids(filterProfiles(profiles, { search: '', group: '', tag: '' }))).toEqual(['db-1', 'db-2', 'web']);
    expect(ids(filterProfiles(profiles, { search: 'DEPLOY', group: '', tag: '' }))).toEqual(['web']);
    expect(ids(filterProfiles(profiles, { search: '', group: 'prod', tag: '' }))).toEqual(['db-1', 'db-2']);
    expect(ids(filterProfiles(profiles, { search: '', group: 'prod', tag: 'replica' }))).toEqual(['db-2']);
    expect(ids(filterProfiles(profiles, { search: 'db1', group: 'prod', tag: 'replica' }))).toEqual([]);
    // A group is matched whole: "pro" is not "prod".
    expect(ids(filterProfiles(profiles, { search: '', group: 'pro', tag: '' }))).toEqual([]);
  });

  it('lists every group and tag once, sorted', () => {
    expect(profileLabels(profiles)).toEqual({ groups: ['eu', 'prod', 'staging'], tags: ['nginx', 'postgres', 'replica'] });
    expect(profileLabels([])).toEqual({ groups: [], tags: [] });
  });
});

describe('checkDestination', () => {
  it('takes user@host[:port] as main names it, and refuses one already in the list by user, host (without case) and port', () => {
    expect(checkDestination('  admin@db1.example.com  ', [])).toEqual({ ok: true, destination: 'admin@db1.example.com' });
    expect(checkDestination('admin@db1.example.com:22', [])).toEqual({ ok: true, destination: 'admin@db1.example.com' });
    expect(checkDestination('admin@[2001:db8::1]:2222', [])).toEqual({ ok: true, destination: 'admin@[2001:db8::1]:2222' });
    expect(checkDestination('admin@DB1.example.com:22', ['admin@db1.example.com'])).toEqual({ ok: false, message: 'admin@db1.example.com is in the list already: each server once.' });
    // Another user or port is another server.
    expect(checkDestination('root@db1.example.com', ['admin@db1.example.com'])).toMatchObject({ ok: true });
    expect(checkDestination('admin@db1.example.com:2222', ['admin@db1.example.com'])).toMatchObject({ ok: true });
  });

  it('says what is wrong with the parser main uses', () => {
    expect(checkDestination('', [])).toEqual({ ok: false, message: 'Give the server as user@host or user@host:port.' });
    expect(checkDestination('bad user@host', [])).toEqual({ ok: false, message: '"bad user" is not a valid user name.' });
    expect(checkDestination('admin@host:99999', [])).toMatchObject({ ok: false, message: expect.stringMatching(/^Bad server "admin@host:99999": /) });
    expect(checkDestination(`a@${'h'.repeat(fleetLimits.destinationMax)}`, [])).toEqual({ ok: false, message: `Use at most ${fleetLimits.destinationMax} characters.` });
  });
});

describe('validateFleetForm', () => {
  const good: FleetDraft = { port: 5432, profileIds: ['db-1'], destinations: [], service: '', concurrency: 8, rounds: 3, timeoutMs: 3000 };

  it('a port, at least one server, a unit name and a concurrency within the contract', () => {
    expect(validateFleetForm(good)).toEqual({ port: null, servers: null, service: null, concurrency: null, rounds: null, timeoutMs: null });
    expect(firstInvalid(validateFleetForm(good))).toBeNull();
    const bad = validateFleetForm({ port: null, profileIds: [], destinations: [], service: 'a\u0007b', concurrency: 33, rounds: 11, timeoutMs: 99 });
    expect(bad).toEqual({
      port: 'Give the port to diagnose, a whole number from 1 to 65535.',
      servers: 'Choose at least one saved profile or add a destination.',
      service: `Give the service's unit name, such as postgresql or nginx: at most ${fleetLimits.serviceMax} characters, no control characters.`,
      concurrency: 'Use a whole number from 1 to 32.',
      rounds: 'Use a whole number of rounds from 1 to 10.',
      timeoutMs: 'Use a whole number of milliseconds from 100 to 60000.',
    });
    expect(firstInvalid(bad)).toBe('port');
    expect(firstInvalid({ ...bad, port: null, servers: null })).toBe('service');
    expect(firstInvalid({ ...bad, port: null, servers: null, service: null, concurrency: null })).toBe('rounds');
  });

  it('holds the contract\'s bounds: ports 1..65535, concurrency 1..32 whole, at most 256 servers', () => {
    expect(validateFleetForm({ ...good, port: 0 }).port).not.toBeNull();
    expect(validateFleetForm({ ...good, port: 65535 }).port).toBeNull();
    expect(validateFleetForm({ ...good, port: 80.5 }).port).not.toBeNull();
    expect(validateFleetForm({ ...good, concurrency: 0 }).concurrency).not.toBeNull();
    expect(validateFleetForm({ ...good, concurrency: null }).concurrency).not.toBeNull();
    expect(validateFleetForm({ ...good, concurrency: 32 }).concurrency).toBeNull();
    // Probe rounds 1..10 and a deadline of 100..60000 ms, as a single diagnosis takes them.
    expect([validateFleetForm({ ...good, rounds: 1 }).rounds, validateFleetForm({ ...good, rounds: 10 }).rounds]).toEqual([null, null]);
    expect([validateFleetForm({ ...good, rounds: 0 }).rounds, validateFleetForm({ ...good, rounds: 2.5 }).rounds, validateFleetForm({ ...good, rounds: null }).rounds].every((e) => e !== null)).toBe(true);
    expect([validateFleetForm({ ...good, timeoutMs: 100 }).timeoutMs, validateFleetForm({ ...good, timeoutMs: 60000 }).timeoutMs]).toEqual([null, null]);
    expect(validateFleetForm({ ...good, timeoutMs: 60001 }).timeoutMs).not.toBeNull();
    const many = Array.from({ length: 257 }, (_, i) => `admin@h${i}.example.com`);
    expect(validateFleetForm({ ...good, profileIds: [], destinations: many }).servers).toBe('At most 256 servers in one run (257 are chosen).');
    expect(validateFleetForm({ ...good, profileIds: [], destinations: many.slice(1) }).servers).toBeNull();
  });
});

describe('fleetRequest', () => {
  it('the profiles first, then the typed servers, each in order; a blank service is left out; main accepts it', () => {
    const request = fleetRequest({ ...initialFleetForm, port: 5432, profileIds: ['db-2', 'db-1'], destinations: ['admin@web.example.com'], service: '  ' });
    expect(request).toEqual({
      port: 5432,
      servers: [
        { kind: 'profile', id: 'db-2' },
        { kind: 'profile', id: 'db-1' },
        { kind: 'ssh', destination: 'admin@web.example.com' },
      ],
      concurrency: 8,
      rounds: 3,
      timeoutMs: 3000,
      sudo: false,
      acceptNewHostKeys: false,
    });
    expect(calls.startFleet.request.safeParse(request).success).toBe(true);
    expect(fleetRequest({ ...initialFleetForm, port: 80, destinations: ['a@b'], service: ' nginx ', sudo: true, acceptNewHostKeys: true })).toMatchObject({ service: 'nginx', sudo: true, acceptNewHostKeys: true });
  });
});
