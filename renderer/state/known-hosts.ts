import type { ActionOutcome } from './action-outcome';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PortwiseApi } from '../../shared/common/ipc';
import type { KnownHostView, KnownHostsListing } from '../../shared/common/schema/known-hosts';
import type { KnownHostsWrites } from '../../shared/common/schema/settings';
import { parsePublicKey } from '../lib/public-key';
import { describeThrown } from './wizard';
import type { HumanError } from './run';

/**
 * The known-hosts manager's state: what main listed, the filter it was listed with, and the outcome
 * of the last pin or removal. Like the wizard, the only code here that calls `window.portwise`.
 */
export interface KnownHostsState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  listing: KnownHostsListing | null;
  /** The host (and port) the list is narrowed to; null: every entry. */
  filter: { host: string; port: number } | null;
  error: HumanError | null;
  /** A change is in flight. */
  busy: boolean;
  /** What the last change did, or why it was refused, in one sentence. */
  outcome: ActionOutcome | null;
  /** Where a newly trusted key is written (a shared setting), and the files it names. */
  writes: WritesState;
}

export type WritesState =
  | { status: 'idle' | 'loading' }
  | { status: 'failed'; message: string }
  | {
      status: 'ready' | 'saving';
      choice: KnownHostsWrites;
      files: { own: string; openSsh: string };
      writable: boolean;
      /** What reading or saving the settings said (a damaged file...), and the last save's outcome. */
      notices: readonly string[];
      saved: ActionOutcome | null;
    };

export interface KnownHosts {
  store: StoreApi<KnownHostsState>;
  load(filter: { host: string; port: number } | null): Promise<void>;
  /** Pins a pasted public key for host:port. False when nothing was sent (the paste is not a key). */
  pin(host: string, port: number, pasted: string): Promise<boolean>;
  remove(entry: KnownHostView): Promise<void>;
  loadWrites(): Promise<void>;
  /** Saves where newly trusted keys are written (for the app and the CLI). */
  chooseWrites(choice: KnownHostsWrites): Promise<void>;
}

export function createKnownHosts(api: PortwiseApi): KnownHosts {
  const store = createStore<KnownHostsState>()(() => ({ status: 'idle', listing: null, filter: null, error: null, busy: false, outcome: null, writes: { status: 'idle' } }));

  async function load(filter: { host: string; port: number } | null): Promise<void> {
    store.setState({ status: 'loading', filter, error: null });
    try {
      const listing = await api.listKnownHosts(filter ?? {});
      // A newer request may have started meanwhile: only the latest filter's answer is shown.
      if (store.getState().filter === filter) store.setState({ status: 'ready', listing });
    } catch (error) {
      if (store.getState().filter === filter) store.setState({ status: 'failed', error: { message: 'Portwise could not read the known-hosts files.', detail: describeThrown(error) } });
    }
  }

  async function change(run: () => Promise<{ ok: true; message: string } | { ok: false; message: string }>): Promise<void> {
    store.setState({ busy: true, outcome: null });
    try {
      const outcome = await run();
      store.setState({ busy: false, outcome });
    } catch (error) {
      store.setState({ busy: false, outcome: { ok: false, message: `Portwise could not change the file: ${describeThrown(error)}` } });
    }
    await load(store.getState().filter);
  }

  async function pin(host: string, port: number, pasted: string): Promise<boolean> {
    const key = parsePublicKey(pasted);
    if (!key.ok) {
      store.setState({ outcome: { ok: false, message: key.message } });
      return false;
    }
    await change(async () => {
      const result = await api.pinHostKey({ key: { host, port, keyType: key.keyType, key: key.key } });
      if (!result.ok) return result;
      const where = port === 22 ? host : `[${host}]:${port}`;
      if (result.alreadyTrusted) return { ok: true, message: `${where} already trusts ${result.fingerprint}: nothing changed.` };
      return { ok: true, message: `Pinned ${result.fingerprint} for ${where}, in ${result.writtenTo.join(' and in ')}.` };
    });
    return true;
  }

  async function remove(entry: KnownHostView): Promise<void> {
    await change(async () => {
      const result = await api.removeHostKey({ file: entry.file, line: entry.line, fingerprint: entry.fingerprint });
      return result.ok ? { ok: true, message: `Removed ${entry.fingerprint}: Portwise will ask again at the next login to that host.` } : result;
    });
  }

  async function loadWrites(): Promise<void> {
    store.setState({ writes: { status: 'loading' } });
    try {
      const read = await api.getSettings({});
      store.setState({ writes: { status: 'ready', choice: read.settings.knownHostsWrites, files: read.files, writable: read.writable, notices: read.notices, saved: null } });
    } catch (error) {
      store.setState({ writes: { status: 'failed', message: `Portwise could not read its settings: ${describeThrown(error)}` } });
    }
  }

  async function chooseWrites(choice: KnownHostsWrites): Promise<void> {
    const before = store.getState().writes;
    if (before.status !== 'ready') return;
    store.setState({ writes: { ...before, status: 'saving', choice, saved: null } });
    let after: WritesState;
    try {
      const result = await api.saveSettings({ settings: { knownHostsWrites: choice } });
      after = result.ok
        ? { ...before, status: 'ready', choice: result.settings.knownHostsWrites, notices: result.notices, saved: { ok: true, message: 'Saved: the app and the command line write trusted keys this way from now on.' } }
        : { ...before, status: 'ready', saved: { ok: false, message: result.message } };
    } catch (error) {
      after = { ...before, status: 'ready', saved: { ok: false, message: `Portwise could not save the setting: ${describeThrown(error)}` } };
    }
    store.setState({ writes: after });
  }

  return { store, load, pin, remove, loadWrites, chooseWrites };
}
