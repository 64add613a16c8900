import { describe, expect, it } from 'vitest';
import { comparable, createHistory, entryMatches, type HistoryApi } from '../../../renderer/state/history';
import type { CallResponse, HistoryEntry } from '../../../shared/common/ipc';
import type { Report } from '../../../shared/common/schema/report';
import { realReport } from './fake-api';

/** The history store without a DOM: which runs can be compared, the filter, and answers that arrive late. */

const entry = (id: string, target: string, input = target): HistoryEntry => ({
  id,
  target,
  input,
  finishedAt: '2026-11-24T15:00:00.000Z',
  outcome: 'refused',
  cause: 'no-listener',
  title: 'Nothing listens on the port',
  confidence: 'high',
});

const a = entry('20261124T150000000Z-0000000a', 'db.example.com:5432');
const b = entry('20261124T160000000Z-0000000b', 'DB.example.com:5432', 'postgres://DB.example.com');
const c = entry('20261124T170000000Z-0000000c', 'web.example.com:443');

/** A promise the test settles by hand, to order answers as a slow disk would. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function api(over: Partial<HistoryApi> = {}): HistoryApi {
  return {
    listHistory: async () => ({ ok: true, entries: [a, b, c], notices: [] }),
    getHistoryReport: async () => ({ ok: false, error: { code: 'not-found', message: 'gone' } }),
    clearHistory: async () => ({ ok: true, removed: 3 }),
    ...over,
  };
}

describe('comparable', () => {
  it('takes exactly two ticked runs of one target (the host without case)', () => {
    expect(comparable([a, b, c], [])).toEqual({ ok: false, reason: 'Tick two runs of the same target to compare them.' });
    expect(comparable([a, b, c], [a.id])).toEqual({ ok: false, reason: 'Tick one more run of the same target to compare.' });
    expect(comparable([a, b, c], [a.id, b.id])).toEqual({ ok: true, ids: [a.id, b.id] });
    expect(comparable([a, b, c], [a.id, b.id, c.id])).toEqual({ ok: false, reason: '3 runs are ticked: a comparison takes exactly two.' });
    expect(comparable([a, b, c], [a.id, c.id])).toMatchObject({ ok: false, reason: expect.stringContaining('different targets (db.example.com:5432 and web.example.com:443)') });
    // A ticked run no longer listed does not count.
    expect(comparable([a, c], [a.id, b.id])).toMatchObject({ ok: false });
  });
});

describe('entryMatches', () => {
  it('matches the target or what was typed, without case; blank matches all', () => {
    expect(entryMatches(b, 'postgres://')).toBe(true);
    expect(entryMatches(b, ' db.EXAMPLE ')).toBe(true);
    expect(entryMatches(c, 'db.')).toBe(false);
    expect(entryMatches(c, '  ')).toBe(true);
  });
});

describe('createHistory', () => {
  it('a report that arrives after the person opened another is dropped', async () => {
    const slow = deferred<CallResponse<'getHistoryReport'>>();
    const report: Report = realReport('db.example.com:5432', ['198.18.0.5'], 'refused');
    const history = createHistory(api({ getHistoryReport: ({ id }) => (id === a.id ? slow.promise : Promise.resolve({ ok: true, report })) }));
    const first = history.open(a.id);
    await history.open(b.id);
    slow.resolve({ ok: true, report: { ...report, outcome: 'connected' } });
    await first;
    expect(history.store.getState().opened).toEqual({ status: 'ready', id: b.id, report });
  });

  it('going back while a report loads leaves the list showing', async () => {
    const slow = deferred<CallResponse<'getHistoryReport'>>();
    const history = createHistory(api({ getHistoryReport: () => slow.promise }));
    const opening = history.open(a.id);
    history.back();
    slow.resolve({ ok: false, error: { code: 'unreadable', message: 'damaged' } });
    await opening;
    expect(history.store.getState().opened).toBeNull();
  });

  it('a comparison puts the run that finished first as `before`, whichever was ticked first', async () => {
    const older = { ...realReport('db.example.com:5432', ['198.18.0.5'], 'refused'), finishedAt: '2026-11-24T15:00:00.000Z' };
    const newer = { ...realReport('db.example.com:5432', ['198.18.0.5'], 'connected'), finishedAt: '2026-11-24T16:00:00.000Z' };
    const history = createHistory(api({ getHistoryReport: async ({ id }) => ({ ok: true, report: id === a.id ? older : newer }) }));
    await history.load();
    history.toggle(b.id);
    history.toggle(a.id);
    await history.compare();
    expect(history.store.getState().comparison).toEqual({ status: 'ready', before: older, after: newer });
  });

  it('one unreadable report fails the comparison with its sentence', async () => {
    const history = createHistory(api({ getHistoryReport: async () => ({ ok: false, error: { code: 'unreadable', message: 'The saved report is damaged.' } }) }));
    await history.load();
    history.toggle(a.id);
    history.toggle(b.id);
    await history.compare();
    expect(history.store.getState().comparison).toEqual({ status: 'failed', error: { message: 'The saved report is damaged.', detail: 'unreadable' } });
  });

  it('listing again unticks runs that are gone; a clear that fails says why and keeps the list', async () => {
    let entries = [a, b, c];
    const history = createHistory(
      api({
        listHistory: async () => ({ ok: true, entries, notices: [] }),
        clearHistory: async () => ({ ok: false, message: 'The history folder is read-only.' }),
      }),
    );
    await history.load();
    history.toggle(a.id);
    history.toggle(c.id);
    entries = [a, b];
    await history.load();
    expect(history.store.getState().selected).toEqual([a.id]);

    await history.clear();
    expect(history.store.getState()).toMatchObject({ clearing: false, outcome: { ok: false, message: 'The history folder is read-only.' }, entries: [a, b], selected: [a.id] });
  });

  it('a call that throws is a sentence with the detail, not an exception', async () => {
    const history = createHistory(api({ listHistory: async () => Promise.reject(new Error('IPC closed')), clearHistory: async () => Promise.reject(new Error('IPC closed')) }));
    await history.load();
    expect(history.store.getState()).toMatchObject({ status: 'failed', error: { message: 'Portwise could not read the history.', detail: expect.stringContaining('IPC closed') } });
    await history.clear();
    expect(history.store.getState().outcome).toEqual({ ok: false, message: 'Portwise could not clear the history: Error: IPC closed' });
  });
});
