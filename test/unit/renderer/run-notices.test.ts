import { describe, expect, it } from 'vitest';
import { DiagnosisEvent } from '../../../shared/common/schema/events';
import type { PromptRequest } from '../../../shared/common/schema/prompts';
import { applyEvent, newRun, type RunState } from '../../../renderer/state/run';
import { realReport } from '../components/fake-api';

/** The run's "Notes from this run": `notice` and `secret` events, folded by the pure `applyEvent`. */

const fresh = (): RunState => newRun({ runId: 'run-1', input: 'db.example:5432', target: { host: 'db.example', port: 5432, hostKind: 'name' }, rounds: 3, timeoutMs: 3000 });

/** Every event goes through the schema main validates with, so the shapes here are ones main can send. */
const fold = (run: RunState, ...events: unknown[]) => events.reduce<RunState>((r, e) => applyEvent(r, DiagnosisEvent.parse(e)), run);

const notice = { type: 'notice', message: 'The profiles file was damaged; it was moved aside to profiles.json.bad.' };
const saved = { type: 'secret', profileId: 'db', profileName: 'DB prod', kind: 'password', saved: true, message: 'The password for "DB prod" is saved.' };
const notSaved = {
  type: 'secret',
  profileId: 'bastion',
  profileName: 'Bastion',
  kind: 'passphrase',
  saved: false,
  message: 'The key passphrase for "Bastion" could not be saved: no system keyring.',
};

describe('run notices', () => {
  it('a new run has none', () => {
    expect(fresh().notices).toEqual([]);
  });

  it('a notice is a warning; a secret is ok when saved and a warning when not; in the order they came', () => {
    const run = fold(fresh(), saved, notice, notSaved);
    expect(run.notices).toEqual([
      { tone: 'ok', message: saved.message },
      { tone: 'warning', message: notice.message },
      { tone: 'warning', message: notSaved.message },
    ]);
  });

  it('folds without touching the rest of the run (an open question stays open)', () => {
    const prompt: PromptRequest = { kind: 'password', id: 'run-1-p1', hop: { index: 1, total: 1, user: 'alice', host: 'db.example', port: 22, role: 'target' }, attempt: 1 };
    const before = fold(fresh(), { type: 'prompt', prompt });
    const after = fold(before, saved);
    expect(after).toEqual({ ...before, notices: [{ tone: 'ok', message: saved.message }] });
    // Pure: the run it was given is not changed.
    expect(before.notices).toEqual([]);
  });

  it('the same message twice is kept twice (each is its own event)', () => {
    expect(fold(fresh(), notice, notice).notices).toHaveLength(2);
  });

  it.each([
    ['finished', { type: 'finished', report: realReport('db.example:5432', ['192.0.2.10'], 'refused') }],
    ['cancelled', { type: 'cancelled' }],
    ['failed', { type: 'failed', message: 'The engine stopped.', detail: 'boom' }],
  ])('after the run %s, notes are kept and later ones are ignored', (status, end) => {
    const ended = fold(fresh(), notice, end);
    expect(ended.status).toBe(status);
    expect(ended.notices).toEqual([{ tone: 'warning', message: notice.message }]);
    expect(applyEvent(ended, DiagnosisEvent.parse(saved))).toBe(ended);
    expect(applyEvent(ended, DiagnosisEvent.parse(notSaved))).toBe(ended);
    expect(applyEvent(ended, DiagnosisEvent.parse(notice))).toBe(ended);
  });
});
