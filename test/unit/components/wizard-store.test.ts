// @vitest-environment node
// No DOM here (the store and its bridge are plain objects): Node is enough, and faster than jsdom.
import { describe, expect, it } from 'vitest';
import type { PromptRequest } from '../../../shared/common/schema/prompts';
import { createWizard, initialForm, type FormValues } from '../../../renderer/state/wizard';
import { FakeApi, finishedWizard, realReport } from './fake-api';

const hop = { index: 1, total: 1, user: 'alice', host: 'db.example', port: 22, role: 'target' as const };
const passwordPrompt: PromptRequest = { kind: 'password', id: 'run-1-p1', hop, attempt: 1 };

const values = (over: Partial<FormValues> = {}): FormValues => ({ ...initialForm, input: 'db.example:5432', ...over });

describe('wizard.start', () => {
  it('sends the service, the symptom and the SSH access (blank jump rows dropped) to main', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start(
      values({ service: '  postgresql ', symptom: 'timeout', access: { kind: 'ssh', destination: 'alice@db.example', jumps: ['me@bastion:2222', '  '], sudo: true } }),
    );
    expect(fake.requests('startDiagnosis')).toEqual([
      {
        target: 'db.example:5432',
        rounds: 3,
        timeoutMs: 3000,
        service: 'postgresql',
        symptom: 'timeout',
        access: { kind: 'ssh', destination: 'alice@db.example', jumps: ['me@bastion:2222'], sudo: true },
      },
    ]);
    expect(wizard.store.getState().screen).toBe('run');
  });

  it('leaves the service and symptom out when not given, and sends access none', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start(values());
    expect(fake.requests('startDiagnosis')[0]).toEqual({ target: 'db.example:5432', rounds: 3, timeoutMs: 3000, access: { kind: 'none' } });
  });

  it("keeps main's refusal with its code, for the form to show at the right field", async () => {
    const fake = new FakeApi();
    fake.handlers.startDiagnosis = async () => ({ ok: false, error: { code: 'bad-jump-host', message: 'Jump host: "x y" is not a valid user name.' } });
    const wizard = createWizard(fake.api);
    await wizard.start(values());
    expect(wizard.store.getState()).toMatchObject({ screen: 'target', starting: false, startError: { kind: 'refused', code: 'bad-jump-host' } });
  });
});

describe('SSH prompts', () => {
  it('opens a prompt on its event, closes it on prompt-closed, and sends the answer without keeping it', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start(values());
    const runId = wizard.store.getState().run!.runId;
    fake.emit(runId, { type: 'prompt', prompt: passwordPrompt });
    expect(wizard.store.getState().run?.prompts).toEqual([passwordPrompt]);

    expect(await wizard.answerPrompt(passwordPrompt.id, { kind: 'secret', value: 'hunter2' })).toBe(true);
    expect(fake.requests('answerPrompt')).toEqual([{ runId, promptId: passwordPrompt.id, answer: { kind: 'secret', value: 'hunter2' } }]);
    expect(JSON.stringify(wizard.store.getState())).not.toContain('hunter2');
    // Still open until main says it is settled.
    expect(wizard.store.getState().run?.prompts).toHaveLength(1);
    fake.emit(runId, { type: 'prompt-closed', id: passwordPrompt.id });
    expect(wizard.store.getState().run?.prompts).toEqual([]);
  });

  it('drops a prompt main no longer waits for (accepted: false)', async () => {
    const fake = new FakeApi();
    fake.handlers.answerPrompt = async () => ({ accepted: false });
    const wizard = createWizard(fake.api);
    await wizard.start(values());
    const runId = wizard.store.getState().run!.runId;
    fake.emit(runId, { type: 'prompt', prompt: passwordPrompt });
    await wizard.answerPrompt(passwordPrompt.id, { kind: 'secret', value: null });
    expect(wizard.store.getState().run?.prompts).toEqual([]);
  });

  it('a failed answer call is a sentence on the run, with no secret in it', async () => {
    const fake = new FakeApi();
    fake.handlers.answerPrompt = async () => {
      throw new Error('IPC closed');
    };
    const wizard = createWizard(fake.api);
    await wizard.start(values());
    fake.emit(wizard.store.getState().run!.runId, { type: 'prompt', prompt: passwordPrompt });
    expect(await wizard.answerPrompt(passwordPrompt.id, { kind: 'secret', value: 'hunter2' })).toBe(false);
    expect(wizard.store.getState().run?.error?.message).toBe('Portwise could not pass on your answer.');
    // The question is still open: main never got the answer.
    expect(wizard.store.getState().run?.prompts).toEqual([passwordPrompt]);
    expect(JSON.stringify(wizard.store.getState())).not.toContain('hunter2');
  });
});

