import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../../shared/node/store/history-store';
import { refusedReport } from './history-report';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pw-history-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, 0, ms)).toISOString();
const report = (ms: number, input = 'db.example.com:5432') => ({ ...refusedReport(input), finishedAt: at(ms) });

describe('history: every finished diagnosis, kept on this computer', () => {
  it('saves, lists newest first with what the list shows, and gives a report back whole', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const first = await history.save(report(1));
    const second = await history.save(report(2, 'db.example.com:6432'));
    expect(first).toMatch(/^20261124T100000001Z-[0-9a-f]{8}$/);
    const listed = await history.list();
    expect(listed.notices).toEqual([]);
    expect(listed.entries.map((e) => e.id)).toEqual([second, first]);
    expect(listed.entries[1]).toEqual({
      id: first,
      target: 'db.example.com:5432',
      input: 'db.example.com:5432',
      finishedAt: at(1),
      outcome: 'refused',
      cause: expect.any(String),
      title: expect.any(String),
      confidence: expect.any(String),
    });
    expect(await history.get(first)).toEqual({ ok: true, report: report(1) });
    // Written private to the user: reports name servers, users and addresses.
    const files = readdirSync(join(home, 'history')).filter((n) => n.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const name of files) expect(statSync(join(home, 'history', name)).mode & 0o777).toBe(0o600);
  });

  it('two reports finishing in the same millisecond are both kept', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const [a, b] = await Promise.all([history.save(report(5)), history.save(report(5))]);
    expect(a).not.toBe(b);
    expect((await history.list()).entries).toHaveLength(2);
  });

  it('keeps the newest up to the limit, dropping the oldest', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home }, limit: 3 });
    const ids: string[] = [];
    for (let ms = 1; ms <= 5; ms++) ids.push(await history.save(report(ms)));
    expect((await history.list()).entries.map((e) => e.id)).toEqual([ids[4], ids[3], ids[2]]);
    await expect(history.get(ids[0] as string)).resolves.toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('a damaged report is moved aside and named, never shown as a report; clear removes everything', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const good = await history.save(report(1));
    const bad = await history.save(report(2));
    writeFileSync(join(home, 'history', `${bad}.json`), '{"schema":"portwise.report/1"');
    const listed = await history.list();
    expect(listed.entries.map((e) => e.id)).toEqual([good]);
    expect(listed.notices).toEqual([expect.stringContaining(`${bad}.json could not be read (not JSON)`)]);
    const aside = readdirSync(join(home, 'history')).filter((n) => n.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(home, 'history', aside[0] as string), 'utf8')).toBe('{"schema":"portwise.report/1"');

    expect(await history.clear()).toBe(1);
    expect(readdirSync(join(home, 'history')).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect((await history.list()).entries).toEqual([]);
  });

  it('an id is checked before it names a file: no path can be built from it', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    for (const id of ['../profiles', '20261124T100000001Z-1234567/../../x', '', 'x'.repeat(500)]) {
      await expect(history.get(id)).resolves.toMatchObject({ ok: false, error: { code: 'bad-id' } });
    }
  });

  it('update replaces a saved report under the same id, written like a save', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const id = await history.save(report(1));
    const revised = { ...report(1), answers: { T1: { choice: 'refused' } } };
    expect(await history.update(id, revised)).toEqual({ ok: true, report: revised });
    expect(await history.get(id)).toEqual({ ok: true, report: revised });
    expect((await history.list()).entries.map((e) => e.id)).toEqual([id]);
    const files = readdirSync(join(home, 'history')).filter((n) => !n.endsWith('.lock'));
    expect(files).toEqual([`${id}.json`]);
    expect(statSync(join(home, 'history', `${id}.json`)).mode & 0o777).toBe(0o600);
  });

  it('update by a function of the saved report: two at once both land', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const id = await history.save(report(1));
    const verification = (fixed: boolean) => ({ at: at(9), before: [], after: [], fixed });
    const add = (fixed: boolean) => history.update(id, (saved) => ({ ...saved, verifications: [...(saved.verifications ?? []), verification(fixed)] }));
    await Promise.all([add(false), add(true)]);
    const saved = await history.get(id);
    expect(saved.ok && saved.report.verifications?.map((v) => v.fixed).sort()).toEqual([false, true]);
  });

  it('update of an id that names no report: a typed refusal, and nothing is written', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    await expect(history.update('20261124T100000001Z-00000000', report(1))).resolves.toEqual({
      ok: false,
      error: { code: 'not-found', message: 'No saved report has the id 20261124T100000001Z-00000000.' },
    });
    await expect(history.update('../profiles', report(1))).resolves.toMatchObject({ ok: false, error: { code: 'bad-id' } });
    expect(readdirSync(home)).toEqual([]);
  });

  it('update of a damaged report: moved aside and named, never overwritten', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const id = await history.save(report(1));
    writeFileSync(join(home, 'history', `${id}.json`), '{"schema":');
    const updated = await history.update(id, report(2));
    expect(updated).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining(`${id}.json could not be read (not JSON)`) } });
    expect(readdirSync(join(home, 'history')).filter((n) => n.endsWith('.json'))).toEqual([]);
  });

  it('update with a report the schema refuses: thrown, and the saved one kept', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    const id = await history.save(report(1));
    await expect(history.update(id, { ...report(1), schema: 'other' } as never)).rejects.toThrow();
    expect(await history.get(id)).toEqual({ ok: true, report: report(1) });
  });

  it('no history yet: an empty list, and nothing is created by reading', async () => {
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    expect(await history.list()).toEqual({ entries: [], notices: [] });
    expect(readdirSync(home)).toEqual([]);
  });
});
