import { describe, expect, it } from 'vitest';
import type { CallResponse, FleetEvent, FleetOutcome } from '../../../shared/common/ipc';
import { fleetRows, fleetVerdict } from '../../../shared/common/report/fleet';
import type { FleetServerResult } from '../../../shared/common/schema/fleet';
import type { Report } from '../../../shared/common/schema/report';
import { applyFleetEvent, createFleet, initialFleetForm, newFleetRun, type FleetFormValues } from '../../../renderer/state/fleet';
import { FakeApi, realReport } from './fake-api';

/** The fleet store without a DOM: the events folded into a run, events before the start's answer, refusals, cancel, and the report opened. */

const infos = ['db1', 'db2', 'db3'].map((label, i) => ({ label, destination: `admin@${label}.example.com`, profile: label, target: `198.18.0.${i + 1}:5432` }));
const refused = realReport('198.18.0.1:5432', ['198.18.0.1'], 'refused');
const result = (i: number, report: Report | null, failure: FleetServerResult['failure'] = null): FleetServerResult => ({
  server: infos[i]!.label,
  destination: infos[i]!.destination,
  profile: infos[i]!.label,
  target: infos[i]!.target,
  report,
  failure,
});
const outcomeOf = (servers: FleetServerResult[], cancelled = false): FleetOutcome => ({ port: 5432, servers, rows: fleetRows(servers), verdict: fleetVerdict(servers), cancelled });
const values: FleetFormValues = { ...initialFleetForm, port: 5432, profileIds: ['db1', 'db2', 'db3'] };
const started = (fleetId = 'fleet-1'): CallResponse<'startFleet'> => ({ ok: true, fleetId, port: 5432, concurrency: 2, servers: infos });

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('applyFleetEvent', () => {
  const run = newFleetRun({ fleetId: 'fleet-1', port: 5432, concurrency: 2, servers: infos });
  const fold = (...events: FleetEvent[]) => events.reduce(applyFleetEvent, run);

  it('every server waits, starts, shows its activities (each updated in place) and ends with its result', () => {
    expect(run.servers.map((s) => s.phase)).toEqual(['waiting', 'waiting', 'waiting']);
    const hop = { id: 'hop-1', stage: 'login' as const, label: 'Logging in', command: null, state: 'running' as const, at: '2026-11-24T10:00:00.000Z', ms: null };
    const next = fold(
      { type: 'server-started', index: 0 },
      { type: 'server-activity', index: 0, activity: hop },
      { type: 'server-activity', index: 0, activity: { ...hop, state: 'done', ms: 12 } },
      { type: 'server-started', index: 1 },
      { type: 'server-done', index: 1, done: 1, result: result(1, refused), historyId: '20261124T100000000Z-0000000a' },
    );
    expect(next.servers.map((s) => s.phase)).toEqual(['running', 'done', 'waiting']);
    expect(next.servers[0]?.activities).toEqual([{ ...hop, state: 'done', ms: 12 }]);
    expect(next.servers[1]).toMatchObject({ result: result(1, refused), historyId: '20261124T100000000Z-0000000a' });
    expect(next.done).toBe(1);
    expect(next.status).toBe('running');
  });

  it('a notice names its server; an index main never announced is dropped, not guessed at', () => {
    const next = fold({ type: 'notice', index: 2, message: 'The saved password could not be read.' }, { type: 'notice', index: null, message: 'About the run.' }, { type: 'server-started', index: 7 });
    expect(next.notices).toEqual(['db3: The saved password could not be read.', 'About the run.']);
    expect(next.servers).toEqual(run.servers);
  });

  it('finished: the outcome is the record (every result as main ended it); later events change nothing', () => {
    const servers = [result(0, refused), result(1, null, { kind: 'cancelled', message: 'Cancelled.' }), result(2, null, { kind: 'cancelled', message: 'Cancelled.' })];
    const end = fold({ type: 'server-started', index: 0 }, { type: 'finished', outcome: outcomeOf(servers, true) });
    expect(end.status).toBe('finished');
    expect(end.done).toBe(3);
    expect(end.servers.map((s) => [s.phase, s.result?.failure?.kind ?? null])).toEqual([
      ['done', null],
      ['done', 'cancelled'],
      ['done', 'cancelled'],
    ]);
    expect(applyFleetEvent(end, { type: 'server-started', index: 2 })).toBe(end);
    const failed = fold({ type: 'failed', message: 'The fleet run stopped on an internal error.', detail: 'Error: x' });
    expect(failed).toMatchObject({ status: 'failed', error: { message: 'The fleet run stopped on an internal error.', detail: 'Error: x' } });
  });
});

