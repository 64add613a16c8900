// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PromptDialog from '../../../renderer/components/PromptDialog.svelte';
import RunScreen from '../../../renderer/components/RunScreen.svelte';
import type { PromptAnswer, PromptRequest } from '../../../shared/common/schema/prompts';
import { createWizard, initialForm } from '../../../renderer/state/wizard';
import { FakeApi, renderWithWizard, useDom } from './harness';

useDom();

const target = { index: 2, total: 2, user: 'alice', host: 'db.example', port: 22, role: 'target' as const };
const jump = { index: 1, total: 2, user: 'me', host: 'bastion', port: 2222, role: 'jump' as const };
const FINGERPRINT = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';

const prompts = {
  hostKey: { kind: 'host-key', id: 'r-p1', hop: jump, keyType: 'ssh-ed25519', fingerprint: FINGERPRINT },
  passphrase: { kind: 'passphrase', id: 'r-p2', hop: target, keyPath: '/home/alice/.ssh/id_ed25519', attempt: 2 },
  password: { kind: 'password', id: 'r-p3', hop: target, attempt: 2 },
  keyboard: {
    kind: 'keyboard-interactive',
    id: 'r-p4',
    hop: target,
    name: 'Two-factor login',
    instructions: 'Answer both questions.',
    prompts: [
      { prompt: 'Verification code: ', echo: true },
      { prompt: 'Password: ', echo: false },
    ],
  },
} satisfies Record<string, PromptRequest>;

function renderDialog(prompt: PromptRequest) {
  const answers: [string, PromptAnswer][] = [];
  const result = render(PromptDialog, { props: { prompt, onAnswer: (id: string, answer: PromptAnswer) => void answers.push([id, answer]) } });
  return { answers, ...result };
}

const dialog = () => screen.getByRole('dialog');
const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } });

describe('PromptDialog', () => {
  it('host key: names the hop, shows type and fingerprint in monospace, how to check it, and that a changed key is never asked', async () => {
    const { answers } = renderDialog(prompts.hostKey);
    const d = dialog();
    expect(d.getAttribute('aria-modal')).toBe('true');
    within(d).getByRole('heading', { name: 'Unknown host key for jump host 1 of 2, me@bastion:2222' });
    expect(within(d).getByText(FINGERPRINT).tagName).toBe('CODE');
    expect(within(d).getByText('ssh-ed25519').tagName).toBe('CODE');
    within(d).getByText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(d.textContent).toMatch(/A key that has changed since it was trusted is refused, always/);
    await waitFor(() => expect(document.activeElement).toBe(within(d).getByRole('button', { name: 'Cancel' })));

    await fireEvent.click(within(d).getByRole('button', { name: 'Trust and connect' }));
    expect(answers).toEqual([['r-p1', { kind: 'host-key', accept: true }]]);
    // Sent: the controls wait for main, and a second press sends nothing.
    expect(within(d).getByRole('button', { name: 'Trust and connect' })).toHaveProperty('disabled', true);
    await fireEvent.click(within(d).getByRole('button', { name: 'Cancel' }));
    expect(answers).toHaveLength(1);
  });

  it.each([
    ['the Cancel button', async () => fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }))],
    ['Escape', async () => fireEvent.keyDown(document.activeElement ?? dialog(), { key: 'Escape' })],
  ])('%s sends the cancel answer of each kind', async (_how, cancel) => {
    const expected: Record<string, PromptAnswer> = {
      hostKey: { kind: 'host-key', accept: false },
      passphrase: { kind: 'secret', value: null },
      password: { kind: 'secret', value: null },
      keyboard: { kind: 'keyboard-interactive', values: null },
    };
    for (const [name, prompt] of Object.entries(prompts)) {
      const { answers, unmount } = renderDialog(prompt);
      await waitFor(() => expect(dialog().contains(document.activeElement)).toBe(true));
      await cancel();
      expect(answers, name).toEqual([[prompt.id, expected[name]]]);
      unmount();
    }
  });

  it('passphrase: the key path and attempt n of 3; the secret is sent once and not kept', async () => {
    const { answers, container } = renderDialog(prompts.passphrase);
    const d = dialog();
    within(d).getByText('/home/alice/.ssh/id_ed25519');
    within(d).getByText('Attempt 2 of 3.');
    const field = within(d).getByLabelText('Passphrase') as HTMLInputElement;
    expect(field.type).toBe('password');
    await waitFor(() => expect(document.activeElement).toBe(field));
    await type(field, 'correct horse');
    await fireEvent.click(within(d).getByRole('button', { name: 'Unlock the key' }));
    expect(answers).toEqual([['r-p2', { kind: 'secret', value: 'correct horse' }]]);
    expect(field.value).toBe('');
    expect(container.innerHTML).not.toContain('correct horse');
  });

  it('password: the attempt, Enter submits, and the field is emptied', async () => {
    const { answers } = renderDialog(prompts.password);
    const d = dialog();
    within(d).getByRole('heading', { name: 'Password for target host 2 of 2, alice@db.example:22' });
    within(d).getByText('The last one was not accepted: attempt 2.');
    const field = within(d).getByLabelText('Password') as HTMLInputElement;
    expect(field.type).toBe('password');
    await type(field, 'hunter2');
    await fireEvent.submit(field.form!);
    expect(answers).toEqual([['r-p3', { kind: 'secret', value: 'hunter2' }]]);
    expect(field.value).toBe('');
  });

  it('keyboard-interactive: one field per prompt, hidden when the server says echo is off, answers in order', async () => {
    const { answers } = renderDialog(prompts.keyboard);
    const d = dialog();
    within(d).getByRole('heading', { name: 'Two-factor login' });
    within(d).getByText(/Answer both questions\./);
    const code = within(d).getByLabelText('Verification code:') as HTMLInputElement;
    const password = within(d).getByLabelText('Password:') as HTMLInputElement;
    expect([code.type, password.type]).toEqual(['text', 'password']);
    await type(code, '123456');
    await type(password, 'hunter2');
    await fireEvent.click(within(d).getByRole('button', { name: 'Send' }));
    expect(answers).toEqual([['r-p4', { kind: 'keyboard-interactive', values: ['123456', 'hunter2'] }]]);
    expect([code.value, password.value]).toEqual(['', '']);
  });

  it('keeps the focus inside: Tab from the last control goes to the first, Shift+Tab from the first to the last', async () => {
    renderDialog(prompts.password);
    const d = dialog();
    const field = within(d).getByLabelText('Password');
    const cancel = within(d).getByRole('button', { name: 'Cancel' });
    cancel.focus();
    await fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(document.activeElement).toBe(field);
    await fireEvent.keyDown(field, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(cancel);
  });

  it('a new question (the next attempt) starts with empty fields and can be answered again', async () => {
    const { answers, rerender } = renderDialog(prompts.password);
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    await rerender({ prompt: { ...prompts.password, id: 'r-p5', attempt: 3 } });
    const field = within(dialog()).getByLabelText('Password') as HTMLInputElement;
    expect(field.disabled).toBe(false);
    await waitFor(() => expect(document.activeElement).toBe(field));
    await type(field, 'third try');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(answers.map(([id]) => id)).toEqual(['r-p3', 'r-p5']);
  });
});

