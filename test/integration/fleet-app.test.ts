import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { events, type FleetEvent } from '../../shared/common/ipc';
import { createHandlerTable, IpcValidationError } from '../../shared/node/handlers';
import { SecretStore } from '../../shared/node/store/secret-store';
import { createSafeStorageCipher } from '../../electron/main/safe-storage-cipher';
import { fakeKeyring } from '../shared/fake-keyring';
import { CapabilityGate, fakeFleetServer, fleetWide, type FakeFleetServer } from '../shared/fleet-ssh-server';
import { closedPort, waitFor } from './loopback';

/**
 * Fleet mode through the app's real handler table (the one Electron registers): `startFleet`
 * resolves saved profiles and typed destinations, runs the real engine against ssh2 servers on
 * loopback, streams each server's start, progress and end, saves every report to the history, and
 * ends with the table and the verdict. Nothing is asked: an unknown host key is refused unless the
 * person accepted new keys, and a profile's password comes from the saved secrets.
 */

const PASSWORD = 'correct horse';
const gate = new CapabilityGate();
let port = 0;
let home: string;
let servers: { withPassword: FakeFleetServer; refusing: FakeFleetServer; rejecting: FakeFleetServer; unknown: FakeFleetServer };

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'pw-fleet-app-'));
  // Nothing listens on this port on this machine: every probe from here is refused.
  port = await closedPort('127.0.0.1');
  const [withPassword, refusing, rejecting, unknown] = await Promise.all([
    fakeFleetServer({ address: '127.0.0.2', behaviour: 'stopped', port: () => port, password: PASSWORD, gate }),
    fakeFleetServer({ address: '127.0.0.3', behaviour: 'refuse-login', port: () => port, gate }),
    fakeFleetServer({ address: '127.0.0.4', behaviour: 'rejecting', port: () => port, gate }),
    fakeFleetServer({ address: '127.0.0.5', behaviour: 'stopped', port: () => port, gate }),
  ]);
  servers = { withPassword: withPassword!, refusing: refusing!, rejecting: rejecting!, unknown: unknown! };
});

afterAll(async () => {
  gate.open();
  await Promise.all(Object.values(servers ?? {}).map((s) => s.close()));
  if (home) await rm(home, { recursive: true, force: true });
});

afterEach(async () => {
  gate.open();
  await waitFor(() => fleetWide.open === 0, 10_000, 'every connection of the last test to close');
  fleetWide.max = 0;
});