describe('createFleet', () => {
  it('keeps the events that arrive before the start answers, and replays those of its run', async () => {
    const fake = new FakeApi();
    const answer = deferred<CallResponse<'startFleet'>>();
    fake.handlers.startFleet = () => answer.promise;
    const fleet = createFleet(fake.api);
    const starting = fleet.start(values);
    expect(fleet.store.getState().starting).toBe(true);
    fake.emitFleet('fleet-1', { type: 'server-started', index: 0 });
    fake.emitFleet('another-run', { type: 'server-started', index: 1 });
    answer.resolve(started());
    await starting;
    const state = fleet.store.getState();
    expect(state.starting).toBe(false);
    expect(state.form).toEqual(values);
    expect(state.run?.servers.map((s) => s.phase)).toEqual(['running', 'waiting', 'waiting']);
    expect(fake.requests('startFleet')).toEqual([{ port: 5432, servers: values.profileIds.map((id) => ({ kind: 'profile', id })), concurrency: 8, rounds: 3, timeoutMs: 3000, sudo: false, acceptNewHostKeys: false }]);
    // Once started, the run's events go straight in.
    fake.emitFleet('fleet-1', { type: 'server-done', index: 0, done: 1, result: result(0, refused), historyId: null });
    expect(fleet.store.getState().run?.servers[0]?.phase).toBe('done');
    fleet.dispose();
    expect(fake.fleetSubscribers).toBe(0);
  });

  it('main\'s refusal and a call that throws are kept as the start error; no run begins', async () => {
    const fake = new FakeApi();
    fake.handlers.startFleet = async () => ({ ok: false, error: { code: 'profile-not-found', message: 'No profile named "gone".' } });
    const fleet = createFleet(fake.api);
    await fleet.start(values);
    expect(fleet.store.getState()).toMatchObject({ starting: false, run: null, startError: { kind: 'refused', code: 'profile-not-found', message: 'No profile named "gone".' } });
    fake.handlers.startFleet = async () => {
      throw new Error("Error invoking remote method 'portwise:call:startFleet': boom");
    };
    await fleet.start(values);
    expect(fleet.store.getState()).toMatchObject({ run: null, startError: { kind: 'failed', message: 'Portwise could not start the fleet run.', detail: expect.stringContaining('boom') } });
    // Without a port nothing is sent.
    await fleet.start({ ...values, port: null });
    expect(fake.requests('startFleet')).toHaveLength(2);
  });

  it('cancel asks main once; the run ends with main\'s `finished`, and a cancel that comes too late leaves it to that event', async () => {
    const fake = new FakeApi();
    fake.handlers.startFleet = async () => started();
    fake.handlers.cancelFleet = async () => ({ cancelled: true });
    const fleet = createFleet(fake.api);
    await fleet.start(values);
    await Promise.all([fleet.cancel(), fleet.cancel()]);
    expect(fake.requests('cancelFleet')).toEqual([{ fleetId: 'fleet-1' }]);
    expect(fleet.store.getState().run).toMatchObject({ status: 'running', cancelRequested: true });
    const cancelled = infos.map((_, i) => result(i, null, { kind: 'cancelled', message: 'Cancelled.' }));
    fake.emitFleet('fleet-1', { type: 'finished', outcome: outcomeOf(cancelled, true) });
    expect(fleet.store.getState().run).toMatchObject({ status: 'finished', cancelRequested: false, outcome: { cancelled: true } });

    // The second run had just ended in main: `cancelled: false`, and its `finished` is on its way.
    fake.handlers.startFleet = async () => started('fleet-2');
    fake.handlers.cancelFleet = async () => ({ cancelled: false });
    fleet.newRun();
    await fleet.start(values);
    await fleet.cancel();
    expect(fleet.store.getState().run).toMatchObject({ fleetId: 'fleet-2', status: 'running', cancelRequested: false, error: null });

    fake.handlers.cancelFleet = async () => {
      throw new Error('gone');
    };
    await fleet.cancel();
    expect(fleet.store.getState().run).toMatchObject({ status: 'running', cancelRequested: false, error: { message: 'Portwise could not cancel the fleet run; it is still running.' } });
  });

  it('opens a server\'s report only when it has one; a new run waits until this one ended, and keeps the form', async () => {
    const fake = new FakeApi();
    fake.handlers.startFleet = async () => started();
    const fleet = createFleet(fake.api);
    await fleet.start(values);
    fleet.open(0);
    expect(fleet.store.getState().opened).toBeNull();
    fleet.newRun();
    expect(fleet.store.getState().run).not.toBeNull();
    // A second start while one runs is not sent.
    await fleet.start(values);
    expect(fake.requests('startFleet')).toHaveLength(1);

    const servers = [result(0, refused), result(1, null, { kind: 'cancelled', message: 'Cancelled.' }), result(2, refused)];
    fake.emitFleet('fleet-1', { type: 'finished', outcome: outcomeOf(servers) });
    fleet.open(1);
    expect(fleet.store.getState().opened).toBeNull();
    fleet.open(2);
    expect(fleet.store.getState().opened).toBe(2);
    fleet.back();
    expect(fleet.store.getState().opened).toBeNull();
    fleet.newRun();
    expect(fleet.store.getState()).toMatchObject({ run: null, opened: null, form: values });
  });
});