describe('an answer that could not be passed on', () => {
  it('says so in the dialog, and the question can be answered again', async () => {
    const sent: PromptAnswer[] = [];
    render(PromptDialog, {
      props: {
        prompt: prompts.password,
        onAnswer: async (_id: string, answer: PromptAnswer) => {
          sent.push(answer);
          return sent.length > 1;
        },
      },
    });
    const field = within(dialog()).getByLabelText('Password') as HTMLInputElement;
    await type(field, 'first');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    await within(dialog()).findByRole('alert');
    expect(within(dialog()).getByRole('alert').textContent).toContain('could not pass on your answer');
    expect(field.disabled).toBe(false);
    expect(field.value).toBe('');
    await type(field, 'second');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(sent).toEqual([
      { kind: 'secret', value: 'first' },
      { kind: 'secret', value: 'second' },
    ]);
  });
});

describe('the run screen with SSH questions', () => {
  it('shows the first question as a modal over an inert page, sends the answer through the store, and gives the focus back', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start({ ...initialForm, input: 'db.example:5432', access: { kind: 'ssh', destination: 'alice@db.example', jumps: [], sudo: false } });
    const runId = wizard.store.getState().run!.runId;
    renderWithWizard(RunScreen, wizard);
    const cancelRun = screen.getByRole('button', { name: 'Cancel' });
    cancelRun.focus();
    expect(screen.queryByRole('dialog')).toBeNull();

    fake.emit(runId, { type: 'prompt', prompt: prompts.password });
    fake.emit(runId, { type: 'prompt', prompt: prompts.hostKey });
    const d = await screen.findByRole('dialog');
    within(d).getByRole('heading', { name: /^Password for/ });
    // Svelte sets the `inert` property (a browser reflects it to the attribute; the e2e test sees that).
    expect(screen.getByRole('main', { hidden: true }).inert).toBe(true);

    await type(within(d).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(d).getByRole('button', { name: 'Log in' }));
    expect(fake.requests('answerPrompt')).toEqual([{ runId, promptId: 'r-p3', answer: { kind: 'secret', value: 'hunter2' } }]);
    expect(JSON.stringify(wizard.store.getState())).not.toContain('hunter2');

    fake.emit(runId, { type: 'prompt-closed', id: 'r-p3' });
    await waitFor(() => within(screen.getByRole('dialog')).getByRole('heading', { name: /^Unknown host key/ }));
    fake.emit(runId, { type: 'prompt-closed', id: 'r-p1' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('main').inert).toBe(false);
    await waitFor(() => expect(document.activeElement).toBe(cancelRun));
  });
});