/** A table on a private PORTWISE_HOME with a keyring; the known_hosts file pins `pinned` servers' keys. */
async function setup(pinned: FakeFleetServer[] = []) {
  const dir = await mkdtemp(join(home, 'run-'));
  const env = { HOME: dir, PORTWISE_HOME: join(dir, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  await mkdir(env.PORTWISE_HOME, { recursive: true });
  await writeFile(join(env.PORTWISE_HOME, 'known_hosts'), pinned.map((s) => `[${s.address}]:${s.sshPort} ${s.publicKey}\n`).join(''));
  const cipher = createSafeStorageCipher(fakeKeyring(), 'linux');
  const emitted: { name: string; fleetId: string; event: FleetEvent }[] = [];
  const table = createHandlerTable({
    sink: { emit: (name, payload) => emitted.push({ name, ...events.onFleetEvent.parse(payload) }) },
    appInfo: { name: 'Portwise', version: '0.0.0-test', platform: 'linux' },
    env,
    secretCipher: cipher,
  });
  const eventsOf = (fleetId: string) => emitted.filter((e) => e.fleetId === fleetId).map((e) => e.event);
  const finished = async (fleetId: string) => {
    await waitFor(() => eventsOf(fleetId).some((e) => e.type === 'finished'), 30_000, 'the fleet to finish');
    const end = eventsOf(fleetId).find((e) => e.type === 'finished');
    if (end?.type !== 'finished') throw new Error('no finished event');
    return end.outcome;
  };
  const knownHosts = () => readFile(join(env.PORTWISE_HOME, 'known_hosts'), 'utf8');
  const saved = async () => (await readdir(join(env.PORTWISE_HOME, 'history')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  return { table, env, cipher, emitted, eventsOf, finished, knownHosts, saved };
}

const dest = (user: string, s: FakeFleetServer) => `${user}@${s.address}:${s.sshPort}`;

describe('the contract', () => {
  it.each([
    ['no payload', undefined],
    ['no servers', { port: 5432, servers: [], sudo: false, acceptNewHostKeys: false }],
    ['port 0', { port: 0, servers: [{ kind: 'ssh', destination: 'a@b' }], sudo: false, acceptNewHostKeys: false }],
    ['concurrency 33', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b' }], concurrency: 33, sudo: false, acceptNewHostKeys: false }],
    ['no host-key choice', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b' }], sudo: false }],
    ['a jump host on a typed server', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b', jumps: ['c@d'] }], sudo: false, acceptNewHostKeys: false }],
    ['a bad profile id', { port: 5432, servers: [{ kind: 'profile', id: '../etc' }], sudo: false, acceptNewHostKeys: false }],
    ['11 probe rounds', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b' }], rounds: 11, sudo: false, acceptNewHostKeys: false }],
    ['a 50 ms deadline', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b' }], timeoutMs: 50, sudo: false, acceptNewHostKeys: false }],
    ['an unknown key', { port: 5432, servers: [{ kind: 'ssh', destination: 'a@b' }], sudo: false, acceptNewHostKeys: false, shell: 'id' }],
  ])('startFleet with %s is refused before anything runs', async (_name, payload) => {
    const { table, emitted } = await setup();
    await expect(table.startFleet(payload)).rejects.toBeInstanceOf(IpcValidationError);
    expect(emitted).toEqual([]);
    table.dispose();
  });

  it('refuses, naming it, an unknown profile, a destination that does not parse and a server given twice; cancelFleet of an unknown run is false', async () => {
    const { table, emitted } = await setup();
    const base = { port, sudo: false, acceptNewHostKeys: false };
    expect(await table.startFleet({ ...base, servers: [{ kind: 'profile', id: 'nope' }] })).toMatchObject({ ok: false, error: { code: 'profile-not-found', message: expect.stringContaining('nope') } });
    expect(await table.startFleet({ ...base, servers: [{ kind: 'ssh', destination: 'bad user@host' }] })).toMatchObject({ ok: false, error: { code: 'bad-ssh-destination', message: expect.stringContaining('bad user') } });
    expect(await table.startFleet({ ...base, servers: [{ kind: 'ssh', destination: 'a@DB.example:22' }, { kind: 'ssh', destination: 'a@db.example' }] })).toEqual({
      ok: false,
      error: { code: 'duplicate-server', message: 'a@db.example is given twice: each server once.' },
    });
    expect(await table.cancelFleet({ fleetId: 'not-running' })).toEqual({ cancelled: false });
    expect(emitted).toEqual([]);
    expect(servers.withPassword.connections + servers.refusing.connections).toBe(0);
    table.dispose();
  });
});

describe('a fleet run through the handler table', () => {
  it('2 at a time: each server started, its progress, its end with the report saved to the history, then the table; a saved password answers, nothing is asked', async () => {
    const s = servers;
    const { table, env, cipher, emitted, eventsOf, finished, knownHosts, saved } = await setup();
    // A password profile, its password saved in the app's secret store (encrypted by the keyring).
    const profile = await table.saveProfile({ fields: { name: 'db-a', host: s.withPassword.address, port: s.withPassword.sshPort, user: 'alice', auth: 'password', serviceHint: 'postgresql' } });
    expect(profile).toMatchObject({ ok: true });
    expect(await new SecretStore({ cipher, env }).set({ profileId: 'db-a', kind: 'password' }, PASSWORD)).toEqual({ ok: true });

    gate.close();
    const started = await table.startFleet({
      port,
      servers: [{ kind: 'profile', id: 'db-a' }, { kind: 'ssh', destination: dest('bob', s.refusing) }, { kind: 'ssh', destination: dest('carol', s.rejecting) }],
      concurrency: 2,
      rounds: 2,
      timeoutMs: 1500,
      sudo: false,
      acceptNewHostKeys: true,
    });
    if (!started.ok) throw new Error(started.error.message);
    expect(started).toMatchObject({ port, concurrency: 2 });
    expect(started.servers).toEqual([
      { label: 'db-a', destination: dest('alice', s.withPassword), profile: 'db-a', target: `127.0.0.2:${port}` },
      { label: dest('bob', s.refusing), destination: dest('bob', s.refusing), profile: null, target: `127.0.0.3:${port}` },
      { label: dest('carol', s.rejecting), destination: dest('carol', s.rejecting), profile: null, target: `127.0.0.4:${port}` },
    ]);
    // The refused login frees its slot, so the third server starts: two wait at the gate.
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    expect([...gate.held.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.4']);
    expect(fleetWide.open).toBe(2);
    const { fleetId } = started;
    const early = eventsOf(fleetId);
    expect(early.filter((e) => e.type === 'server-started').map((e) => e.type === 'server-started' && e.index)).toEqual([0, 1, 2]);
    expect(early.find((e) => e.type === 'server-done')).toMatchObject({ index: 1, done: 1, result: { failure: { kind: 'login-failed', sshKind: 'auth-failed' } } });
    // Progress while it runs: server 0 logged in and waits on the capability probe.
    expect(early.some((e) => e.type === 'server-activity' && e.index === 0 && e.activity.stage === 'login' && e.activity.state === 'done')).toBe(true);
    gate.open();

    const outcome = await finished(fleetId);
    expect(fleetWide.max).toBe(2);
    expect(outcome).toMatchObject({ port, cancelled: false, verdict: { total: 3, failing: 3, loginFailed: [dest('bob', s.refusing)] } });
    expect(outcome.rows.map((r) => [r.server, r.probe, r.firewall, r.failure])).toEqual([
      ['db-a', 'Refused', 'No rule counted the probes', null],
      [dest('bob', s.refusing), 'Refused', 'Not read: could not log in (auth-failed)', 'login-failed'],
      [dest('carol', s.rejecting), 'Refused', 'REJECT tcp-reset (+3)', null],
    ]);
    expect(outcome.servers[0]?.report?.service).toBe('postgresql');
    // Every server probed as the form asked: two rounds, each connect within 1.5 s.
    expect(outcome.servers.map((r) => r.report && { rounds: r.report.options.rounds, timeoutMs: r.report.options.timeoutMs })).toEqual([
      { rounds: 2, timeoutMs: 1500 },
      { rounds: 2, timeoutMs: 1500 },
      { rounds: 2, timeoutMs: 1500 },
    ]);
    // The saved password went to the server; nothing was asked (no diagnosis event, no prompt, at all).
    expect(s.withPassword.logins).toContain('alice password');
    expect(emitted.every((e) => e.name === 'onFleetEvent')).toBe(true);

    // Each end was sent once its report was saved: the ids are the history's files.
    const ends = eventsOf(fleetId).filter((e) => e.type === 'server-done');
    expect(ends.map((e) => e.type === 'server-done' && e.done)).toEqual([1, 2, 3]);
    const ids = ends.map((e) => (e.type === 'server-done' ? e.historyId : null));
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect((await saved()).sort()).toEqual([...(ids as string[])].sort());
    const [first] = ends;
    const opened = first?.type === 'server-done' && first.historyId ? await table.getHistoryReport({ id: first.historyId }) : null;
    expect(opened).toMatchObject({ ok: true, report: { target: { host: '127.0.0.3', port } } });
    // The new keys were pinned, in Portwise's own file only.
    expect(await knownHosts()).toContain(`[127.0.0.2]:${s.withPassword.sshPort} ${s.withPassword.publicKey}`);
    expect(await table.cancelFleet({ fleetId })).toEqual({ cancelled: false });
    table.dispose();
  });

  it('without "accept new host keys" an unknown key is refused before any credential is sent, and the file is not written', async () => {
    const s = servers;
    const { table, finished, knownHosts } = await setup([s.rejecting]);
    const logins = s.unknown.logins.length;
    const started = await table.startFleet({ port, servers: [{ kind: 'ssh', destination: dest('dave', s.unknown) }, { kind: 'ssh', destination: dest('carol', s.rejecting) }], sudo: false, acceptNewHostKeys: false });
    if (!started.ok) throw new Error(started.error.message);
    // The default is 8 at a time; with two servers, two is what runs (and what the page says).
    expect(started.concurrency).toBe(2);
    const outcome = await finished(started.fleetId);
    expect(outcome.servers.map((r) => r.failure?.kind ?? null)).toEqual(['login-failed', null]);
    expect(outcome.servers[0]?.failure).toMatchObject({ sshKind: 'host-key-unknown' });
    expect(outcome.rows[1]?.firewall).toBe('REJECT tcp-reset (+3)');
    expect(s.unknown.logins.length).toBe(logins);
    expect(await knownHosts()).not.toContain('127.0.0.5');
    table.dispose();
  });

  it('cancelFleet cancels every run: the logins at the gate are closed in the servers, the one not started never connects', async () => {
    const s = servers;
    const { table, eventsOf, finished } = await setup([s.rejecting, s.unknown]);
    const before = s.withPassword.connections;
    gate.close();
    const started = await table.startFleet({
      port,
      servers: [{ kind: 'ssh', destination: dest('carol', s.rejecting) }, { kind: 'ssh', destination: dest('dave', s.unknown) }, { kind: 'ssh', destination: dest('alice', s.withPassword) }],
      concurrency: 2,
      sudo: false,
      acceptNewHostKeys: false,
    });
    if (!started.ok) throw new Error(started.error.message);
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    expect(await table.cancelFleet({ fleetId: started.fleetId })).toEqual({ cancelled: true });
    const outcome = await finished(started.fleetId);
    expect(outcome.cancelled).toBe(true);
    expect(outcome.servers.map((r) => r.failure?.kind)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(outcome.verdict.text).toBe(`No server was diagnosed. Cancelled: ${dest('carol', s.rejecting)}, ${dest('dave', s.unknown)}, ${dest('alice', s.withPassword)}.`);
    // A cancelled server has no report: none is saved.
    expect(eventsOf(started.fleetId).filter((e) => e.type === 'server-done').map((e) => e.type === 'server-done' && e.historyId)).toEqual([null, null, null]);
    await waitFor(() => fleetWide.open === 0, 5000, 'the servers to see their connections closed');
    expect(s.withPassword.connections).toBe(before);
    table.dispose();
  });

  it('dispose (the window closing) cancels a fleet still running', async () => {
    const s = servers;
    const { table, finished } = await setup([s.rejecting]);
    gate.close();
    const started = await table.startFleet({ port, servers: [{ kind: 'ssh', destination: dest('carol', s.rejecting) }], sudo: false, acceptNewHostKeys: false });
    if (!started.ok) throw new Error(started.error.message);
    await waitFor(() => gate.held.size === 1, 20_000, 'the server at the gate');
    table.dispose();
    expect((await finished(started.fleetId)).cancelled).toBe(true);
  });
});
