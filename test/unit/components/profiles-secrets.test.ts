// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import ProfilesScreen from '../../../renderer/components/ProfilesScreen.svelte';
import { Profile } from '../../../shared/common/schema/profile';
import { createWizard } from '../../../renderer/state/wizard';
import { FakeApi, renderWithWizard, useDom } from './harness';

/** The profile list's saved secrets: which profile has one, "Forget the saved password", and removal's warning. */

useDom();

// Built by the schema (its defaults fill the rest), like the renderer's profile-form test: test/unit/store/saved-profile.ts
// is outside tsconfig.test-web.json, so importing it here fails `tsc -b` (TS6307).
const at = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
const db = Profile.parse({ id: 'db', name: 'DB prod', host: 'db.example.com', user: 'admin', secret: 'password', ...at });
const bastion = Profile.parse({ id: 'bastion', name: 'Bastion', host: 'bastion.example.com', user: 'admin', auth: 'key', keyPath: '~/.ssh/id_bastion', secret: 'passphrase', ...at });
const plain = Profile.parse({ id: 'plain', name: 'Plain', host: 'plain.example.com', user: 'admin', ...at });

/** The profiles screen on a fake API whose list is `list()` at each call (so a test can change it between calls). */
async function renderProfiles(fake: FakeApi, list: () => Profile[]) {
  fake.handlers.listProfiles = async () => ({ ok: true, profiles: list(), notices: [] });
  renderWithWizard(ProfilesScreen, createWizard(fake.api), fake.api);
  await screen.findByRole('heading', { name: 'DB prod' });
}

const card = (name: string) => screen.getByRole('heading', { name }).closest('li')!;
const outcome = () => document.querySelector('.outcome')!;

describe('saved secrets on the profile cards', () => {
  it('says which profile has a saved password or passphrase, and offers to forget only there', async () => {
    await renderProfiles(new FakeApi(), () => [db, bastion, plain]);
    expect(card('DB prod').textContent).toContain('A password is saved for it, encrypted by the system keyring.');
    within(card('DB prod')).getByRole('button', { name: 'Forget the saved password of DB prod' });
    expect(card('Bastion').textContent).toContain('A key passphrase is saved for it');
    within(card('Bastion')).getByRole('button', { name: 'Forget the saved passphrase of Bastion' });
    expect(card('Plain').textContent).not.toMatch(/is saved for it/);
    expect(within(card('Plain')).queryByRole('button', { name: /^Forget/ })).toBeNull();
  });

  it('Forget calls api.forgetSecret with the id and kind, reloads the list, and says what happened', async () => {
    const fake = new FakeApi();
    let forgotten = false;
    fake.handlers.forgetSecret = async () => {
      forgotten = true;
      return { ok: true, deleted: true };
    };
    await renderProfiles(fake, () => [forgotten ? { ...db, secret: 'none' } : db, bastion, plain]);
    expect(fake.requests('listProfiles')).toHaveLength(1);

    await fireEvent.click(within(card('DB prod')).getByRole('button', { name: 'Forget the saved password of DB prod' }));
    expect(fake.requests('forgetSecret')).toEqual([{ profileId: 'db', kind: 'password' }]);
    await waitFor(() => expect(outcome().textContent).toContain('The saved password was deleted.'));
    expect(outcome().querySelector('p')!.className).toContain('ok');
    await waitFor(() => expect(fake.requests('listProfiles')).toHaveLength(2));
    // The reloaded list no longer has a secret for it; the other profile keeps its own.
    await waitFor(() => expect(within(card('DB prod')).queryByRole('button', { name: /^Forget/ })).toBeNull());
    expect(card('DB prod').textContent).not.toMatch(/is saved for it/);
    within(card('Bastion')).getByRole('button', { name: 'Forget the saved passphrase of Bastion' });
  });

  it('a passphrase is forgotten with its own kind; nothing saved any more is said as such', async () => {
    const fake = new FakeApi();
    fake.handlers.forgetSecret = async () => ({ ok: true, deleted: false });
    await renderProfiles(fake, () => [db, bastion]);
    await fireEvent.click(within(card('Bastion')).getByRole('button', { name: 'Forget the saved passphrase of Bastion' }));
    expect(fake.requests('forgetSecret')).toEqual([{ profileId: 'bastion', kind: 'passphrase' }]);
    await waitFor(() => expect(outcome().textContent).toContain('No key passphrase was saved.'));
  });

  it("main's refusal to forget is shown as a refusal", async () => {
    const fake = new FakeApi();
    fake.handlers.forgetSecret = async () => ({ ok: false, message: 'The saved password could not be deleted: the keyring file is read-only.' });
    await renderProfiles(fake, () => [db]);
    await fireEvent.click(within(card('DB prod')).getByRole('button', { name: 'Forget the saved password of DB prod' }));
    await waitFor(() => expect(outcome().textContent).toContain('the keyring file is read-only'));
    expect(outcome().querySelector('p')!.className).toContain('refused');
  });

  it('a failed call is shown, not thrown', async () => {
    const fake = new FakeApi();
    fake.handlers.forgetSecret = async () => {
      throw new Error('IPC channel closed');
    };
    await renderProfiles(fake, () => [db]);
    await fireEvent.click(within(card('DB prod')).getByRole('button', { name: 'Forget the saved password of DB prod' }));
    await waitFor(() => expect(outcome().textContent).toMatch(/^Portwise could not delete the saved password: .*IPC channel closed/));
  });
});

describe('removing a profile with a saved secret', () => {
  async function removeDb(fake: FakeApi) {
    let removed = false;
    const handler = fake.handlers.removeProfile;
    fake.handlers.removeProfile = async (request) => {
      removed = true;
      return handler(request);
    };
    await renderProfiles(fake, () => (removed ? [plain] : [db, plain]));
    await fireEvent.click(within(card('DB prod')).getByRole('button', { name: 'Remove… DB prod' }));
    await fireEvent.click(within(card('DB prod')).getByRole('button', { name: 'Remove DB prod' }));
    expect(fake.requests('removeProfile')).toEqual([{ id: 'db' }]);
  }

  it("shows main's warning when the profile went but its secret could not be deleted", async () => {
    const fake = new FakeApi();
    const warning = 'Its saved password could not be deleted from the keyring: the file is locked.';
    fake.handlers.removeProfile = async () => ({ ok: true, profile: db, warning });
    await removeDb(fake);
    await waitFor(() => expect(outcome().textContent).toContain(`Removed "DB prod". ${warning}`));
    expect(outcome().querySelector('p')!.className).toContain('refused');
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'DB prod' })).toBeNull());
  });

  it('without a warning, a plain "Removed"', async () => {
    const fake = new FakeApi();
    fake.handlers.removeProfile = async () => ({ ok: true, profile: db });
    await removeDb(fake);
    await waitFor(() => expect(outcome().textContent?.trim()).toBe('Removed "DB prod".'));
    expect(outcome().querySelector('p')!.className).toContain('ok');
  });
});
