import type { ActionOutcome } from './action-outcome';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallResponse, PortwiseApi } from '../../shared/common/ipc';
import type { Profile, ProfilePatch } from '../../shared/common/schema/profile';
import type { ConnectionTest, HopTest } from '../../shared/common/schema/connection-test';
import type { RememberableSecret } from '../../shared/common/schema/prompts';
import { describeThrown } from './wizard';
import type { HumanError } from './run';

/**
 * The saved profiles as the app shows them, and the only code here that calls the profile part of
 * `window.portwise`. The form's own checks use the same schema main uses; main's answer is final.
 */
export interface ProfilesState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  profiles: readonly Profile[];
  /** What the store had to do (a damaged file moved aside...), for the person to know. */
  notices: readonly string[];
  error: HumanError | null;
  /** A save or removal is in flight. */
  busy: boolean;
  /** Main's refusal of the last save, per field (`null`: about the whole set), to show beside the inputs. */
  saveProblems: readonly { field: string | null; message: string }[];
  /** What the last change did, or why it was refused. */
  outcome: ActionOutcome | null;
  /** "Test connection", per profile id. */
  tests: Readonly<Record<string, TestState>>;
  /** The ssh_config import: its preview, then what saving did. */
  importing: ImportState | null;
}

export type ImportState =
  | { status: 'running'; mode: 'preview' | 'save' }
  | { status: 'failed'; message: string }
  | (Extract<CallResponse<'importSshConfig'>, { ok: true }> & { status: 'done' });

export type TestState = { status: 'running' } | { status: 'done'; test: ConnectionTest } | { status: 'failed'; message: string };

export interface Profiles {
  store: StoreApi<ProfilesState>;
  load(): Promise<void>;
  /** Creates (no id) or changes a profile. Resolves to the saved profile, or null when main refused. */
  save(id: string | null, fields: ProfilePatch): Promise<Profile | null>;
  remove(profile: Profile): Promise<void>;
  clearOutcome(): void;
  /** Logs in through the profile's chain and runs the capability probe, asking nothing. */
  test(id: string): Promise<void>;
  /** The person compared an unknown key's fingerprint on the server: pin it, then test again. */
  trust(id: string, hop: HopTest): Promise<void>;
  /** Plans (`preview`) or saves an import from an ssh_config; `file` '' is ~/.ssh/config. */
  importConfig(file: string, update: boolean, mode: 'preview' | 'save'): Promise<void>;
  /** Deletes a profile's saved password or passphrase; the sentence says what happened. */
  forgetSecret(profileId: string, kind: RememberableSecret): Promise<ActionOutcome>;
}

type StoreRefusal = Extract<CallResponse<'saveProfile'>, { ok: false }>['error'];

export function createProfiles(api: PortwiseApi): Profiles {
  const store = createStore<ProfilesState>()(() => ({ status: 'idle', profiles: [], notices: [], error: null, busy: false, saveProblems: [], outcome: null, tests: {}, importing: null }));

  async function importConfig(file: string, update: boolean, mode: 'preview' | 'save'): Promise<void> {
    store.setState({ importing: { status: 'running', mode } });
    try {
      const result = await api.importSshConfig({ ...(file.trim() ? { file: file.trim() } : {}), mode, update });
      store.setState({ importing: result.ok ? { ...result, status: 'done' } : { status: 'failed', message: result.message } });
    } catch (error) {
      store.setState({ importing: { status: 'failed', message: `Portwise could not read the config: ${describeThrown(error)}` } });
    }
    if (mode === 'save') await load();
  }
  const setTest = (id: string, state: TestState) => store.setState({ tests: { ...store.getState().tests, [id]: state } });

  async function test(id: string): Promise<void> {
    setTest(id, { status: 'running' });
    try {
      const result = await api.testProfile({ id });
      setTest(id, result.ok ? { status: 'done', test: result.test } : { status: 'failed', message: result.error.message });
    } catch (error) {
      setTest(id, { status: 'failed', message: `Portwise could not test the connection: ${describeThrown(error)}` });
    }
  }

  async function trust(id: string, hop: HopTest): Promise<void> {
    const { keyType, key } = hop.hostKey;
    if (!keyType || !key) return;
    try {
      const pinned = await api.pinHostKey({ key: { host: hop.hop.host, port: hop.hop.port, keyType, key } });
      if (!pinned.ok) {
        setTest(id, { status: 'failed', message: pinned.message });
        return;
      }
    } catch (error) {
      setTest(id, { status: 'failed', message: `Portwise could not pin the key: ${describeThrown(error)}` });
      return;
    }
    await test(id);
  }

  async function load(): Promise<void> {
    store.setState({ status: 'loading', error: null });
    try {
      const listed = await api.listProfiles({});
      if (listed.ok) store.setState({ status: 'ready', profiles: listed.profiles, notices: listed.notices });
      else store.setState({ status: 'failed', error: { message: listed.error.message, detail: listed.error.code } });
    } catch (error) {
      store.setState({ status: 'failed', error: { message: 'Portwise could not read the saved profiles.', detail: describeThrown(error) } });
    }
  }

  const refusal = (error: StoreRefusal) => ({ busy: false, saveProblems: error.problems, outcome: { ok: false, message: error.message } });

  async function save(id: string | null, fields: ProfilePatch): Promise<Profile | null> {
    store.setState({ busy: true, saveProblems: [], outcome: null });
    try {
      const saved = await api.saveProfile(id === null ? { fields } : { id, fields });
      if (!saved.ok) {
        store.setState(refusal(saved.error));
        return null;
      }
      store.setState({ busy: false, outcome: { ok: true, message: `Saved "${saved.profile.name}".` } });
      await load();
      return saved.profile;
    } catch (error) {
      store.setState({ busy: false, outcome: { ok: false, message: `Portwise could not save the profile: ${describeThrown(error)}` } });
      return null;
    }
  }

  async function remove(profile: Profile): Promise<void> {
    store.setState({ busy: true, outcome: null });
    try {
      const removed = await api.removeProfile({ id: profile.id });
      store.setState(
        removed.ok
          ? { busy: false, outcome: removed.warning ? { ok: false, message: `Removed "${removed.profile.name}". ${removed.warning}` } : { ok: true, message: `Removed "${removed.profile.name}".` } }
          : { ...refusal(removed.error), saveProblems: [] },
      );
    } catch (error) {
      store.setState({ busy: false, outcome: { ok: false, message: `Portwise could not remove the profile: ${describeThrown(error)}` } });
    }
    await load();
  }

  async function forgetSecret(profileId: string, kind: RememberableSecret): Promise<ActionOutcome> {
    const what = kind === 'password' ? 'password' : 'key passphrase';
    let outcome: ActionOutcome;
    try {
      const result = await api.forgetSecret({ profileId, kind });
      outcome = result.ok ? { ok: true, message: result.deleted ? `The saved ${what} was deleted.` : `No ${what} was saved.` } : { ok: false, message: result.message };
    } catch (error) {
      outcome = { ok: false, message: `Portwise could not delete the saved ${what}: ${describeThrown(error)}` };
    }
    store.setState({ outcome });
    // The list shows which profiles have a saved secret: refresh it if it was loaded.
    if (store.getState().status === 'ready') await load();
    return outcome;
  }

  return { store, load, save, remove, forgetSecret, clearOutcome: () => store.setState({ outcome: null, saveProblems: [] }), test, trust, importConfig };
}
