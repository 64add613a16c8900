import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { events, HistoryId } from '../../shared/common/ipc';
import type { DiagnosisEvent } from '../../shared/common/schema/events';
import type { Report } from '../../shared/common/schema/report';
import { createHandlerTable, IpcValidationError } from '../../shared/node/handlers';
import { openHistoryStore } from '../../shared/node/store/history-store';
import { closedPort, listen, waitFor, type TestServer } from '../integration/loopback';

/** The history as the app keeps it: every finished run saved, and kept current by answers and verify-the-fix runs. */

let home: string;
let cleanup: (() => unknown)[] = [];
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pw-handlers-history-'));
});
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
  rmSync(home, { recursive: true, force: true });
});

function setup(portwiseHome = join(home, 'portwise')) {
  const emitted: { runId: string; event: DiagnosisEvent }[] = [];
  const env = { ...process.env, PORTWISE_HOME: portwiseHome };
  const table = createHandlerTable({
    sink: { emit: (_name, payload) => emitted.push(events.onDiagnosisEvent.parse(payload)) },
    appInfo: { name: 'Portwise', version: '0.0.0-test', platform: 'linux' },
    env,
  });
  cleanup.push(() => table.dispose());
  const eventsOf = (runId: string) => emitted.filter((e) => e.runId === runId).map((e) => e.event);
  return { table, eventsOf, history: openHistoryStore({ env }) };
}

type Setup = ReturnType<typeof setup>;

/** Diagnoses a refused loopback port and returns its `finished` event. */
async function finishedRun({ table, eventsOf }: Setup, port: number): Promise<{ report: Report; historyId: string | null | undefined; events: DiagnosisEvent[] }> {
  const started = await table.startDiagnosis({ target: `127.0.0.1:${port}`, rounds: 1, timeoutMs: 1000 });
  if (!started.ok) throw new Error(started.error.message);
  await waitFor(() => eventsOf(started.runId).some((e) => e.type === 'finished' || e.type === 'failed'), 10_000, 'the run to end');
  const all = eventsOf(started.runId);
  const end = all.at(-1);
  if (end?.type !== 'finished') throw new Error(`the run ended with ${end?.type}`);
  return { report: end.report, historyId: end.historyId, events: all };
}

