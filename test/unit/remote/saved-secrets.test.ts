import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSafeStorageCipher } from '../../../electron/main/safe-storage-cipher';
import { secretHops, withSavedSecrets, type SecretHop } from '../../../shared/node/remote/saved-secrets';
import type { HopLabel, PassphraseQuestion, PasswordQuestion, PromptPort } from '../../../shared/node/ssh/prompt';
import { SecretStore, unavailableCipher } from '../../../shared/node/store/secret-store';
import { fakeKeyring } from '../../shared/fake-keyring';
import { savedProfile } from '../store/saved-profile';

const jump: HopLabel = { index: 1, total: 2, user: 'ops', host: '198.18.0.1', port: 22, role: 'jump' };
const target: HopLabel = { index: 2, total: 2, user: 'admin', host: '198.18.0.2', port: 22, role: 'target' };
const jumpHop: SecretHop = { profileId: 'bastion', profileName: 'Bastion', kind: 'passphrase' };
const targetHop: SecretHop = { profileId: 'db', profileName: 'Database', kind: 'password' };

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pw-saved-secrets-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const keyring = () => createSafeStorageCipher(fakeKeyring(), 'linux');
const storeWith = (cipher = keyring()) => new SecretStore({ cipher, env: { PORTWISE_HOME: home } });

/** A person at the dialogs: answers from a script, and records every question as it was asked. */
function person(answers: { value: string | null; remember?: boolean }[]) {
  const asked: (PasswordQuestion | PassphraseQuestion)[] = [];
  const next = (q: PasswordQuestion | PassphraseQuestion): string | null => {
    asked.push(q);
    const answer = answers.shift();
    if (!answer) throw new Error('asked more than the script answers');
    if (answer.remember && answer.value !== null && q.remember?.available) q.remember.keep(answer.value);
    return answer.value;
  };
  const port: PromptPort = {
    confirmHostKey: async () => false,
    keyboardInteractive: async () => null,
    password: async (q) => next(q),
    passphrase: async (q) => next(q),
  };
  return { port, asked };
}

describe('secretHops: which secret each hop of a profile chain may save', () => {
  it('a password login saves its password, a key its passphrase, the agent alone and keyboard-interactive nothing', () => {
    const chain = [
      savedProfile('a', { auth: 'agent' }),
      savedProfile('b', { auth: 'agent', keyPath: '/k/b' }),
      savedProfile('c', { auth: 'key', keyPath: '/k/c', name: 'Cee' }),
      savedProfile('d', { auth: 'keyboard-interactive' }),
      savedProfile('e', { auth: 'password', name: 'Eee' }),
    ];
    expect(secretHops(chain)).toEqual([
      null,
      { profileId: 'b', profileName: 'b', kind: 'passphrase' },
      { profileId: 'c', profileName: 'Cee', kind: 'passphrase' },
      null,
      { profileId: 'e', profileName: 'Eee', kind: 'password' },
    ]);
  });
});