describe('wizard.answer', () => {
  it('walks the tree again with the answer, and remembers which step it was for', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'connected');
    const { fake, wizard } = await finishedWizard(report);
    const pending = report.pending;
    expect(pending?.node).toBe('T5');
    await wizard.answer('T5', { choice: pending!.choices[0]!.id });
    const run = wizard.store.getState().run!;
    expect(fake.requests('answerDiagnosis')).toHaveLength(1);
    expect(run.answerFor).toBe('T5');
    expect(run.report?.answers).toEqual({ T5: { choice: pending!.choices[0]!.id } });
    expect(run.report?.path.find((s) => s.node === 'T5')?.by).toBe('answer');
  });

  it("keeps main's refusal beside the step it was for, and withdrawing (null) removes the step's answer", async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const { wizard } = await finishedWizard(report);
    await wizard.answer('T1', { override: { to: 'no-such-branch', reason: 'testing' } });
    let run = wizard.store.getState().run!;
    expect(run.answerFor).toBe('T1');
    expect(run.answerErrors.join('\n')).toMatch(/cannot override to "no-such-branch"/);
    expect(run.answering).toBe(false);

    const to = report.path[0]!.alternatives[0]!.to;
    await wizard.answer('T0', { override: { to, reason: 'the name is wrong' } });
    run = wizard.store.getState().run!;
    expect(run.answerErrors).toEqual([]);
    expect(run.report?.path[0]).toMatchObject({ by: 'override', overrideReason: 'the name is wrong', next: to });

    await wizard.answer('T0', null);
    expect(wizard.store.getState().run?.report?.answers).toEqual({});
    expect(wizard.store.getState().run?.report?.path[0]?.by).toBe('evidence');
  });
});

describe('wizard.verifyFix', () => {
  it('is running while main probes, then keeps before and after', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const fake = new FakeApi();
    let answer!: () => void;
    fake.handlers.verifyFix = () =>
      new Promise((resolve) => {
        answer = () => resolve({ ok: true, at: '2026-11-24T10:00:00.000Z', before: [], after: [], fixed: true });
      });
    const { wizard } = await finishedWizard(report, fake);
    const pending = wizard.verifyFix();
    expect(wizard.store.getState().run?.verify).toEqual({ status: 'running' });
    // A second press while running does not send a second call.
    void wizard.verifyFix();
    expect(fake.requests('verifyFix')).toHaveLength(1);
    answer();
    await pending;
    expect(wizard.store.getState().run?.verify).toMatchObject({ status: 'done', fixed: true });
  });

  it("turns main's refusal and a thrown call into sentences", async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const { wizard, fake } = await finishedWizard(report);
    await wizard.verifyFix();
    expect(wizard.store.getState().run?.verify).toEqual({ status: 'failed', error: { message: 'No verify result was scripted.', detail: 'unscripted' } });
    fake.handlers.verifyFix = async () => {
      throw new Error('gone');
    };
    await wizard.verifyFix();
    expect(wizard.store.getState().run?.verify).toMatchObject({ status: 'failed', error: { message: 'Portwise could not probe again.' } });
  });
});