describe('a finished diagnosis is saved to the history', () => {
  it('before its `finished` event, which names the entry; the history lists it and gives it back whole', async () => {
    const s = setup();
    const { report, historyId, events: all } = await finishedRun(s, await closedPort('127.0.0.1'));
    expect(HistoryId.safeParse(historyId).success).toBe(true);
    expect(all.filter((e) => e.type === 'notice')).toEqual([]);
    // Saved by the time the event left: the page can open it at once.
    expect(await s.history.get(historyId as string)).toEqual({ ok: true, report });

    const listed = await s.table.listHistory({});
    expect(listed).toEqual({ ok: true, notices: [], entries: [expect.objectContaining({ id: historyId, target: report.target.input, cause: 'service-not-running' })] });
    expect(await s.table.getHistoryReport({ id: historyId })).toEqual({ ok: true, report });
  });

  it('a cancelled run is not saved', async () => {
    const server: TestServer = await listen({ host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const s = setup();
    const started = await s.table.startDiagnosis({ target: `127.0.0.1:${server.port}`, rounds: 10, timeoutMs: 1000 });
    if (!started.ok) throw new Error(started.error.message);
    await waitFor(() => s.eventsOf(started.runId).some((e) => e.type === 'probe'), 10_000, 'the first probe');
    await s.table.cancelDiagnosis({ runId: started.runId });
    await waitFor(() => s.eventsOf(started.runId).some((e) => e.type === 'cancelled' || e.type === 'finished'), 10_000, 'the run to end');
    expect(s.eventsOf(started.runId).at(-1)?.type).toBe('cancelled');
    expect(await s.table.listHistory({})).toEqual({ ok: true, entries: [], notices: [] });
  });

  it('a history that cannot be written: a notice says why, then `finished` with no id; the run is not lost', async () => {
    // Portwise's home under a regular file: no folder can be made there.
    const file = join(home, 'not-a-folder');
    writeFileSync(file, 'x');
    const s = setup(join(file, 'portwise'));
    const { report, historyId, events: all } = await finishedRun(s, await closedPort('127.0.0.1'));
    expect(historyId).toBeNull();
    expect(report.diagnosis.cause).toBe('service-not-running');
    const notice = all.at(-2);
    expect(notice?.type).toBe('notice');
    expect(notice?.type === 'notice' && notice.message).toBe(
      `This diagnosis was not saved to the history: a file is in the way of a folder in its path (${join(file, 'portwise', 'history')}).`,
    );
    expect(await s.table.listHistory({})).toEqual({ ok: false, message: `The history could not be read: a file is in the way of a folder in its path (${join(file, 'portwise', 'history')}).` });
    const cleared = await s.table.clearHistory({});
    expect(cleared).toEqual({ ok: false, message: `The history could not be cleared: a file is in the way of a folder in its path (${join(file, 'portwise', 'history')}).` });
  });
});

describe('the saved entry follows the report', () => {
  it('answerDiagnosis with the id replaces the saved report with the walked-again one', async () => {
    const s = setup();
    const { report, historyId } = await finishedRun(s, await closedPort('127.0.0.1'));
    const step = report.path[1];
    const branch = step?.alternatives.find((a) => a.to !== step.next);
    if (!step || !branch) throw new Error('no step to override');
    const answers = { [step.node]: { override: { to: branch.to, reason: 'the application reports a timeout' } } };
    const answered = await s.table.answerDiagnosis({ report, answers, historyId });
    if (!answered.ok) throw new Error(answered.errors.join('; '));
    expect(answered.report.answers).toEqual(answers);
    expect(await s.history.get(historyId as string)).toEqual({ ok: true, report: answered.report });
    // Still one entry, under the same id.
    expect((await s.history.list()).entries.map((e) => e.id)).toEqual([historyId]);
  });

  it('answerDiagnosis without an id changes no saved report', async () => {
    const s = setup();
    const { report, historyId } = await finishedRun(s, await closedPort('127.0.0.1'));
    const answered = await s.table.answerDiagnosis({ report, answers: {} });
    expect(answered.ok).toBe(true);
    expect(await s.history.get(historyId as string)).toEqual({ ok: true, report });
  });

  it('verifyFix with the id adds each result to the saved report, oldest first; a later answer keeps them', async () => {
    const s = setup();
    const port = await closedPort('127.0.0.1');
    const { report, historyId } = await finishedRun(s, port);
    const still = await s.table.verifyFix({ report, historyId });
    expect(still).toMatchObject({ ok: true, fixed: false });
    const server = await listen({ host: '127.0.0.1', port });
    cleanup.push(() => server.close());
    const fixed = await s.table.verifyFix({ report, historyId });
    expect(fixed).toMatchObject({ ok: true, fixed: true });

    const saved = await s.history.get(historyId as string);
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.report.verifications?.map((v) => v.fixed)).toEqual([false, true]);
    const [first, second] = saved.report.verifications ?? [];
    expect(first).toEqual({ at: expect.any(String), before: still.ok ? still.before : [], after: still.ok ? still.after : [], fixed: false });
    expect(Date.parse(second?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(first?.at ?? ''));
    expect({ ...saved.report, verifications: undefined }).toEqual({ ...report, verifications: undefined });

    // The page's report may lack the last result (it was still on its way): the saved record keeps it.
    const answered = await s.table.answerDiagnosis({ report, answers: {}, historyId });
    expect(answered.ok).toBe(true);
    const after = await s.history.get(historyId as string);
    expect(after.ok && after.report.verifications?.map((v) => v.fixed)).toEqual([false, true]);
  });

  it('an id with no saved report: the call still answers, and nothing is created', async () => {
    const s = setup();
    const { report } = await finishedRun(s, await closedPort('127.0.0.1'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    cleanup.push(() => warn.mockRestore());
    const missing = '20250101T000000000Z-00000000';
    expect(await s.table.verifyFix({ report, historyId: missing })).toMatchObject({ ok: true });
    expect(await s.table.getHistoryReport({ id: missing })).toEqual({ ok: false, error: { code: 'not-found', message: `No saved report has the id ${missing}.` } });
    expect(readdirSync(join(home, 'portwise', 'history')).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`history entry ${missing} not updated`));
  });

  it('ids are checked by the contract before they name a file', async () => {
    const s = setup();
    for (const id of ['../profiles', '20250101T000000000Z-0000000/../x', '']) {
      await expect(s.table.getHistoryReport({ id })).rejects.toBeInstanceOf(IpcValidationError);
      await expect(s.table.verifyFix({ report: {}, historyId: id })).rejects.toBeInstanceOf(IpcValidationError);
    }
  });

  it('clearHistory removes every saved report and says how many', async () => {
    const s = setup();
    await finishedRun(s, await closedPort('127.0.0.1'));
    await finishedRun(s, await closedPort('127.0.0.1'));
    expect(await s.table.clearHistory({})).toEqual({ ok: true, removed: 2 });
    expect(await s.table.listHistory({})).toEqual({ ok: true, entries: [], notices: [] });
  });
});
