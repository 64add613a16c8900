// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PromptDialog from '../../../renderer/components/PromptDialog.svelte';
import RunScreen from '../../../renderer/components/RunScreen.svelte';
import type { PromptAnswer, PromptRequest, RememberableSecret, RememberOffer, SavedSecretProblem } from '../../../shared/common/schema/prompts';
import { createWizard, initialForm } from '../../../renderer/state/wizard';
import { FakeApi, renderWithWizard, useDom } from './harness';

/** "Remember this password" and "Forget the saved password" in the SSH question dialog. */

useDom();

const hop = { index: 1, total: 1, user: 'alice', host: 'db.example', port: 22, role: 'target' as const };
const offer: RememberOffer = { profileId: 'db', profileName: 'DB prod', available: true, reason: null };
const noKeyring: RememberOffer = { ...offer, available: false, reason: 'No system keyring is available, so nothing can be saved safely.' };

const password = (more: Partial<Extract<PromptRequest, { kind: 'password' }>> = {}): PromptRequest => ({ kind: 'password', id: 'r-p1', hop, attempt: 1, ...more });
const passphrase = (more: Partial<Extract<PromptRequest, { kind: 'passphrase' }>> = {}): PromptRequest => ({
  kind: 'passphrase',
  id: 'r-p2',
  hop,
  keyPath: '/home/alice/.ssh/id_ed25519',
  attempt: 1,
  ...more,
});
const refused = (kind: RememberableSecret): SavedSecretProblem => ({
  profileId: 'db',
  kind,
  problem: 'refused',
  message: `The saved ${kind} for "DB prod" was refused, so it was not used again.`,
});

type ForgetResult = { ok: boolean; message: string };

function renderDialog(prompt: PromptRequest, onForget?: (profileId: string, kind: RememberableSecret) => Promise<ForgetResult>) {
  const answers: [string, PromptAnswer][] = [];
  const onAnswer = (id: string, answer: PromptAnswer) => void answers.push([id, answer]);
  const result = render(PromptDialog, { props: { prompt, onAnswer, ...(onForget ? { onForget } : {}) } });
  return { answers, ...result };
}