describe('withSavedSecrets: a saved secret is used once per hop, a typed one saved only after the login', () => {
  it('nothing saved: the person is asked, with a remember offer naming the profile; nothing is written unless they ask', async () => {
    const { port, asked } = person([{ value: 'typed-pw' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], storeWith(), { offerRemember: true });
    await expect(secrets.port.password({ hop: target, attempt: 1 })).resolves.toBe('typed-pw');
    expect(asked[0]?.remember).toMatchObject({ profileId: 'db', profileName: 'Database', available: true, reason: null });
    expect(asked[0]?.saved).toBeUndefined();
    await expect(secrets.hopLoggedIn(target)).resolves.toBeNull();
    expect(readdirSync(home)).toEqual([]);
  });

  it('remembered: held until the hop logs in, then saved encrypted; the next run answers from the store without asking', async () => {
    const store = storeWith();
    const first = person([{ value: 'typed-pw', remember: true }]);
    const run1 = withSavedSecrets(first.port, [jumpHop, targetHop], store, { offerRemember: true });
    await run1.port.password({ hop: target, attempt: 1 });
    // Not written before the login has worked.
    expect(readdirSync(home)).toEqual([]);
    await expect(run1.hopLoggedIn(target)).resolves.toMatchObject({ profileId: 'db', kind: 'password', saved: true, message: expect.stringContaining('was saved') });
    expect(readFileSync(join(home, 'secrets.json'), 'utf8')).not.toContain('typed-pw');
    // Saved once: a second "logged in" has nothing left to save.
    await expect(run1.hopLoggedIn(target)).resolves.toBeNull();

    const second = person([]);
    const run2 = withSavedSecrets(second.port, [jumpHop, targetHop], store, { offerRemember: true });
    await expect(run2.port.password({ hop: target, attempt: 1 })).resolves.toBe('typed-pw');
    expect(second.asked).toEqual([]);
  });

  it('a saved password the server refuses: the next question goes to the person, saying so; the new one replaces it only if asked', async () => {
    const store = storeWith();
    await store.set({ profileId: 'db', kind: 'password' }, 'old-pw');
    const { port, asked } = person([{ value: 'new-pw', remember: true }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await expect(secrets.port.password({ hop: target, attempt: 1 })).resolves.toBe('old-pw');
    expect(asked).toEqual([]);
    await expect(secrets.port.password({ hop: target, attempt: 2 })).resolves.toBe('new-pw');
    expect(asked[0]?.saved).toEqual({ profileId: 'db', kind: 'password', problem: 'refused', message: 'The saved password for "Database" was refused by the server.' });
    await secrets.hopLoggedIn(target);
    await expect(store.get({ profileId: 'db', kind: 'password' })).resolves.toEqual({ ok: true, value: 'new-pw' });
  });

  it('the saved secret is offered once per hop: a third question does not try it again, and does not repeat the warning', async () => {
    const store = storeWith();
    await store.set({ profileId: 'db', kind: 'password' }, 'old-pw');
    const { port, asked } = person([{ value: 'wrong-1' }, { value: 'wrong-2' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await secrets.port.password({ hop: target, attempt: 1 });
    await expect(secrets.port.password({ hop: target, attempt: 2 })).resolves.toBe('wrong-1');
    await expect(secrets.port.password({ hop: target, attempt: 3 })).resolves.toBe('wrong-2');
    expect(asked.map((q) => q.saved?.problem ?? null)).toEqual(['refused', null]);
  });

  it('a typed value that was refused is never saved, even though the person had asked to remember it', async () => {
    const store = storeWith();
    const { port } = person([{ value: 'wrong-pw', remember: true }, { value: 'right-pw' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await secrets.port.password({ hop: target, attempt: 1 });
    await secrets.port.password({ hop: target, attempt: 2 });
    await expect(secrets.hopLoggedIn(target)).resolves.toBeNull();
    await expect(store.has({ profileId: 'db', kind: 'password' })).resolves.toEqual({ ok: true, present: false });
  });

  it('a passphrase that does not unlock the key is said so; a hop never uses another hop\'s secret', async () => {
    const store = storeWith();
    await store.set({ profileId: 'bastion', kind: 'passphrase' }, 'jump-pass');
    await store.set({ profileId: 'db', kind: 'password' }, 'db-pw');
    const { port, asked } = person([{ value: 'typed-pass' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await expect(secrets.port.passphrase({ hop: jump, keyPath: '/k/bastion', attempt: 1 })).resolves.toBe('jump-pass');
    await expect(secrets.port.passphrase({ hop: jump, keyPath: '/k/bastion', attempt: 2 })).resolves.toBe('typed-pass');
    expect(asked[0]?.saved?.message).toBe('The saved passphrase for "Bastion" did not unlock the key.');
    // The target's saved password answers the target's password question, and only that.
    await expect(secrets.port.password({ hop: target, attempt: 1 })).resolves.toBe('db-pw');
  });

  it('a question of the other kind for a hop (a password on a key hop) is passed through without offer or store', async () => {
    const store = storeWith();
    await store.set({ profileId: 'bastion', kind: 'passphrase' }, 'jump-pass');
    const { port, asked } = person([{ value: 'pw' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await expect(secrets.port.password({ hop: jump, attempt: 1 })).resolves.toBe('pw');
    expect(asked[0]).toEqual({ hop: jump, attempt: 1 });
  });

  it('a saved secret another keyring wrote cannot be decrypted: the person is asked, told why, and may forget it', async () => {
    await storeWith(keyring()).set({ profileId: 'db', kind: 'password' }, 'other-pw');
    const { port, asked } = person([{ value: 'typed' }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], storeWith(keyring()), { offerRemember: true });
    await expect(secrets.port.password({ hop: target, attempt: 1 })).resolves.toBe('typed');
    expect(asked[0]?.saved).toMatchObject({ profileId: 'db', kind: 'password', problem: 'unreadable', message: expect.stringContaining('cannot be decrypted') });
  });

  it('without a usable keyring the offer is shown disabled with the reason, and nothing is saved', async () => {
    const store = storeWith(createSafeStorageCipher(fakeKeyring({ backend: 'basic_text' }), 'linux'));
    const { port, asked } = person([{ value: 'typed', remember: true }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await secrets.port.password({ hop: target, attempt: 1 });
    expect(asked[0]?.remember).toMatchObject({ available: false, reason: expect.stringContaining('basic_text') });
    await expect(secrets.hopLoggedIn(target)).resolves.toBeNull();
    expect(readdirSync(home)).toEqual([]);
  });

  it('a failed save is reported with the store\'s reason (the value is in no message)', async () => {
    const cipher = keyring();
    let broken = false;
    const store = storeWith({ ...cipher, status: () => (broken ? { ok: false, reason: 'The keyring locked itself.' } : cipher.status()) });
    const { port } = person([{ value: 'typed-secret', remember: true }]);
    const secrets = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: true });
    await secrets.port.password({ hop: target, attempt: 1 });
    broken = true;
    const outcome = await secrets.hopLoggedIn(target);
    expect(outcome).toMatchObject({ saved: false, message: expect.stringContaining('The keyring locked itself.') });
    expect(JSON.stringify(outcome)).not.toContain('typed-secret');
  });

  it('where nobody answers (a connection test), no offer is made; discard() drops what was typed', async () => {
    const store = storeWith(unavailableCipher('no keyring here'));
    const { port, asked } = person([{ value: 'x' }]);
    const silent = withSavedSecrets(port, [jumpHop, targetHop], store, { offerRemember: false });
    await silent.port.password({ hop: target, attempt: 1 });
    expect(asked[0]?.remember).toBeUndefined();

    const typed = person([{ value: 'kept', remember: true }]);
    const secrets = withSavedSecrets(typed.port, [jumpHop, targetHop], storeWith(), { offerRemember: true });
    await secrets.port.password({ hop: target, attempt: 1 });
    secrets.discard();
    await expect(secrets.hopLoggedIn(target)).resolves.toBeNull();
  });
});
