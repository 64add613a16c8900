import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PortwiseApi } from '../../shared/common/ipc';
import type { KnownHostView, KnownHostsListing } from '../../shared/common/schema/known-hosts';
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
  outcome: { ok: boolean; message: string } | null;
}

export interface KnownHosts {
  store: StoreApi<KnownHostsState>;
  load(filter: { host: string; port: number } | null): Promise<void>;
  /** Pins a pasted public key for host:port. False when nothing was sent (the paste is not a key). */
  pin(host: string, port: number, pasted: string): Promise<boolean>;
  remove(entry: KnownHostView): Promise<void>;
}

export function createKnownHosts(api: PortwiseApi): KnownHosts {
  const store = createStore<KnownHostsState>()(() => ({ status: 'idle', listing: null, filter: null, error: null, busy: false, outcome: null }));

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
      return { ok: true, message: result.alreadyTrusted ? `${where} already trusts ${result.fingerprint}: nothing changed.` : `Pinned ${result.fingerprint} for ${where}.` };
    });
    return true;
  }

  async function remove(entry: KnownHostView): Promise<void> {
    await change(async () => {
      const result = await api.removeHostKey({ file: entry.file, line: entry.line, fingerprint: entry.fingerprint });
      return result.ok ? { ok: true, message: `Removed ${entry.fingerprint}: Portwise will ask again at the next login to that host.` } : result;
    });
  }

  return { store, load, pin, remove };
}