/** A promise the test settles when it wants, to see the dialog while it waits. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const dialog = () => screen.getByRole('dialog');
const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } });
const rememberBox = (word = 'password') => within(dialog()).getByRole('checkbox', { name: `Remember this ${word} for “DB prod”` }) as HTMLInputElement;

describe('remembering a password or passphrase', () => {
  it('ticked and typed: the answer asks to remember it', async () => {
    const { answers } = renderDialog(password({ remember: offer }));
    const box = rememberBox();
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    expect(dialog().textContent).toContain('saved only if you ask below');
    await fireEvent.click(box);
    expect(box.checked).toBe(true);
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(answers).toStrictEqual([['r-p1', { kind: 'secret', value: 'hunter2', remember: true }]]);
  });

  it('not ticked (or ticked then unticked): the answer carries no remember at all', async () => {
    const first = renderDialog(password({ remember: offer }));
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(first.answers).toStrictEqual([['r-p1', { kind: 'secret', value: 'hunter2' }]]);
    first.unmount();

    const second = renderDialog(password({ remember: offer }));
    await fireEvent.click(rememberBox());
    await fireEvent.click(rememberBox());
    expect(rememberBox().checked).toBe(false);
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(second.answers).toStrictEqual([['r-p1', { kind: 'secret', value: 'hunter2' }]]);
  });

  it('cancelling never asks to remember, even ticked', async () => {
    const { answers } = renderDialog(password({ remember: offer }));
    await fireEvent.click(rememberBox());
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(answers).toStrictEqual([['r-p1', { kind: 'secret', value: null }]]);
  });

  it('a passphrase: the box names it, and the answer asks to remember it', async () => {
    const { answers } = renderDialog(passphrase({ remember: offer }));
    await fireEvent.click(rememberBox('passphrase'));
    await type(within(dialog()).getByLabelText('Passphrase'), 'correct horse');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Unlock the key' }));
    expect(answers).toStrictEqual([['r-p2', { kind: 'secret', value: 'correct horse', remember: true }]]);
  });

  it('not available: the box is shown disabled with the reason, linked to it, and nothing asks to remember even if forced', async () => {
    const { answers } = renderDialog(password({ remember: noKeyring }));
    const box = rememberBox();
    expect(box.disabled).toBe(true);
    const reason = within(dialog()).getByText(noKeyring.reason!);
    expect(reason.id).not.toBe('');
    expect(box.getAttribute('aria-describedby')).toBe(reason.id);

    // A click on a disabled box does nothing; set it by hand and tell Svelte, as a script could.
    await fireEvent.click(box);
    box.checked = true;
    await fireEvent.change(box);
    await fireEvent.input(box);
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(answers).toHaveLength(1);
    expect(answers[0]![1]).toStrictEqual({ kind: 'secret', value: 'hunter2' });
  });

  it('available: the note says how it is kept, and the box is not described as unavailable', () => {
    renderDialog(password({ remember: offer }));
    within(dialog()).getByText(/encrypted by your system keyring/);
    expect(rememberBox().hasAttribute('aria-describedby')).toBe(false);
  });

  it.each([
    ['password', password(), 'Password'],
    ['passphrase', passphrase(), 'Passphrase'],
  ])('no offer (%s of no saved profile): no box, and the text says it is never saved', async (_kind, prompt, label) => {
    const { answers } = renderDialog(prompt);
    expect(within(dialog()).queryByRole('checkbox')).toBeNull();
    expect(dialog().textContent).not.toMatch(/Remember this/);
    expect(dialog().textContent).toContain('It is used for this login only and never saved.');
    await type(within(dialog()).getByLabelText(label), 'x');
    await fireEvent.submit(within(dialog()).getByLabelText(label).closest('form')!);
    expect(answers[0]![1]).toStrictEqual({ kind: 'secret', value: 'x' });
  });

  it('a new question (next attempt) starts unticked: remembering is chosen each time', async () => {
    const { answers, rerender } = renderDialog(password({ remember: offer }));
    await fireEvent.click(rememberBox());
    await type(within(dialog()).getByLabelText('Password'), 'wrong');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    await rerender({ prompt: password({ id: 'r-p3', attempt: 2, remember: offer }) });
    await waitFor(() => expect(rememberBox().disabled).toBe(false));
    expect(rememberBox().checked).toBe(false);
    await type(within(dialog()).getByLabelText('Password'), 'right');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(answers).toStrictEqual([
      ['r-p1', { kind: 'secret', value: 'wrong', remember: true }],
      ['r-p3', { kind: 'secret', value: 'right' }],
    ]);
  });

  it('a new question resets the tick even when the first was never sent', async () => {
    const { answers, rerender } = renderDialog(password({ remember: offer }));
    await fireEvent.click(rememberBox());
    await rerender({ prompt: passphrase({ remember: offer }) });
    expect(rememberBox('passphrase').checked).toBe(false);
    await type(within(dialog()).getByLabelText('Passphrase'), 'p');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Unlock the key' }));
    expect(answers).toStrictEqual([['r-p2', { kind: 'secret', value: 'p' }]]);
  });
});

describe('a saved secret that could not be used', () => {
  it('says why, forgets it through onForget, shows the answer, and offers no second press while it runs', async () => {
    const pending = deferred<ForgetResult>();
    const calls: [string, RememberableSecret][] = [];
    renderDialog(password({ attempt: 1, saved: refused('password'), remember: offer }), (profileId, kind) => {
      calls.push([profileId, kind]);
      return pending.promise;
    });
    within(dialog()).getByText(refused('password').message);
    const button = within(dialog()).getByRole('button', { name: 'Forget the saved password' });
    await fireEvent.click(button);
    expect(calls).toEqual([['db', 'password']]);
    expect((within(dialog()).getByRole('button', { name: 'Forget the saved password' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(button);
    expect(calls).toHaveLength(1);

    pending.resolve({ ok: true, message: 'The saved password was deleted.' });
    await within(dialog()).findByText('The saved password was deleted.');
    expect(within(dialog()).queryByRole('button', { name: /^Forget the saved/ })).toBeNull();
    // The question itself is still open and answerable.
    expect((within(dialog()).getByLabelText('Password') as HTMLInputElement).disabled).toBe(false);
  });

  it('a refusal to forget is shown too', async () => {
    renderDialog(password({ saved: { ...refused('password'), problem: 'unreadable', message: 'The saved password cannot be decrypted.' } }), async () => ({
      ok: false,
      message: 'The keyring is locked.',
    }));
    within(dialog()).getByText('The saved password cannot be decrypted.');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Forget the saved password' }));
    const shown = await within(dialog()).findByText('The keyring is locked.');
    expect(shown.getAttribute('role')).toBe('status');
  });

  it('a passphrase: "Forget the saved passphrase", with the passphrase kind', async () => {
    const calls: [string, RememberableSecret][] = [];
    renderDialog(passphrase({ saved: refused('passphrase') }), async (profileId, kind) => {
      calls.push([profileId, kind]);
      return { ok: true, message: 'The saved key passphrase was deleted.' };
    });
    expect(within(dialog()).queryByRole('button', { name: 'Forget the saved password' })).toBeNull();
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Forget the saved passphrase' }));
    expect(calls).toEqual([['db', 'passphrase']]);
    await within(dialog()).findByText('The saved key passphrase was deleted.');
  });

  it('without onForget the reason is still shown, with no button', () => {
    renderDialog(password({ saved: refused('password') }));
    within(dialog()).getByText(refused('password').message);
    expect(within(dialog()).queryByRole('button', { name: /^Forget/ })).toBeNull();
  });

  it('no saved problem: no forget button', () => {
    renderDialog(password({ remember: offer }), async () => ({ ok: true, message: 'x' }));
    expect(within(dialog()).queryByRole('button', { name: /^Forget/ })).toBeNull();
  });

  it("the answer to an earlier question's forget is not shown on the next question, nor mixed with its own", async () => {
    const first = deferred<ForgetResult>();
    const second = deferred<ForgetResult>();
    const pending = [first, second];
    const { rerender } = renderDialog(password({ saved: refused('password') }), () => pending.shift()!.promise);
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Forget the saved password' }));
    await rerender({ prompt: password({ id: 'r-p9', attempt: 2, saved: refused('password') }) });
    const button = within(dialog()).getByRole('button', { name: 'Forget the saved password' }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    await fireEvent.click(button);
    expect(button.disabled).toBe(true);

    first.resolve({ ok: true, message: 'First answer.' });
    await new Promise((r) => setTimeout(r, 0));
    expect(within(dialog()).queryByText('First answer.')).toBeNull();
    expect((within(dialog()).getByRole('button', { name: 'Forget the saved password' }) as HTMLButtonElement).disabled).toBe(true);

    second.resolve({ ok: true, message: 'Second answer.' });
    await within(dialog()).findByText('Second answer.');
  });
});

describe('the run screen', () => {
  async function runWithPrompt(fake: FakeApi, prompt: PromptRequest) {
    const wizard = createWizard(fake.api);
    await wizard.start({ ...initialForm, input: 'db.example:5432', access: { kind: 'profile', id: 'db', name: 'DB prod', destination: 'alice@db.example', jumps: [] } });
    const runId = wizard.store.getState().run!.runId;
    renderWithWizard(RunScreen, wizard, fake.api);
    fake.emit(runId, { type: 'prompt', prompt });
    await screen.findByRole('dialog');
    return { wizard, runId };
  }

  it('forgets through the profiles store (api.forgetSecret) and sends a ticked remember through answerPrompt', async () => {
    const fake = new FakeApi();
    fake.handlers.forgetSecret = async () => ({ ok: true, deleted: true });
    const { runId } = await runWithPrompt(fake, password({ saved: refused('password'), remember: offer }));

    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Forget the saved password' }));
    await within(dialog()).findByText('The saved password was deleted.');
    expect(fake.requests('forgetSecret')).toEqual([{ profileId: 'db', kind: 'password' }]);

    await fireEvent.click(rememberBox());
    await type(within(dialog()).getByLabelText('Password'), 'hunter2');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log in' }));
    expect(fake.requests('answerPrompt')).toEqual([{ runId, promptId: 'r-p1', answer: { kind: 'secret', value: 'hunter2', remember: true } }]);
  });

  it('shows the notes of the run at the bottom, once there are any', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start({ ...initialForm, input: 'db.example:5432' });
    const runId = wizard.store.getState().run!.runId;
    renderWithWizard(RunScreen, wizard, fake.api);
    expect(screen.queryByRole('heading', { name: 'Notes from this run' })).toBeNull();

    fake.emit(runId, { type: 'secret', profileId: 'db', profileName: 'DB prod', kind: 'password', saved: true, message: 'The password for "DB prod" is saved.' });
    fake.emit(runId, { type: 'notice', message: 'The profiles file was damaged and moved aside.' });
    const heading = await screen.findByRole('heading', { name: 'Notes from this run' });
    const items = within(heading.closest('section')!).getAllByRole('listitem');
    expect(items.map((li) => [li.textContent, li.className.includes('tone-ok') ? 'ok' : li.className.includes('tone-warn') ? 'warn' : '?'])).toEqual([
      ['The password for "DB prod" is saved.', 'ok'],
      ['The profiles file was damaged and moved aside.', 'warn'],
    ]);
  });
});
